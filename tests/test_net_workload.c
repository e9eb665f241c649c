#include "test_net_workload.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/simnet.h"

#define MAX_CONNS 4
#define MAX_EPS (2 * MAX_CONNS)

/* What one end of a connection does. */
typedef struct nw_ep {
  int h;            /* -1 when closed */
  int side;         /* 0 client, 1 server */
  uint32_t conn;    /* simnet conn id, once known */
  uint64_t to_send; /* bytes this end will write in total */
  uint64_t sent;
  uint64_t got;      /* bytes read so far (the next expected offset) */
  uint64_t abort_at; /* abort once this many bytes were sent (UINT64_MAX: no) */
  uint64_t close_after_read; /* close once this many were read (UINT64_MAX) */
  int connected, shut_wr, eof, error;
  uint64_t cache_off; /* pattern bytes [cache_off, +2048) are in cache */
  int cache_ok;
  uint8_t cache[2048];
} nw_ep;

typedef struct nw {
  wr_net *net;
  wr_prng rng; /* the test's own choices, separate from the network's */
  int lh;
  int nclients;
  nw_ep ep[MAX_EPS];
  int nep;
  uint64_t plan_c2s[MAX_CONNS], plan_s2c[MAX_CONNS];
  int accepted;
  nw_result *res;
  char *err;
} nw;

static void fail(nw *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(nw *w, const char *fmt, ...) {
  if (w->err[0])
    return; /* keep the first failure */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->err, sizeof w->res->error, fmt, ap);
  va_end(ap);
}

/* The byte at stream offset `off` of direction `dir` of connection `conn`:
 * not periodic over any stream the workload writes, so a byte out of
 * place, duplicated or missing shows up. */
static uint8_t pattern(uint32_t conn, int dir, uint64_t off) {
  uint64_t x = off * 0x9e3779b97f4a7c15ull + conn * 0x632be59bd9b4e019ull +
               (uint64_t)dir * 0x85ebca77c2b2ae63ull;
  return (uint8_t)(x >> 56);
}

static uint64_t pick(nw *w, uint64_t lo, uint64_t hi) {
  return wr_prng_range(&w->rng, lo, hi);
}

static void random_policy(nw *w, wr_policy *p) {
  wr_policy_init(p);
  switch (pick(w, 0, 4)) {
  case 0:
    break;
  case 1:
    p->seg = WR_SEG_FIXED;
    p->seg_min = p->seg_max = (uint32_t)pick(w, 1, 64);
    break;
  case 2:
    p->seg = WR_SEG_RANDOM;
    p->seg_min = (uint32_t)pick(w, 1, 20);
    p->seg_max = p->seg_min + (uint32_t)pick(w, 0, 500);
    break;
  case 3: {
    p->seg = WR_SEG_CUTS;
    uint64_t at = 0;
    p->ncuts = (uint32_t)pick(w, 1, 8);
    for (uint32_t i = 0; i < p->ncuts; i++) {
      at += pick(w, 1, 700);
      p->cuts[i] = at;
    }
    break;
  }
  default:
    p->seg = WR_SEG_FIXED;
    p->seg_min = p->seg_max = 1;
    break;
  }
  if (pick(w, 0, 1))
    p->latency = pick(w, 0, 3) * 250000;
  if (pick(w, 0, 2) == 0) {
    p->jitter_min = pick(w, 0, 100000);
    p->jitter_max = p->jitter_min + pick(w, 0, 2000000);
  }
  if (pick(w, 0, 3) == 0)
    p->bandwidth = pick(w, 100000, 100000000);
}

static nw_ep *ep_by_handle(nw *w, int h) {
  for (int i = 0; i < w->nep; i++)
    if (w->ep[i].h == h)
      return &w->ep[i];
  return NULL;
}

static void ep_close(nw *w, nw_ep *e, int abort) {
  if (e->h < 0)
    return;
  if (abort)
    wr_net_abort(w->net, e->h);
  else
    wr_net_close(w->net, e->h);
  e->h = -1;
}

