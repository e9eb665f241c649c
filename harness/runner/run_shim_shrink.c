/* Shrinking a failing run of a target under the shim (run_shim.c) into a
 * scenario of its own.
 *
 * The cuts come from the failing run: the schedule the pass pinned, else
 * the ends of the target's reads in a traced run at the failing seed, one
 * connection at a time until pinning one connection's read ends (with
 * `shim_conn`) reproduces the failure. Then simpler policies are tried:
 * the file's `shim=` for the other connections becomes `whole`, and
 * `shim_writes=` too, each kept only if the run still fails the same way
 * (same step, same observation); a file left with `whole` elsewhere fails
 * whatever the seed. Then cuts are removed one at a time while it still
 * fails. The result is the original file with the target statement
 * written again (its `shim_conn=` the shrunk cuts), `seeds 1` and
 * `exhaustive off`, written atomically and run again to confirm. Every
 * try starts the server: the tries are bounded (SHIM_SHRINK_MAX_TRIES). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "run_plan_int.h"

#define SHIM_SHRINK_MAX_TRIES 160

typedef struct shrink {
  const wr_scenario *orig;
  wr_scenario copy; /* orig with the target's policies as tried */
  wr_scn_endpoint *eps;
  const wr_run_opts *o;
  const wr_run_result *fail;
  uint64_t seed;
  int ep;
  unsigned tries;
  wr_run_result probe;
} shrink;

static int fails_same(shrink *k, const wr_run_sched *sc) {
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = WR_RUN_LOOPBACK;
  p.seed = k->seed;
  p.sched = sc;
  p.preload = k->o->preload;
  k->tries++;
  wr_run_once(&k->copy, &p, &k->probe);
  return wr_run_same_failure(k->fail, &k->probe);
}

/* A candidate: the cuts of one connection, as a shim schedule. */
static void conn_sched(wr_run_sched *sc, int ep, uint64_t conn,
                       const uint64_t *cuts, uint32_t n) {
  memset(sc, 0, sizeof *sc);
  sc->ep = ep;
  sc->peer = -1;
  sc->shim = 1;
  sc->conn = conn;
  wr_policy_init(&sc->seg);
  sc->seg.seg = WR_SEG_CUTS;
  sc->seg.ncuts = n;
  memcpy(sc->seg.cuts, cuts, n * sizeof *cuts);
}

/* The read ends of a traced run, one connection at a time, until one
 * reproduces the failure. Where the kernel had not received all of a
 * piece, a read ends early; such a run may not reproduce, so a second
 * traced run gets a chance. */
static int from_trace(shrink *k, wr_run_sched *best) {
  wr_run_shim_reads *reads = malloc(sizeof *reads);
  wr_run_result r;
  memset(&r, 0, sizeof r);
  int have = 0;
  for (int attempt = 0; attempt < 2 && reads && !have; attempt++) {
    k->tries++;
    if (wr_run_shim_traced_run_(&k->copy, k->o, k->seed, NULL, k->ep, &r,
                                reads) < 0)
      break;
    for (size_t c = 0; c < reads->n && !have; c++) {
      wr_run_shim_stream *st = &reads->conn[c];
      /* Every end is a cut, the last one too: the run may have stopped
       * reading there because of the failure, and the peer had sent
       * more. */
      uint32_t n = st->nends;
      if (n == 0)
        continue;
      conn_sched(best, k->ep, c, st->ends, n);
      have = fails_same(k, best);
    }
  }
  wr_run_result_free(&r);
  free(reads);
  return have;
}

/* ---- the shrunk file ----------------------------------------------------- */

static void put_string(wr_strbuf *b, const char *text) {
  size_t n = strlen(text);
  int need = wr_run_render_bytes((const uint8_t *)text, n, n, NULL, 0);
  char *q = malloc((size_t)need + 1);
  if (!q) {
    b->oom = 1;
    return;
  }
  wr_run_render_bytes((const uint8_t *)text, n, n, q, (size_t)need + 1);
  wr_strbuf_puts(b, q);
  free(q);
}

/* The target statement, written again with the shrunk policies. {dir}
 * stays when the shrunk file sits beside the original (it means the same
 * directory), else it becomes that directory. */
