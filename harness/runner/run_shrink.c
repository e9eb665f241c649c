/* Shrinking a simnet failure to a minimal cut schedule, and writing it out
 * as a scenario of its own.
 *
 * The schedule comes from the failing run: the exhaustive pass's or the
 * pinned one, else the cuts simnet actually made (its trace), tried one
 * direction at a time until one reproduces the failure on its own. Cuts
 * are then removed one at a time, keeping each removal after which the
 * run still fails the same way (same step, same observation). The result
 * is written as the original file with that schedule as `net` lines,
 * `seeds 1` and `exhaustive off`, and run again: only a file that fails
 * the same way is reported as confirmed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/atomic_file.h"
#include "run_plan_int.h"

#define SHRINK_MAX_TRIES 4096

static int fails_same(const wr_scenario *s, uint64_t seed,
                      const wr_run_sched *sc, const wr_run_result *fail,
                      wr_run_result *probe) {
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = WR_RUN_SIM;
  p.seed = seed;
  p.sched = sc;
  wr_run_once(s, &p, probe);
  return wr_run_same_failure(fail, probe);
}

static void cuts_policy(wr_policy *p, const uint64_t *cuts, uint32_t n) {
  wr_policy_init(p);
  p->seg = WR_SEG_CUTS;
  p->ncuts = n;
  memcpy(p->cuts, cuts, n * sizeof *cuts);
}

static void policy_text(const wr_policy *p, char *buf, size_t len) {
  wr_policy q = *p;
  if (q.seg == WR_SEG_CUTS && q.ncuts == 0)
    q.seg = WR_SEG_WHOLE;
  wr_policy_format(&q, buf, len);
}

/* ---- writing the shrunk file --------------------------------------------- */

typedef struct edit {
  char **repl;   /* per line (1-based): the replacement text, or NULL */
  char **after;  /* text inserted after the line */
  uint8_t *drop; /* continuation lines of a replaced statement */
  size_t nlines;
} edit;

static char *dupf(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s%s", a, b);
  return p;
}

static void mark_policies(const wr_scenario *s, const wr_scn_block *blk,
                          const wr_run_sched *sc, edit *e, int *found) {
  for (size_t i = 0; i < blk->n; i++) {
    const wr_scn_step *st = &blk->steps[i];
    if (st->kind == WR_SCN_REPEAT || st->kind == WR_SCN_SPAWN)
      mark_policies(s, &st->body, sc, e, found);
    if (st->kind != WR_SCN_NET_POLICY || st->pos.line >= e->nlines)
      continue;
    int fwd = st->ep == sc->ep && st->peer == sc->peer;
    int rev = st->both && st->ep == sc->peer && st->peer == sc->ep;
    if (!fwd && !rev)
      continue;
    wr_policy m = *st->policy;
    m.seg = sc->seg.seg;
    m.seg_min = sc->seg.seg_min;
    m.seg_max = sc->seg.seg_max;
    m.ncuts = sc->seg.ncuts;
    memcpy(m.cuts, sc->seg.cuts, sizeof m.cuts);
    char a[WR_POLICY_MAX_CUTS * 24 + 128], o[WR_POLICY_MAX_CUTS * 24 + 128];
    char line[2 * sizeof a + 200];
    policy_text(&m, a, sizeof a);
    const char *na = s->endpoints[sc->ep].name,
               *nb = s->endpoints[sc->peer].name;
    if (st->both) {
      policy_text(st->policy, o, sizeof o);
      snprintf(line, sizeof line,
               "net %s->%s %s   # shrunk schedule\nnet %s->%s %s", na, nb, a,
               nb, na, o);
    } else {
      snprintf(line, sizeof line, "net %s->%s %s   # shrunk schedule", na, nb,
               a);
    }
    free(e->repl[st->pos.line]);
    e->repl[st->pos.line] = dupf(line, "");
    *found = 1;
  }
}