static void ep_interest(nw *w, nw_ep *e) {
  uint32_t want = 0;
  if (!e->eof && !e->error && e->got < e->close_after_read)
    want |= WR_EV_IN;
  if (e->sent < e->to_send && !e->error)
    want |= WR_EV_OUT;
  wr_net_watch(w->net, e->h, want);
}

/* Closes when this end has nothing left to do. */
static void ep_maybe_finish(nw *w, nw_ep *e) {
  if (e->h < 0)
    return;
  if (e->error || (e->eof && e->shut_wr))
    ep_close(w, e, 0);
  else if (e->close_after_read != UINT64_MAX && e->got >= e->close_after_read &&
           e->sent >= e->to_send)
    ep_close(w, e, 0); /* early close: unread data means RST */
  else
    ep_interest(w, e);
}

/* The pattern bytes from e->sent on: most sends take a few bytes, so the
 * bytes are generated once per 2 KiB window, not once per attempt. */
static const uint8_t *ep_bytes(nw_ep *e, uint64_t n) {
  if (!e->cache_ok || e->sent < e->cache_off ||
      e->sent + n > e->cache_off + sizeof e->cache) {
    e->cache_off = e->sent;
    for (size_t i = 0; i < sizeof e->cache; i++)
      e->cache[i] = pattern(e->conn, e->side, e->sent + i);
    e->cache_ok = 1;
  }
  return e->cache + (e->sent - e->cache_off);
}

static void ep_send(nw *w, nw_ep *e) {
  while (e->h >= 0 && e->sent < e->to_send) {
    if (e->abort_at != UINT64_MAX && e->sent >= e->abort_at) {
      ep_close(w, e, 1);
      return;
    }
    uint64_t n = pick(w, 1, 2048);
    if (n > e->to_send - e->sent)
      n = e->to_send - e->sent;
    if (e->abort_at != UINT64_MAX && n > e->abort_at - e->sent)
      n = e->abort_at - e->sent;
    if (n == 0)
      n = 1;
    long r = wr_net_send(w->net, e->h, ep_bytes(e, n), n);
    if (r == WR_EAGAIN)
      return;
    if (r < 0) {
      e->error = 1;
      return;
    }
    if ((uint64_t)r > n)
      fail(w, "send took %ld of %llu bytes", r, (unsigned long long)n);
    e->sent += (uint64_t)r;
  }
  if (e->h >= 0 && e->sent >= e->to_send && !e->shut_wr && !e->error) {
    if (e->abort_at != UINT64_MAX && e->sent >= e->abort_at) {
      ep_close(w, e, 1);
      return;
    }
    if (wr_net_shutdown(w->net, e->h, WR_SHUT_WR) == 0)
      e->shut_wr = 1;
    else
      e->error = 1;
  }
}

static void ep_recv(nw *w, nw_ep *e) {
  uint8_t buf[3000];
  while (e->h >= 0 && !e->eof && !e->error) {
    uint64_t n = pick(w, 1, sizeof buf);
    long r = wr_net_recv(w->net, e->h, buf, n);
    if (r == WR_EAGAIN)
      return;
    if (r == 0) {
      e->eof = 1;
      return;
    }
    if (r < 0) {
      e->error = 1;
      return;
    }
    for (long i = 0; i < r; i++)
      if (buf[i] != pattern(e->conn, 1 - e->side, e->got + (uint64_t)i)) {
        fail(w,
             "conn %u dir %d: byte at offset %llu is 0x%02x, expected "
             "0x%02x",
             e->conn, 1 - e->side, (unsigned long long)(e->got + (uint64_t)i),
             buf[i], pattern(e->conn, 1 - e->side, e->got + (uint64_t)i));
        e->error = 1;
        return;
      }
    e->got += (uint64_t)r;
    if (e->close_after_read != UINT64_MAX && e->got >= e->close_after_read)
      return;
  }
}