static void target_line(const shrink *k, const char *conn_reads, wr_strbuf *b) {
  const wr_scn_endpoint *e = &k->copy.endpoints[k->ep];
  wr_strbuf_printf(b, "target %s start ", e->name);
  const char *cmd = e->command;
  char *owned = NULL;
  if (k->o->shrink_dir && strstr(cmd, "{dir}")) {
    char dir[4096];
    const char *slash = strrchr(k->orig->file, '/');
    if (!slash)
      snprintf(dir, sizeof dir, ".");
    else
      snprintf(dir, sizeof dir, "%.*s", (int)(slash - k->orig->file),
               k->orig->file);
    char *abs = realpath(dir, NULL);
    wr_strbuf c = {0};
    for (const char *p = cmd; *p;) {
      const char *at = strstr(p, "{dir}");
      if (!at) {
        wr_strbuf_puts(&c, p);
        break;
      }
      wr_strbuf_put(&c, p, (size_t)(at - p));
      wr_strbuf_printf(&c, "'%s'", abs ? abs : dir);
      p = at + 5;
    }
    free(abs);
    owned = c.p;
    if (owned)
      cmd = owned;
  }
  put_string(b, cmd);
  free(owned);
  if (e->ready) {
    wr_strbuf_puts(b, " ready=");
    put_string(b, e->ready);
  }
  if (e->timeout)
    wr_strbuf_printf(b, " timeout=%lluus",
                     (unsigned long long)(e->timeout / 1000));
  if (e->shim_reads)
    wr_strbuf_printf(b, " shim=\"%s\"", e->shim_reads);
  if (e->shim_writes)
    wr_strbuf_printf(b, " shim_writes=\"%s\"", e->shim_writes);
  if (conn_reads[0])
    wr_strbuf_printf(b, " shim_conn=\"%s\"", conn_reads);
  wr_strbuf_puts(b, "   # shrunk\n");
}

static int starts_word(const char *t, const char *w) {
  size_t n = strlen(w);
  return strncmp(t, w, n) == 0 && (t[n] == ' ' || t[n] == '\t');
}

static int write_file(const shrink *k, const char *header,
                      const char *conn_reads, const char *path) {
  FILE *in = fopen(k->orig->file, "r");
  if (!in)
    return -1;
  wr_strbuf b = {0};
  wr_strbuf_puts(&b, header);
  wr_strbuf_puts(&b, "seeds 1\nexhaustive off\n");
  uint32_t at = k->copy.endpoints[k->ep].pos.line, l = 0;
  int in_target = 0;
  char *ln = NULL;
  size_t cap = 0;
  while (getline(&ln, &cap, in) >= 0) {
    l++;
    size_t len = strcspn(ln, "\r\n");
    const char *t = ln + strspn(ln, " \t");
    if (l == at || in_target) {
      /* The statement and its continuation lines go; the new one takes
       * its place. */
      in_target = len > 0 && ln[len - 1] == '\\';
      if (l == at)
        target_line(k, conn_reads, &b);
      continue;
    }
    if (starts_word(t, "seeds") || starts_word(t, "exhaustive"))
      wr_strbuf_puts(&b, "# (replaced by the shrunk header) ");
    wr_strbuf_put(&b, ln, len);
    wr_strbuf_puts(&b, "\n");
  }
  free(ln);
  fclose(in);
  if (b.oom || !b.p) {
    free(b.p);
    return -1;
  }
  /* Under a temporary name, renamed when complete: no half scenario. */
  wr_atomic_file af;
  char aerr[300];
  int rc = -1;
  if (wr_atomic_open(&af, path, aerr, sizeof aerr) == 0) {
    fputs(b.p, af.fp);
    rc = wr_atomic_commit(&af, 0, aerr, sizeof aerr) == 0 ? 0 : -1;
  }
  free(b.p);
  return rc;
}