static int write_shrunk(const wr_scenario *s, const wr_run_sched *sc,
                        const char *header, const char *path) {
  FILE *in = fopen(s->file, "r");
  if (!in)
    return -1;
  /* Lines, as read. */
  char **lines = NULL;
  size_t n = 0, cap = 0;
  char *ln = NULL;
  size_t lcap = 0;
  ssize_t k;
  while ((k = getline(&ln, &lcap, in)) >= 0) {
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **p = realloc(lines, cap * sizeof *p);
      if (!p)
        break;
      lines = p;
    }
    lines[n++] = strdup(ln);
  }
  free(ln);
  fclose(in);
  edit e;
  e.nlines = n + 1;
  e.repl = calloc(e.nlines, sizeof *e.repl);
  e.after = calloc(e.nlines, sizeof *e.after);
  e.drop = calloc(e.nlines, 1);
  int rc = -1;
  FILE *out = NULL;
  if (!e.repl || !e.after || !e.drop)
    goto done;
  int found = 0;
  if (sc)
    mark_policies(s, &s->steps, sc, &e, &found);
  if (sc && !found) {
    /* After both ends are declared. */
    uint32_t at = s->endpoints[sc->ep].pos.line;
    if (s->endpoints[sc->peer].pos.line > at)
      at = s->endpoints[sc->peer].pos.line;
    char a[WR_POLICY_MAX_CUTS * 24 + 64], line[sizeof a + 200];
    wr_policy m = sc->seg;
    m.latency = m.jitter_min = m.jitter_max = 0;
    m.bandwidth = 0;
    policy_text(&m, a, sizeof a);
    snprintf(line, sizeof line, "net %s->%s %s   # shrunk schedule",
             s->endpoints[sc->ep].name, s->endpoints[sc->peer].name, a);
    /* Past the continuation lines of that statement. */
    while (at < n && lines[at - 1][0] && strlen(lines[at - 1]) >= 2 &&
           lines[at - 1][strcspn(lines[at - 1], "\r\n") - 1] == '\\')
      at++;
    if (at >= 1 && at < e.nlines)
      e.after[at] = dupf(line, "");
  }
  /* Statements replaced: their continuation lines go; the header lines the
   * new header replaces become comments. */
  for (size_t l = 1; l <= n; l++) {
    const char *t = lines[l - 1];
    if (e.repl[l]) {
      size_t m = l;
      while (m <= n) {
        size_t len = strcspn(lines[m - 1], "\r\n");
        if (len == 0 || lines[m - 1][len - 1] != '\\')
          break;
        if (m + 1 <= n)
          e.drop[m + 1] = 1;
        m++;
      }
    }
    while (*t == ' ' || *t == '\t')
      t++;
    if (!e.repl[l] &&
        (strncmp(t, "seeds", 5) == 0 || strncmp(t, "exhaustive", 10) == 0) &&
        (t[t[0] == 's' ? 5 : 10] == ' ' || t[t[0] == 's' ? 5 : 10] == '\t'))
      e.repl[l] = dupf("# (replaced by the shrunk header) ", t);
  }
  /* Under a temporary name, renamed when complete: a full disk leaves no
   * half scenario that `wirerig run` would then read as the shrunk one. */
  wr_atomic_file af;
  char aerr[300];
  if (wr_atomic_open(&af, path, aerr, sizeof aerr) != 0)
    goto done;
  out = af.fp;
  fprintf(out, "%sseeds 1\nexhaustive off\n", header);
  for (size_t l = 1; l <= n; l++) {
    if (e.drop[l])
      continue;
    if (e.repl[l]) {
      fputs(e.repl[l], out);
      if (!strchr(e.repl[l], '\n') || e.repl[l][strlen(e.repl[l]) - 1] != '\n')
        fputc('\n', out);
    } else {
      fputs(lines[l - 1], out);
      size_t len = strlen(lines[l - 1]);
      if (len == 0 || lines[l - 1][len - 1] != '\n')
        fputc('\n', out);
    }
    if (e.after[l])
      fprintf(out, "%s\n", e.after[l]);
  }
  rc = wr_atomic_commit(&af, 0, aerr, sizeof aerr) == 0 ? 0 : -1;
done:
  for (size_t l = 0; l < e.nlines && e.repl; l++) {
    free(e.repl[l]);
    if (e.after)
      free(e.after[l]);
  }
  free(e.repl);
  free(e.after);
  free(e.drop);
  for (size_t l = 0; l < n; l++)
    free(lines[l]);
  free(lines);
  return rc;
}

void wr_run_shrunk_path_(const wr_scenario *s, const wr_run_opts *o, char *buf,
                         size_t len) {
  if (o->shrink_dir) {
    mkdir(o->shrink_dir, 0777); /* an existing one is fine */
    const char *base = strrchr(s->file, '/');
    base = base ? base + 1 : s->file;
    snprintf(buf, len, "%s/%s.shrunk.scn", o->shrink_dir, base);
  } else {
    snprintf(buf, len, "%s.shrunk.scn", s->file);
  }
}

