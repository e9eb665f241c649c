/* Targets under the preload shim (`target ... shim=`, docs/exec.md): every
 * small cut schedule of each such target's own reads, the way simnet files
 * get every small cut schedule of a direction (run_plan.c).
 *
 * A shim target numbers its connections 0, 1, ... in the order it
 * accepts or makes them, and the shim can cut one connection's reads by a
 * policy of its own (WIRERIG_PRELOAD_CONN_READS). One traced run at the
 * first seed measures how many bytes a target read on each connection (a
 * run for each shim target of the file); then, one connection of one
 * target at a time (the rest at the file's policies and seed), every schedule
 * of at most K cuts over its first B bytes is run, B the exhaustive limit
 * (`--exhaustive-limit`, a file's `exhaustive`), K the most that keeps the
 * connection's share of the bound
 * (`--max-shim-schedules`, WR_RUN_SHIM_SCHEDULES) -- each run starts a
 * server, so the bound is far below simnet's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_int.h"
#include "run_plan_int.h"

int wr_run_shim_conn_reads_(const run_rt *rt, int ep, char *buf, size_t len) {
  const wr_scn_endpoint *e = &rt->s->endpoints[ep];
  wr_conn_policies l;
  memset(&l, 0, sizeof l);
  char err[300];
  if (e->shim_conn &&
      wr_conn_policies_parse(e->shim_conn, &l, err, sizeof err) < 0)
    return -1; /* the parser checked it: not reached */
  const wr_run_sched *sc = rt->sched;
  if (sc && sc->shim && sc->ep == ep) {
    wr_conn_policy *slot = NULL;
    for (uint32_t i = 0; i < l.n; i++)
      if (l.v[i].conn == sc->conn)
        slot = &l.v[i];
    if (!slot) {
      if (l.n == WR_CONN_POLICIES_MAX)
        return -1;
      slot = &l.v[l.n++];
      slot->conn = sc->conn;
    }
    slot->seg = sc->seg;
  }
  int n = wr_conn_policies_format(&l, buf, len);
  return n < 0 || (size_t)n >= len ? -1 : 0;
}

int wr_run_shim_target_(const wr_scenario *s) {
  for (size_t i = 0; i < s->nendpoints; i++) {
    const wr_scn_endpoint *e = &s->endpoints[i];
    if (e->kind == WR_SCN_EP_TARGET && e->command &&
        (e->shim_reads || e->shim_writes || e->shim_conn))
      return (int)i;
  }
  return -1;
}

int wr_run_shim_trace_read_(const char *path, wr_run_shim_reads *out) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    unsigned long long conn, ask, got;
    char call[64];
    /* conn=C in CALL ask=N got=M (docs/exec.md, "Trace"); a peek moves
     * nothing. */
    if (sscanf(line, "conn=%llu in %63s ask=%llu got=%llu", &conn, call, &ask,
               &got) != 4 ||
        strcmp(call, "recv-peek") == 0 || got == 0)
      continue;
    if (conn >= WR_RUN_SHIM_MAX_CONNS) {
      out->overflow = 1;
      continue;
    }
    wr_run_shim_stream *st = &out->conn[conn];
    if (conn >= out->n)
      out->n = (size_t)conn + 1;
    st->len += got;
    if (st->nends < WR_POLICY_MAX_CUTS)
      st->ends[st->nends++] = st->len;
    else
      st->ends_overflow = 1;
  }
  fclose(f);
  return 0;
}

int wr_run_shim_traced_run_(const wr_scenario *s, const wr_run_opts *o,
                            uint64_t seed, const wr_run_sched *sc, int ep,
                            wr_run_result *r, wr_run_shim_reads *reads) {
  const char *tmpdir = getenv("TMPDIR");
  char base[512], path[540];
  snprintf(base, sizeof base, "%s/wirerig-shim-trace-XXXXXX",
           tmpdir && *tmpdir ? tmpdir : "/tmp");
  int fd = mkstemp(base);
  if (fd < 0)
    return -1;
  close(fd);
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = WR_RUN_LOOPBACK;
  p.seed = seed;
  p.sched = sc;
  p.preload = o->preload;
  p.shim_trace = base;
  wr_run_once(s, &p, r);
  snprintf(path, sizeof path, "%s.%d", base, ep);
  int rc = wr_run_shim_trace_read_(path, reads);
  for (size_t i = 0; i < s->nendpoints; i++) {
    snprintf(path, sizeof path, "%s.%zu", base, i);
    unlink(path);
  }
  unlink(base);
  return rc;
}