void wr_run_shim_shrink_(const wr_scenario *s, const wr_run_opts *o,
                         const wr_run_result *fail, uint64_t seed,
                         const wr_run_sched *sc, wr_run_report *rep,
                         wr_strbuf *b) {
  shrink k;
  memset(&k, 0, sizeof k);
  k.orig = s;
  k.o = o;
  k.fail = fail;
  k.seed = seed;
  k.ep = sc && sc->shim ? sc->ep : wr_run_shim_target_(s);
  if (k.ep < 0 || !fail->fail_step)
    return;
  /* A shallow copy whose endpoints can be changed: the steps name
   * endpoints by index, so they serve both. */
  k.eps = malloc(s->nendpoints * sizeof *k.eps);
  if (!k.eps)
    return;
  memcpy(k.eps, s->endpoints, s->nendpoints * sizeof *k.eps);
  k.copy = *s;
  k.copy.endpoints = k.eps;
  wr_scn_endpoint *e = &k.eps[k.ep];
  wr_run_sched best;
  int have = 0;
  if (sc && sc->shim && sc->seg.seg == WR_SEG_CUTS) {
    best = *sc;
    have = 1;
  } else {
    have = from_trace(&k, &best);
  }
  char before[WR_POLICY_MAX_CUTS * 24 + 64], after[sizeof before];
  if (!have) {
    wr_strbuf_printf(b, "  shrink: no single connection's read cuts carry "
                        "this failure; the scenario is written with the "
                        "seed only\n");
    snprintf(after, sizeof after, "the file's policies");
  } else {
    wr_run_sched_format(s, &best, before, sizeof before);
    /* Simpler policies elsewhere: the other connections read whole. */
    const char *keep = e->shim_reads;
    if (keep && strcmp(keep, "whole") != 0) {
      e->shim_reads = "whole";
      if (!fails_same(&k, &best))
        e->shim_reads = keep;
    }
    keep = e->shim_writes;
    if (keep && strcmp(keep, "whole") != 0) {
      e->shim_writes = NULL;
      if (!fails_same(&k, &best))
        e->shim_writes = keep;
    }
    for (uint32_t i = 0;
         i < best.seg.ncuts && k.tries < SHIM_SHRINK_MAX_TRIES;) {
      wr_run_sched cand = best;
      memmove(cand.seg.cuts + i, cand.seg.cuts + i + 1,
              (cand.seg.ncuts - i - 1) * sizeof cand.seg.cuts[0]);
      cand.seg.ncuts--;
      if (fails_same(&k, &cand))
        best = cand;
      else
        i++;
    }
    wr_run_sched_format(s, &best, after, sizeof after);
    wr_strbuf_printf(b, "  shrunk: %s -> %s, target reads %s (%u runs)\n",
                     before, after, e->shim_reads ? e->shim_reads : "whole",
                     k.tries);
  }
  /* The shrunk connection policy, with the file's own others. */
  wr_conn_policies cp;
  memset(&cp, 0, sizeof cp);
  char perr[200],
      conn_reads[WR_CONN_POLICIES_MAX * (WR_POLICY_MAX_CUTS * 24 + 64)] = "";
  if (e->shim_conn)
    wr_conn_policies_parse(e->shim_conn, &cp, perr, sizeof perr);
  if (have) {
    wr_policy *slot = (wr_policy *)wr_conn_policies_find(&cp, best.conn);
    if (!slot && cp.n < WR_CONN_POLICIES_MAX) {
      cp.v[cp.n].conn = best.conn;
      slot = &cp.v[cp.n++].seg;
    }
    if (slot)
      *slot = best.seg;
  }
  wr_conn_policies_format(&cp, conn_reads, sizeof conn_reads);
  wr_run_shrunk_path_(s, o, rep->shrunk, sizeof rep->shrunk);
  char repro[1200];
  wr_strbuf header = {0};
  wr_run_shrunk_header_(s, o, fail, WR_RUN_LOOPBACK, seed, "target reads",
                        after, rep->shrunk, repro, sizeof repro, &header);
  int wrc = header.p && !header.oom
                ? write_file(&k, header.p, conn_reads, rep->shrunk)
                : -1;
  free(header.p);
  if (wrc < 0) {
    wr_strbuf_printf(b, "  shrunk scenario: cannot write %s\n", rep->shrunk);
    rep->shrunk[0] = '\0';
  } else {
    wr_scenario *t = wr_scn_load(rep->shrunk, NULL);
    if (t && t->nerrors_total == 0) {
      wr_run_params p;
      memset(&p, 0, sizeof p);
      p.transport = WR_RUN_LOOPBACK;
      p.seed = seed;
      p.preload = o->preload;
      wr_run_once(t, &p, &k.probe);
      rep->shrunk_confirmed = wr_run_same_failure(fail, &k.probe);
    }
    wr_strbuf_printf(
        b, "  shrunk scenario: %s (%s)\n    reproduce: %s\n", rep->shrunk,
        rep->shrunk_confirmed ? "run again: fails the same way"
                              : "run again: does NOT fail the same way",
        repro);
    wr_scn_free(t);
  }
  wr_run_result_free(&k.probe);
  free(k.eps);
}
