/* `wirerig replay`: the conversation with the live server.
 *
 * One connection on the loopback transport (loopback.h), so that --cut goes
 * through the same shaper as scenarios. The client's pieces are written at
 * their due times: at once (fast), or at the connection time plus the
 * captured offset of the piece times the scale. Due times are absolute, so
 * a late write does not delay the ones after it. Everything the server
 * sends is read as it comes.
 *
 * The end: the server closes or resets; or everything was sent, the server
 * has sent at least as much as it did in the capture and then kept quiet
 * for `quiet`; or nothing happened for `timeout`. A client that half-closed
 * in the capture half-closes here once everything is sent and the server
 * is matched or quiet -- late enough for a server that answers before the
 * client's FIN, early enough for one that answers only after it.
 */
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "wirerig/loopback.h"

#define LIVE_MAX ((size_t)256 << 20)

typedef struct conv {
  const replay_plan *p;
  replay_result *r;
  wr_net *n;
  int h;
  size_t u, uoff; /* next unit and how much of it is written */
  size_t live_cap;
  int want_out, sent_done, half_closed, done;
  wr_time t0, last_activity;
} conv;

static int fail(const char *what, const char *to, int rc) {
  fprintf(stderr, WR_REPLAY_PROG ": %s %s: %s (%s)\n", what, to,
          wr_strerror(rc), wr_err_name(rc));
  return 2;
}

static wr_time due_at(const conv *c, size_t u) {
  const replay_plan *p = c->p;
  if (p->timing == REPLAY_FAST || p->nunits == 0)
    return 0;
  int64_t d = p->units[u].ts_ns - p->units[0].ts_ns;
  if (d < 0)
    d = 0;
  return c->t0 + (wr_time)((double)d * p->scale);
}

/* Writes what is due. */
static void send_due(conv *c) {
  const replay_plan *p = c->p;
  while (c->u < p->nunits && !c->r->send_error) {
    wr_time now = wr_net_now(c->n);
    if (now < due_at(c, c->u))
      return;
    const replay_unit *un = &p->units[c->u];
    if (c->uoff == 0)
      c->r->sent_at[c->u] = now;
    long k =
        wr_net_send(c->n, c->h, p->data + un->at + c->uoff, un->len - c->uoff);
    if (k == WR_EAGAIN) {
      c->want_out = 1;
      return;
    }
    if (k < 0) {
      c->r->send_error = (int)k;
      return;
    }
    c->want_out = 0;
    c->uoff += (size_t)k;
    c->r->sent += (size_t)k;
    c->last_activity = wr_net_now(c->n);
    if (c->uoff == un->len) {
      c->u++;
      c->uoff = 0;
      c->r->nsent_at = c->u;
    }
  }
}

/* Reads everything the socket holds. */
static int read_all(conv *c) {
  replay_result *r = c->r;
  for (;;) {
    if (r->live_len == c->live_cap) {
      if (c->live_cap >= LIVE_MAX) {
        fprintf(stderr,
                WR_REPLAY_PROG ": the server sent more than %zu MiB; "
                               "stopped reading\n",
                LIVE_MAX >> 20);
        c->done = 1;
        return 0;
      }
      size_t nc = c->live_cap ? c->live_cap * 2 : 64 * 1024;
      uint8_t *nb = realloc(r->live, nc);
      if (!nb) {
        fprintf(stderr, WR_REPLAY_PROG ": out of memory\n");
        return -1;
      }
      r->live = nb;
      c->live_cap = nc;
    }
    long k = wr_net_recv(c->n, c->h, r->live + r->live_len,
                         c->live_cap - r->live_len);
    if (k == WR_EAGAIN)
      return 0;
    if (k == 0) {
      r->server_closed = 1;
      c->done = 1;
      return 0;
    }
    if (k < 0) {
      r->reset = 1;
      c->done = 1;
      return 0;
    }
    r->live_len += (size_t)k;
    c->last_activity = wr_net_now(c->n);
  }
}

/* Bytes the shaper still holds (0 where the transport has no queue). */
static size_t queued(conv *c) {
  size_t q = 0;
  return wr_net_queued(c->n, c->h, &q) == 0 ? q : 0;
}