/* Largest number of cuts whose schedules (all but the one without cuts)
 * stay within the bound. */
static uint32_t cuts_within(uint64_t len, uint64_t bound) {
  uint32_t mc =
      len - 1 > WR_POLICY_MAX_CUTS ? WR_POLICY_MAX_CUTS : (uint32_t)(len - 1);
  while (mc > 0 && wr_cut_iter_count(len, mc) - 1 > bound)
    mc--;
  return mc;
}

/* The shim targets of s, in file order: their count, indexes in eps. */
static size_t shim_targets(const wr_scenario *s, int *eps, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < s->nendpoints && n < max; i++) {
    const wr_scn_endpoint *e = &s->endpoints[i];
    if (e->kind == WR_SCN_EP_TARGET && e->command &&
        (e->shim_reads || e->shim_writes || e->shim_conn))
      eps[n++] = (int)i;
  }
  return n;
}

int wr_run_shim_pass_(const wr_scenario *s, const wr_run_opts *o, uint64_t seed,
                      uint64_t limit, wr_run_report *rep,
                      int (*one)(void *ctx, const wr_run_sched *sc), void *ctx,
                      wr_run_sched *failed) {
  enum { MAX_TARGETS = 16 };
  int eps[MAX_TARGETS];
  size_t ntargets = shim_targets(s, eps, MAX_TARGETS);
  if (ntargets == 0 || limit == 0)
    return 0;
  /* One measuring run per target: how many bytes it read on each of its
   * connections. A measurement, counted nowhere: every share (--shard)
   * makes it, and their counts must add up to the whole suite's. The
   * seeds passed; a measuring run that does not is the server's own
   * variance, and that target has nothing reliable to cut. */
  wr_run_shim_reads *reads = calloc(ntargets, sizeof *reads);
  if (!reads)
    return 0;
  size_t left_conns = 0;
  for (size_t t = 0; t < ntargets; t++) {
    wr_run_result r;
    memset(&r, 0, sizeof r);
    int rc = wr_run_shim_traced_run_(s, o, seed, NULL, eps[t], &r, &reads[t]);
    wr_run_verdict v = r.verdict;
    wr_run_result_free(&r);
    if (rc < 0 || v != WR_RUN_PASS)
      reads[t].n = 0;
    for (size_t c = 0; c < reads[t].n; c++)
      if (reads[t].conn[c].len >= 2)
        left_conns++;
  }
  uint64_t bound =
      o->max_shim_schedules ? o->max_shim_schedules : WR_RUN_SHIM_SCHEDULES;
  uint64_t listed = 0; /* schedules of every share, for the budget */
  int found = 0, spent = 0;
  for (size_t t = 0; t < ntargets && !found && !spent; t++)
    for (size_t c = 0; c < reads[t].n && !found && !spent; c++) {
      uint64_t len = reads[t].conn[c].len;
      if (len < 2)
        continue;
      /* Cuts at offsets 1..B of the stream (1..len-1 when it is shorter). */
      uint64_t ilen = len < limit + 1 ? len : limit + 1;
      uint64_t left = bound - listed;
      uint64_t share = left / left_conns ? left / left_conns : left;
      left_conns--;
      if (share == 0) {
        rep->shim_capped = 1;
        spent = 1;
        continue;
      }
      uint32_t all = ilen - 1 > WR_POLICY_MAX_CUTS ? WR_POLICY_MAX_CUTS
                                                   : (uint32_t)(ilen - 1);
      uint32_t k = cuts_within(ilen, share);
      if (k < all)
        rep->shim_capped = 1;
      if (k == 0)
        continue;
      if (k > rep->shim_cuts)
        rep->shim_cuts = k;
      wr_cut_iter it;
      char err[200];
      if (wr_cut_iter_init(&it, ilen, k, err, sizeof err) < 0)
        continue;
      wr_run_sched sc;
      memset(&sc, 0, sizeof sc);
      sc.ep = eps[t];
      sc.peer = -1;
      sc.shim = 1;
      sc.conn = c;
      while (!found && wr_cut_iter_next(&it, NULL, &sc.seg)) {
        if (sc.seg.ncuts == 0)
          continue; /* the connection read whole: not a cut schedule */
        listed++;
        int rc1 = one(ctx, &sc);
        if (rc1 < 0)
          continue; /* not this share's (--shard) */
        rep->shim_schedules++;
        if (rc1) {
          *failed = sc;
          found = 1;
        }
      }
    }
  free(reads);
  return found;
}