static void plan_ep(nw *w, nw_ep *e, uint64_t to_send) {
  e->to_send = to_send;
  e->abort_at = UINT64_MAX;
  e->close_after_read = UINT64_MAX;
  switch (pick(w, 0, 9)) {
  case 0:
    e->abort_at = pick(w, 0, to_send);
    break;
  case 1:
    e->close_after_read = pick(w, 0, 2000);
    break;
  default:
    break;
  }
}

static int on_event(void *ctx, wr_net *n, const wr_net_event *ev) {
  nw *w = ctx;
  if (ev->handle == w->lh) {
    for (;;) {
      int h = wr_net_accept(n, w->lh, NULL);
      if (h < 0)
        break;
      if (w->nep >= MAX_EPS || w->accepted >= w->nclients) {
        fail(w, "accepted more connections than were made");
        wr_net_close(n, h);
        break;
      }
      nw_ep *e = &w->ep[w->nep++];
      memset(e, 0, sizeof *e);
      e->h = h;
      e->side = 1;
      e->connected = 1;
      wr_simnet_conn_id(n, h, &e->conn, NULL);
      /* The client with this conn id planned our byte count. */
      uint64_t len = 0;
      for (int i = 0; i < w->nep; i++)
        if (w->ep[i].side == 0 && w->ep[i].conn == e->conn)
          len = w->plan_s2c[i];
      plan_ep(w, e, len);
      w->accepted++;
      ep_interest(w, e);
    }
    return 0;
  }
  nw_ep *e = ep_by_handle(w, ev->handle);
  if (!e)
    return 0;
  if (!e->connected) {
    if (ev->events & WR_EV_ERR) {
      wr_net_sockerr(n, e->h);
      e->error = 1;
      ep_close(w, e, 0);
      return 0;
    }
    if (!(ev->events & WR_EV_OUT))
      return 0;
    e->connected = 1;
  }
  if (ev->events & (WR_EV_IN | WR_EV_ERR | WR_EV_HUP))
    ep_recv(w, e);
  if (ev->events & (WR_EV_OUT | WR_EV_ERR | WR_EV_HUP))
    ep_send(w, e);
  if (ev->events & (WR_EV_ERR | WR_EV_HUP) && !(ev->events & WR_EV_IN) &&
      e->h >= 0 && !e->eof)
    ep_recv(w, e);
  if (e->h >= 0 && (ev->events & WR_EV_HUP) && e->sent < e->to_send &&
      !e->error) {
    /* Both sides shut: nothing more can be sent. */
    e->error = 1;
  }
  ep_maybe_finish(w, e);
  return 0;
}

static void inject_faults(nw *w) {
  for (int i = 0; i < w->nep; i++) {
    nw_ep *e = &w->ep[i];
    if (e->h < 0 || e->side != 0)
      continue;
    switch (pick(w, 0, 11)) {
    case 0:
      wr_simnet_fault_reset_after(w->net, e->h, pick(w, 0, 3000));
      break;
    case 1:
      wr_simnet_fault_reset_at(w->net, e->h, pick(w, 0, 5) * WR_NS_PER_MS);
      break;
    case 2:
      wr_simnet_stall(w->net, e->h, pick(w, 1, 20) * WR_NS_PER_MS);
      break;
    case 3:
      wr_simnet_fault_short_writes(w->net, e->h, (uint32_t)pick(w, 1, 7));
      break;
    case 4:
      wr_simnet_fault_eagain(w->net, e->h, WR_SHUT_WR, (uint32_t)pick(w, 1, 5));
      wr_simnet_fault_eagain(w->net, e->h, WR_SHUT_RD, (uint32_t)pick(w, 1, 5));
      break;
    default:
      break;
    }
  }
}

/* Per (conn, dir): bytes in the trace's write, read, discard and segment
 * records, added up in one pass. */
typedef struct tsum {
  uint64_t write, read, discard, segment;
} tsum;