/* Decides whether the conversation is over; returns the next deadline. */
static wr_time check_end(conv *c) {
  const replay_plan *p = c->p;
  wr_time now = wr_net_now(c->n);
  if (!c->sent_done && (c->u == p->nunits || c->r->send_error) &&
      (!p->cut || queued(c) == 0)) {
    c->sent_done = 1;
    c->last_activity = now;
  }
  /* Long captured pauses between pieces are not silence. */
  if ((c->sent_done || c->want_out) && now - c->last_activity >= p->timeout) {
    c->r->timed_out = 1;
    c->done = 1;
    return now;
  }
  wr_time deadline = WR_TIME_NEVER;
  if (c->sent_done || c->want_out)
    deadline = c->last_activity + p->timeout;
  if (c->sent_done) {
    int matched = c->r->live_len >= p->expect_len;
    if (now - c->last_activity >= p->quiet) {
      if (p->half_close && !c->half_closed && !c->r->send_error) {
        wr_net_shutdown(c->n, c->h, WR_SHUT_WR);
        c->half_closed = 1;
        c->last_activity = now;
      } else if (matched) {
        c->done = 1;
        return now;
      }
    }
    wr_time q = c->last_activity + p->quiet;
    if (q > now && q < deadline)
      deadline = q;
  } else if (c->u < p->nunits) {
    wr_time d = due_at(c, c->u);
    if (!c->want_out && d < deadline)
      deadline = d;
  }
  /* The shaper writes one chunk per poll: come back soon while it holds
   * bytes. */
  if (p->cut && queued(c) > 0 && now + WR_NS_PER_MS < deadline)
    deadline = now + WR_NS_PER_MS;
  return deadline;
}

static int connect_to(conv *c, const char *to) {
  const replay_plan *p = c->p;
  c->h = wr_net_connect(c->n, &p->to);
  if (c->h < 0)
    return fail("cannot connect to", to, c->h);
  wr_time deadline = wr_net_now(c->n) + p->timeout;
  for (;;) {
    wr_net_event ev[4];
    int k = wr_net_poll(c->n, ev, 4, deadline);
    if (k < 0)
      return fail("cannot connect to", to, k);
    uint32_t rd = wr_net_readiness(c->n, c->h);
    if (rd & (WR_EV_ERR | WR_EV_HUP)) {
      int e = wr_net_sockerr(c->n, c->h);
      return fail("cannot connect to", to, e ? e : WR_ECONNREFUSED);
    }
    if (rd & WR_EV_OUT)
      return 0;
    if (k == 0)
      return fail("cannot connect to", to, WR_ETIMEDOUT);
  }
}

int wr_replay_run(const replay_plan *p, replay_result *r) {
  memset(r, 0, sizeof *r);
  char to[80], err[256];
  wr_addr_format(&p->to, to, sizeof to);
  r->sent_at = calloc(p->nunits ? p->nunits : 1, sizeof *r->sent_at);
  if (!r->sent_at) {
    fprintf(stderr, WR_REPLAY_PROG ": out of memory\n");
    return 2;
  }
  wr_loopback_config cfg;
  wr_loopback_config_init(&cfg);
  cfg.seed = p->seed;
  cfg.allow_any_addr = p->allow_remote;
  conv c = {.p = p, .r = r, .h = -1};
  if (wr_loopback_create(&cfg, &c.n, err, sizeof err) != 0) {
    fprintf(stderr, WR_REPLAY_PROG ": cannot create the transport: %s\n", err);
    return 2;
  }
  int status = connect_to(&c, to);
  if (status == 0 && p->cut) {
    int rc = wr_net_set_policy(c.n, c.h, p->cut);
    if (rc < 0)
      status = fail("cannot shape the connection to", to, rc);
  }
  if (status == 0) {
    c.t0 = c.last_activity = wr_net_now(c.n);
    while (!c.done) {
      send_due(&c);
      if (read_all(&c) < 0) {
        status = 2;
        break;
      }
      if (c.done)
        break;
      wr_time deadline = check_end(&c);
      if (c.done)
        break;
      wr_net_watch(c.n, c.h, WR_EV_IN | (c.want_out ? WR_EV_OUT : 0));
      wr_net_event ev[4];
      int k = wr_net_poll(c.n, ev, 4, deadline);
      if (k < 0) {
        status = fail("lost the connection to", to, k);
        break;
      }
    }
    r->elapsed = wr_net_now(c.n) - c.t0;
  }
  if (c.h >= 0)
    wr_net_close(c.n, c.h);
  wr_net_destroy(c.n);
  return status;
}

void wr_replay_result_free(replay_result *r) {
  free(r->live);
  free(r->sent_at);
  memset(r, 0, sizeof *r);
}
