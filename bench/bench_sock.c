/* Sockets against the bare transport: the same bytes through a wirerig
 * socket pair (packet 4, the receiver active true reading its mailbox)
 * and through plain wr_net_send / wr_net_recv, on simnet and on loopback.
 *
 * Both sides follow the same traffic pattern, one thread playing sender
 * and receiver in turns: the sender writes `turn` bytes of frames, then
 * the receiver takes what has arrived (the bare side reads until the
 * transport has nothing more, the socket side runs the event loop once
 * and empties its mailbox). The turn size sets how much sits in the
 * kernel between turns, which decides whether the copies hit cache; so
 * the same turn is used for both sides, and rows with a short and a long
 * turn are printed. A send that blocks (the socket's high watermark) runs
 * the event loop itself, as gen_tcp's sender waits for the queue.
 *
 * Prints messages per second and the ratio; the goals: >= 0.85x the bare
 * transport for 16 KiB frames (loopback and simnet), >= 0.7x for 64 B
 * frames on simnet. Never fails on a timing, only
 * when the bytes delivered disagree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "wirerig/loopback.h"
#include "wirerig/simnet.h"
#include "wirerig/sock.h"

static int quick;

static void die(const char *what) {
  fprintf(stderr, "bench_sock: %s failed\n", what);
  exit(1);
}

static wr_net *make_net(int loopback) {
  wr_net *n = NULL;
  char err[256];
  int rc;
  if (loopback) {
    rc = wr_loopback_create(NULL, &n, err, sizeof err);
  } else {
    wr_simnet_config cfg;
    wr_simnet_config_init(&cfg);
    rc = wr_simnet_create(&cfg, &n, err, sizeof err);
  }
  if (rc < 0)
    die(err);
  return n;
}

static void take_all(wr_mailbox *mb, uint64_t *got, uint64_t *msgs) {
  wr_msg m;
  while (wr_mailbox_take(mb, &m) == 0) {
    *got += m.len;
    (*msgs)++;
    wr_msg_free(&m);
  }
}

/* frames of `size` bytes through sockets, `turn` bytes of frames per
 * sender turn; returns the payload bytes seen */
static uint64_t run_sock(int loopback, size_t size, uint64_t frames,
                         size_t turn, double *secs) {
  wr_net *n = make_net(loopback);
  wr_sockenv *env;
  if (wr_sockenv_create(n, &env))
    die("sockenv");
  wr_mailbox *mc = NULL, *ms = NULL;
  wr_mailbox_create(env, &mc);
  wr_mailbox_create(env, &ms);
  wr_sockopt so[] = {{WR_OPT_PACKET, WR_PACKET_4, 0},
                     {WR_OPT_ACTIVE, WR_ACTIVE_TRUE, 0}};
  wr_sockopt co[] = {{WR_OPT_PACKET, WR_PACKET_4, 0},
                     {WR_OPT_ACTIVE, WR_ACTIVE_FALSE, 0}};
  wr_sock *ls, *c, *s;
  wr_addr a;
  if (wr_sock_listen(env, ms, NULL, so, 2, &ls) || wr_sock_sockname(ls, &a) ||
      wr_sock_connect(env, mc, &a, co, 2, 5000, &c) ||
      wr_sock_accept(ls, ms, 5000, &s))
    die("socket pair");
  uint8_t *frame = malloc(size);
  memset(frame, 'x', size);
  uint64_t per_turn = turn / (size + 4) ? turn / (size + 4) : 1;
  uint64_t got = 0, msgs = 0, sent = 0;
  double t0 = bench_now();
  while (msgs < frames) {
    for (uint64_t i = 0; i < per_turn && sent < frames; i++, sent++)
      if (wr_sock_send(c, frame, size))
        die("send");
    /* The receiver's turn: one pass of the event loop, in which an
     * active socket reads until the transport has nothing more (as the
     * bare side does), then everything in the mailbox. */
    uint64_t before = msgs;
    if (wr_sockenv_run(env, 0))
      die("event loop");
    take_all(ms, &got, &msgs);
    if (msgs == before && sent == frames && msgs < frames) {
      wr_msg m; /* everything is sent: wait for the rest */
      if (wr_mailbox_recv(ms, 5000, &m))
        die("mailbox");
      got += m.len;
      msgs++;
      wr_msg_free(&m);
    }
  }
  *secs = bench_now() - t0;
  free(frame);
  wr_sockenv_destroy(env);
  wr_net_destroy(n);
  return got;
}

/* The bare receiver reads as much per call as an active socket reads
 * ahead (WR_SOCK_READ_AHEAD, harness/sock/sock_int.h), into one buffer it
 * reuses: the same system calls, and the best case for the cache. */
#define BARE_READ (128u * 1024u)

/* The same bytes (4-byte header + payload per frame) through the bare
 * transport, the receiver reading whatever is there. */