static void sum_trace(wr_net *n, tsum sums[][2], uint32_t nconn) {
  size_t cnt = wr_simnet_trace_count(n);
  for (size_t i = 0; i < cnt; i++) {
    const wr_trace_rec *r = wr_simnet_trace_get(n, i);
    if (r->conn < 1 || r->conn > nconn || r->dir > 1)
      continue;
    tsum *t = &sums[r->conn - 1][r->dir];
    switch (r->kind) {
    case WR_TR_WRITE:
      t->write += r->b;
      break;
    case WR_TR_READ:
      t->read += r->b;
      break;
    case WR_TR_DISCARD:
      t->discard += r->b;
      break;
    case WR_TR_SEGMENT:
      t->segment += r->b;
      break;
    default:
      break;
    }
  }
}

static void check_conservation(nw *w) {
  uint32_t nconn = wr_simnet_conn_count(w->net);
  w->res->conns = nconn;
  tsum sums[MAX_CONNS][2];
  memset(sums, 0, sizeof sums);
  if (nconn > MAX_CONNS) {
    fail(w, "%u connections, at most %d were made", nconn, MAX_CONNS);
    return;
  }
  sum_trace(w->net, sums, nconn);
  for (uint32_t c = 1; c <= nconn; c++) {
    for (int dir = 0; dir < 2; dir++) {
      wr_simnet_dirstats st;
      if (wr_simnet_dirstats_get(w->net, c, dir, &st) < 0) {
        fail(w, "no stats for conn %u", c);
        return;
      }
      w->res->bytes_written += st.written;
      w->res->bytes_read += st.read;
      w->res->bytes_discarded += st.discarded;
      w->res->resets += (uint32_t)st.rst;
      /* The application's view: what the receiving end read. */
      uint64_t app_read = 0, app_sent = 0;
      for (int i = 0; i < w->nep; i++) {
        if (w->ep[i].conn != c)
          continue;
        if (w->ep[i].side == dir)
          app_sent = w->ep[i].sent;
        else
          app_read = w->ep[i].got;
      }
      if (st.written != app_sent)
        fail(w,
             "conn %u dir %d: simnet counted %llu bytes written, the "
             "application sent %llu",
             c, dir, (unsigned long long)st.written,
             (unsigned long long)app_sent);
      if (st.read != app_read)
        fail(w,
             "conn %u dir %d: simnet counted %llu bytes read, the "
             "application got %llu",
             c, dir, (unsigned long long)st.read, (unsigned long long)app_read);
      if (st.queued != 0)
        fail(w,
             "conn %u dir %d: %llu bytes still queued after every end "
             "closed (written %llu read %llu discarded %llu)",
             c, dir, (unsigned long long)st.queued,
             (unsigned long long)st.written, (unsigned long long)st.read,
             (unsigned long long)st.discarded);
      if (st.discarded && !st.rst) {
        /* Bytes may only be lost to a reset: one of the two directions
         * must have carried an RST, or a fault reset the connection. */
        wr_simnet_dirstats o;
        wr_simnet_dirstats_get(w->net, c, 1 - dir, &o);
        if (!o.rst)
          fail(w, "conn %u dir %d: %llu bytes discarded without any RST", c,
               dir, (unsigned long long)st.discarded);
      }
      const tsum *t = &sums[c - 1][dir];
      if (t->write != st.written || t->read != st.read ||
          t->discard != st.discarded)
        fail(w,
             "conn %u dir %d: the trace does not add up (write %llu/%llu "
             "read %llu/%llu discard %llu/%llu)",
             c, dir, (unsigned long long)t->write,
             (unsigned long long)st.written, (unsigned long long)t->read,
             (unsigned long long)st.read, (unsigned long long)t->discard,
             (unsigned long long)st.discarded);
      if (t->segment != st.delivered)
        fail(w,
             "conn %u dir %d: segments in the trace carry %llu bytes, "
             "stats say %llu delivered",
             c, dir, (unsigned long long)t->segment,
             (unsigned long long)st.delivered);
    }
  }
}