void wr_run_shrunk_header_(const wr_scenario *s, const wr_run_opts *o,
                           const wr_run_result *fail, wr_run_transport t,
                           uint64_t seed, const char *what, const char *after,
                           const char *shrunk, char *repro, size_t rlen,
                           wr_strbuf *header) {
  char src[400];
  snprintf(repro, rlen, "%s run %s --transport %s --seed %llu",
           o->prog ? o->prog : "wirerig", shrunk,
           t == WR_RUN_SIM ? "sim" : "loopback", (unsigned long long)seed);
  wr_run_source_line(fail->fail_step->pos.file, fail->fail_step->pos.line, src,
                     sizeof src);
  /* In pieces: the expected and observed texts may be any length, and one
   * printf piece is capped (a cut header would run into the file). */
  wr_strbuf_printf(header,
                   "# Shrunk by `wirerig run` from %s (seed %llu, %s "
                   "%s).\n# Fails at `%s`: expected ",
                   s->file, (unsigned long long)seed, what, after, src);
  wr_strbuf_puts(header, fail->expected);
  wr_strbuf_puts(header, ", observed ");
  wr_strbuf_puts(header, fail->observed);
  wr_strbuf_printf(header, ".\n# Reproduce: %s\n", repro);
}

void wr_run_shrink(const wr_scenario *s, const wr_run_opts *o,
                   const wr_run_result *fail, uint64_t seed,
                   const wr_run_sched *sc, wr_run_report *rep, wr_strbuf *b) {
  wr_run_result probe = {0}, traced = {0};
  wr_run_sched best;
  memset(&best, 0, sizeof best);
  int have = 0;
  unsigned tries = 0;
  if (sc && sc->seg.seg == WR_SEG_CUTS) {
    best = *sc;
    have = 1;
  } else if (!sc) {
    /* The cuts simnet made in the failing run, one direction at a time. */
    wr_run_params p;
    memset(&p, 0, sizeof p);
    p.transport = WR_RUN_SIM;
    p.seed = seed;
    p.trace = 1;
    wr_run_once(s, &p, &traced);
    /* Only a direction that was cut can carry the failure: pinning one
     * that was not changes nothing and would "reproduce" trivially. */
    for (size_t d = 0; d < traced.ndirs && !have; d++) {
      const wr_run_dir *dir = &traced.dirs[d];
      if (dir->cuts_overflow || dir->ncuts == 0)
        continue;
      best.ep = dir->ep;
      best.peer = dir->peer;
      cuts_policy(&best.seg, dir->cuts, dir->ncuts);
      tries++;
      have = fails_same(s, seed, &best, fail, &probe);
    }
  }
  char before[WR_POLICY_MAX_CUTS * 24 + 64], after[sizeof before];
  if (!have) {
    /* Nothing to shrink: the failure does not hang on one direction's
     * cuts. The file is still written, pinned to this seed. */
    wr_strbuf_printf(b, "  shrink: no single direction's cut schedule "
                        "carries this failure; the scenario is written "
                        "with the seed only\n");
    snprintf(after, sizeof after, "the file's policies");
    goto write;
  }
  wr_run_sched_format(s, &best, before, sizeof before);
  for (uint32_t i = 0; i < best.seg.ncuts && tries < SHRINK_MAX_TRIES;) {
    wr_run_sched cand = best;
    memmove(cand.seg.cuts + i, cand.seg.cuts + i + 1,
            (cand.seg.ncuts - i - 1) * sizeof cand.seg.cuts[0]);
    cand.seg.ncuts--;
    tries++;
    if (fails_same(s, seed, &cand, fail, &probe))
      best = cand;
    else
      i++;
  }
  wr_run_sched_format(s, &best, after, sizeof after);
  wr_strbuf_printf(b, "  shrunk: %s -> %s (%u runs)\n", before, after, tries);
write:
  wr_run_shrunk_path_(s, o, rep->shrunk, sizeof rep->shrunk);
  char repro[1200];
  wr_strbuf header = {0};
  wr_run_shrunk_header_(s, o, fail, WR_RUN_SIM, seed, "schedule", after,
                        rep->shrunk, repro, sizeof repro, &header);
  int wrc = header.p
                ? write_shrunk(s, have ? &best : NULL, header.p, rep->shrunk)
                : -1;
  free(header.p);
  if (wrc < 0) {
    wr_strbuf_printf(b, "  shrunk scenario: cannot write %s\n", rep->shrunk);
    rep->shrunk[0] = '\0';
    goto out;
  }
  wr_scenario *t = wr_scn_load(rep->shrunk, NULL);
  if (t && t->nerrors_total == 0)
    rep->shrunk_confirmed = fails_same(t, seed, NULL, fail, &probe);
  wr_strbuf_printf(
      b, "  shrunk scenario: %s (%s)\n    reproduce: %s\n", rep->shrunk,
      rep->shrunk_confirmed ? "run again: fails the same way"
                            : "run again: does NOT fail the same way",
      repro);
  wr_scn_free(t);
out:
  wr_run_result_free(&probe);
  wr_run_result_free(&traced);
}