static uint64_t run_bare(int loopback, size_t size, uint64_t frames,
                         size_t turn, double *secs) {
  wr_net *n = make_net(loopback);
  int lh = wr_net_listen(n, NULL, 5);
  wr_addr a;
  if (lh < 0 || wr_net_local_addr(n, lh, &a))
    die("listen");
  int ch = wr_net_connect(n, &a);
  wr_net_event ev[8];
  int sh = -1;
  for (int i = 0; i < 1000 && sh < 0; i++) {
    /* Level-triggered: once connected, stop asking for OUT, or the poll
     * keeps answering it and simulated time never moves on. */
    if (ch >= 0 && (wr_net_readiness(n, ch) & WR_EV_OUT))
      wr_net_watch(n, ch, 0);
    wr_net_poll(n, ev, 8, wr_net_now(n) + 10 * WR_NS_PER_MS);
    sh = wr_net_accept(n, lh, NULL);
    if (sh == WR_EAGAIN)
      sh = -1;
  }
  if (ch < 0 || sh < 0)
    die("bare pair");
  wr_net_watch(n, sh, WR_EV_IN);
  size_t flen = size + 4;
  uint8_t *frame = malloc(flen), *rbuf = malloc(BARE_READ);
  memset(frame, 'x', flen);
  uint64_t total = (uint64_t)flen * frames, out = 0, in = 0;
  double t0 = bench_now();
  while (in < total) {
    int progress = 0;
    uint64_t turn_end = out + (turn > flen ? turn - turn % flen : flen);
    if (turn_end > total)
      turn_end = total;
    while (out < turn_end) {
      size_t off = (size_t)(out % flen), want = flen - off;
      long w = wr_net_send(n, ch, frame + off, want);
      if (w <= 0)
        break;
      out += (uint64_t)w;
      progress = 1;
    }
    for (;;) {
      long r = wr_net_recv(n, sh, rbuf, BARE_READ);
      if (r <= 0)
        break;
      in += (uint64_t)r;
      progress = 1;
    }
    if (!progress && !loopback) {
      wr_simnet_run(n, WR_TIME_NEVER); /* move everything that can move */
    } else if (!progress) {
      wr_net_watch(n, ch, out < total ? WR_EV_OUT : 0);
      wr_net_poll(n, ev, 8, wr_net_now(n) + 100 * WR_NS_PER_MS);
    }
  }
  *secs = bench_now() - t0;
  free(frame);
  free(rbuf);
  wr_net_destroy(n);
  return in - 4 * frames;
}

static void row(const char *name, int loopback, size_t size, uint64_t frames,
                size_t turn, double goal) {
  double best_s = 1e9, best_b = 1e9;
  /* The sides alternate and each keeps its best run: on a shared machine
   * a slow run says more about the neighbours than about the code. */
  int reps = quick ? 1 : goal > 0 ? 5 : 3;
  for (int r = 0; r < reps; r++) {
    double ts, tb;
    uint64_t gs = run_sock(loopback, size, frames, turn, &ts);
    uint64_t gb = run_bare(loopback, size, frames, turn, &tb);
    if (gs != (uint64_t)size * frames || gb != gs) {
      fprintf(stderr,
              "bench_sock: %s: sockets delivered %llu bytes, bare %llu\n", name,
              (unsigned long long)gs, (unsigned long long)gb);
      exit(1);
    }
    if (ts < best_s)
      best_s = ts;
    if (tb < best_b)
      best_b = tb;
  }
  double mps = (double)frames / best_s, bare = (double)frames / best_b;
  printf("%-34s %10.0f msg/s %7.1f MB/s | bare %10.0f msg/s | %5.2fx", name,
         mps, mps * (double)size / 1e6, bare, best_b / best_s);
  if (goal > 0)
    printf("  (goal >= %.2fx)", goal);
  printf("\n");
}

#define KIB 1024u

int main(int argc, char **argv) {
  quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  printf("bench_sock (%s build%s): packet 4 through a wirerig socket pair "
         "(receiver active true) vs the bare transport, same turns\n",
         WR_BENCH_BUILD_TYPE, quick ? ", --quick" : "");
  uint64_t big = quick ? 2000 : 40000, small = quick ? 20000 : 400000;
  /* BENCH_SOCK_SIMNET_ONLY: the simnet rows alone (for profiling them);
   * with BENCH_SOCK_SMALL_ONLY or BENCH_SOCK_BIG_ONLY too, one of them;
   * BENCH_SOCK_FIRST_ONLY: the loopback goal row alone. */
  if (!getenv("BENCH_SOCK_SIMNET_ONLY")) {
    row("loopback 16 KiB frames, 128K turns", 1, 16384, big * 3, 128 * KIB,
        0.85);
    if (getenv("BENCH_SOCK_FIRST_ONLY"))
      return 0;
    row("loopback 16 KiB frames, 1M turns", 1, 16384, big, 1024 * KIB, 0);
    row("loopback 64 B frames, 128K turns", 1, 64, small, 128 * KIB, 0);
  }
  /* Goals from issue #13 (item 6). */
  if (!getenv("BENCH_SOCK_SMALL_ONLY"))
    row("simnet 16 KiB frames, 128K turns", 0, 16384, big / 4, 128 * KIB, 0.85);
  if (!getenv("BENCH_SOCK_BIG_ONLY"))
    row("simnet 64 B frames, 128K turns", 0, 64, small, 128 * KIB, 0.7);
  return 0;
}