int nw_run(uint64_t seed, int check, nw_result *res) {
  memset(res, 0, sizeof *res);
  nw w;
  memset(&w, 0, sizeof w);
  w.res = res;
  w.err = res->error;
  wr_prng_seed(&w.rng, seed ^ 0x5eed5eed5eed5eedull);

  static const uint32_t bufs[] = {1, 7, 100, 1000, 4096, 65536};
  wr_simnet_config cfg;
  wr_simnet_config_init(&cfg);
  cfg.seed = seed;
  cfg.sndbuf = bufs[pick(&w, 0, 5)];
  cfg.rcvbuf = bufs[pick(&w, 0, 5)];
  random_policy(&w, &cfg.c2s);
  random_policy(&w, &cfg.s2c);
  char err[256];
  if (wr_simnet_create(&cfg, &w.net, err, sizeof err) < 0) {
    snprintf(res->error, sizeof res->error, "seed %llu: create: %s",
             (unsigned long long)seed, err);
    return -1;
  }
  if (check)
    wr_simnet_trace_keep(w.net, 1);
  w.lh = wr_net_listen(w.net, NULL, (int)pick(&w, 0, 3));
  wr_addr la;
  wr_net_local_addr(w.net, w.lh, &la);
  w.nclients = (int)pick(&w, 1, MAX_CONNS);
  for (int i = 0; i < w.nclients; i++) {
    nw_ep *e = &w.ep[w.nep];
    memset(e, 0, sizeof *e);
    e->h = wr_net_connect(w.net, &la);
    e->side = 0;
    wr_simnet_conn_id(w.net, e->h, &e->conn, NULL);
    w.plan_c2s[w.nep] = pick(&w, 0, 4000);
    w.plan_s2c[w.nep] = pick(&w, 0, 4000);
    plan_ep(&w, e, w.plan_c2s[w.nep]);
    w.nep++;
  }
  inject_faults(&w);

  /* Bounded: each round runs until the network is quiet; a round that
   * cannot finish is a livelock and fails the seed. */
  for (int round = 0; round < 3 && !w.err[0]; round++) {
    wr_net_event evs[16];
    long polls = 0;
    for (;;) {
      int k = wr_net_poll(w.net, evs, 16, WR_TIME_NEVER);
      if (k <= 0)
        break;
      for (int i = 0; i < k; i++)
        on_event(&w, w.net, &evs[i]);
      if (++polls > 2000000) {
        fail(&w, "no progress after %ld polls (livelock)", polls);
        break;
      }
    }
    /* Whatever is still open now waits for something that cannot come
     * (a backlog that never drained, a peer that reset): close it. */
    for (int i = 0; i < w.nep; i++)
      ep_close(&w, &w.ep[i], round == 1);
    if (round == 0 && wr_net_close(w.net, w.lh) == 0)
      w.lh = -1;
  }
  wr_simnet_run(w.net, WR_TIME_NEVER);
  res->trace_hash = wr_simnet_trace_hash(w.net);
  if (check && !w.err[0])
    check_conservation(&w);
  /* WIRERIG_NET_TRACE=<seed> prints that seed's trace to stderr. */
  const char *dump = getenv("WIRERIG_NET_TRACE");
  if (dump && strtoull(dump, NULL, 10) == seed) {
    fprintf(stderr, "trace of seed %llu (hash %016llx):\n",
            (unsigned long long)seed, (unsigned long long)res->trace_hash);
    wr_simnet_trace_dump(w.net, stderr);
  }
  wr_net_destroy(w.net);
  if (res->error[0]) {
    char tmp[sizeof res->error];
    snprintf(tmp, sizeof tmp, "%s", res->error);
    snprintf(res->error, sizeof res->error,
             "seed %llu: %.400s (rerun with WIRERIG_NET_TRACE=%llu for the "
             "trace)",
             (unsigned long long)seed, tmp, (unsigned long long)seed);
    return -1;
  }
  return 0;
}
