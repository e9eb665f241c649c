/* The conversation with a live server (wirerig/replay.h), the engine of
 * `wirerig replay`.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/loopback.h"
#include "wirerig/replay.h"

#define LIVE_MAX WR_REPLAY_LIVE_MAX

typedef struct conv {
  const wr_replay_plan *p;
  wr_replay_result *r;
  wr_net *n;
  int h;
  size_t u, uoff; /* next unit and how much of it is written */
  size_t live_cap;
  int want_out, sent_done, half_closed, done;
  wr_time t0, last_activity;
  char *err;
  size_t errlen;
} conv;

/* "cannot connect to 127.0.0.1:9: connection refused (econnrefused)" */
static int fail(conv *c, const char *what, const char *to, int rc) {
  snprintf(c->err, c->errlen, "%s %s: %s (%s)", what, to, wr_strerror(rc),
           wr_err_name(rc));
  return rc < 0 ? rc : WR_EIO;
}

static wr_time due_at(const conv *c, size_t u) {
  const wr_replay_plan *p = c->p;
  if (p->timing == WR_REPLAY_FAST || p->nunits == 0)
    return 0;
  int64_t d = p->units[u].ts_ns - p->units[0].ts_ns;
  if (d < 0)
    d = 0;
  return c->t0 + (wr_time)((double)d * p->scale);
}

/* Writes what is due. */
static void send_due(conv *c) {
  const wr_replay_plan *p = c->p;
  while (c->u < p->nunits && !c->r->send_error) {
    wr_time now = wr_net_now(c->n);
    if (now < due_at(c, c->u))
      return;
    const wr_replay_unit *un = &p->units[c->u];
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
  wr_replay_result *r = c->r;
  for (;;) {
    if (r->live_len == c->live_cap) {
      if (c->live_cap >= LIVE_MAX) {
        r->overflow = 1;
        c->done = 1;
        return 0;
      }
      size_t nc = c->live_cap ? c->live_cap * 2 : 64 * 1024;
      uint8_t *nb = realloc(r->live, nc);
      if (!nb) {
        snprintf(c->err, c->errlen, "out of memory");
        return WR_ENOMEM;
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
  const wr_replay_plan *p = c->p;
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
  const wr_replay_plan *p = c->p;
  c->h = wr_net_connect(c->n, &p->to);
  if (c->h < 0)
    return fail(c, "cannot connect to", to, c->h);
  wr_time deadline = wr_net_now(c->n) + p->timeout;
  for (;;) {
    wr_net_event ev[4];
    int k = wr_net_poll(c->n, ev, 4, deadline);
    if (k < 0)
      return fail(c, "cannot connect to", to, k);
    uint32_t rd = wr_net_readiness(c->n, c->h);
    if (rd & (WR_EV_ERR | WR_EV_HUP)) {
      int e = wr_net_sockerr(c->n, c->h);
      return fail(c, "cannot connect to", to, e ? e : WR_ECONNREFUSED);
    }
    if (rd & WR_EV_OUT)
      return 0;
    if (k == 0)
      return fail(c, "cannot connect to", to, WR_ETIMEDOUT);
  }
}

int wr_replay_run(const wr_replay_plan *p, wr_replay_result *r, char *err,
                  size_t errlen) {
  memset(r, 0, sizeof *r);
  char to[80], terr[256];
  char dummy[1];
  if (!err || errlen == 0) {
    err = dummy;
    errlen = sizeof dummy;
  }
  err[0] = 0;
  wr_addr_format(&p->to, to, sizeof to);
  r->sent_at = calloc(p->nunits ? p->nunits : 1, sizeof *r->sent_at);
  if (!r->sent_at) {
    snprintf(err, errlen, "out of memory");
    return WR_ENOMEM;
  }
  wr_loopback_config cfg;
  wr_loopback_config_init(&cfg);
  cfg.seed = p->seed;
  cfg.allow_any_addr = p->allow_remote;
  conv c = {.p = p, .r = r, .h = -1, .err = err, .errlen = errlen};
  int rc = wr_loopback_create(&cfg, &c.n, terr, sizeof terr);
  if (rc != 0) {
    snprintf(err, errlen, "cannot create the transport: %s", terr);
    return rc < 0 ? rc : WR_EINVAL;
  }
  int status = connect_to(&c, to);
  if (status == 0 && p->cut) {
    rc = wr_net_set_policy(c.n, c.h, p->cut);
    if (rc < 0)
      status = fail(&c, "cannot shape the connection to", to, rc);
  }
  if (status == 0) {
    c.t0 = c.last_activity = wr_net_now(c.n);
    while (!c.done) {
      send_due(&c);
      if ((rc = read_all(&c)) < 0) {
        status = rc;
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
        status = fail(&c, "lost the connection to", to, k);
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

void wr_replay_result_free(wr_replay_result *r) {
  free(r->live);
  free(r->sent_at);
  memset(r, 0, sizeof *r);
}

int wr_replay_plan_from_flow(const wr_pcap_flow *pf, int whole,
                             wr_replay_plan *p, wr_replay_unit **units) {
  const wr_tcp_stream *c = &pf->dir[WR_C2S];
  size_t n = whole ? (c->len ? 1 : 0) : c->npieces;
  *units = calloc(n ? n : 1, sizeof **units);
  if (!*units)
    return WR_ENOMEM;
  if (whole && c->len) {
    (*units)[0].at = 0;
    (*units)[0].len = c->len;
    (*units)[0].ts_ns = c->npieces ? c->pieces[0].ts_ns : 0;
  } else {
    for (size_t i = 0; i < n; i++) {
      (*units)[i].at = c->pieces[i].at;
      (*units)[i].len = c->pieces[i].len;
      (*units)[i].ts_ns = c->pieces[i].ts_ns;
    }
  }
  p->data = c->data;
  p->units = *units;
  p->nunits = n;
  p->expect_len = pf->dir[WR_S2C].len;
  p->half_close = pf->flow.dir[WR_C2S].fin && !pf->flow.dir[WR_C2S].rst;
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void wr_replay_timing_error(const wr_replay_plan *p, const wr_replay_result *r,
                            double *median, double *max, size_t *n) {
  *median = *max = 0;
  *n = r->nsent_at > 1 ? r->nsent_at - 1 : 0;
  if (*n == 0)
    return;
  uint64_t *e = malloc(*n * sizeof *e);
  if (!e) {
    *n = 0;
    return;
  }
  for (size_t i = 1; i < r->nsent_at; i++) {
    double intended =
        (double)(p->units[i].ts_ns - p->units[i - 1].ts_ns) * p->scale;
    double actual = (double)(r->sent_at[i] - r->sent_at[i - 1]);
    double d = actual - intended;
    e[i - 1] = (uint64_t)(d < 0 ? -d : d);
  }
  qsort(e, *n, sizeof *e, cmp_u64);
  *median = (*n % 2 ? (double)e[*n / 2]
                    : ((double)e[*n / 2 - 1] + (double)e[*n / 2]) / 2) /
            1000.0;
  *max = (double)e[*n - 1] / 1000.0;
  free(e);
}
