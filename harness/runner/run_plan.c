/* A scenario's whole plan: every seed on simnet, then every cut schedule of
 * each small direction (one direction at a time, the others at the file's
 * policy), then loopback, then the agreement of the two transports. The
 * first failure stops the plan of its transport: it is reported with
 * everything needed to reproduce exactly that run, and its schedule is
 * shrunk (run_shrink.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run_plan_int.h"

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The source line of a step, trimmed, for the report. */
void wr_run_source_line(const char *file, uint32_t line, char *buf,
                        size_t len) {
  buf[0] = '\0';
  FILE *f = fopen(file, "r");
  if (!f)
    return;
  char tmp[1024];
  for (uint32_t l = 1; fgets(tmp, sizeof tmp, f); l++)
    if (l == line) {
      size_t n = strcspn(tmp, "\r\n");
      tmp[n] = '\0';
      const char *p = tmp;
      while (*p == ' ' || *p == '\t')
        p++;
      snprintf(buf, len, "%s", p);
      break;
    }
  fclose(f);
}

void wr_run_repro(const wr_scenario *s, const wr_run_opts *o,
                  wr_run_transport t, uint64_t seed, const wr_run_sched *sc,
                  char *buf, size_t len) {
  char sched[WR_POLICY_MAX_CUTS * 24 + 128] = "";
  if (sc) {
    char st[WR_POLICY_MAX_CUTS * 24 + 64];
    wr_run_sched_format(s, sc, st, sizeof st);
    snprintf(sched, sizeof sched, " --schedule '%s'", st);
  }
  snprintf(buf, len, "%s run %s --transport %s --seed %llu%s",
           o->prog ? o->prog : "wirerig", s->file,
           t == WR_RUN_SIM ? "sim" : "loopback", (unsigned long long)seed,
           sched);
}

/* The block of the report that says where, what and how to get it back. */
static void report_failure(const wr_scenario *s, const wr_run_opts *o,
                           const wr_run_result *r, wr_run_transport t,
                           uint64_t seed, const wr_run_sched *sc,
                           wr_run_report *rep, wr_strbuf *b) {
  const wr_scn_step *st = r->fail_step;
  char src[512], sched[WR_POLICY_MAX_CUTS * 24 + 64] = "the file's policies";
  if (sc)
    wr_run_sched_format(s, sc, sched, sizeof sched);
  wr_run_repro(s, o, t, seed, sc, rep->repro, sizeof rep->repro);
  if (r->verdict == WR_RUN_FAIL && st) {
    wr_run_source_line(st->pos.file, st->pos.line, src, sizeof src);
    wr_strbuf_printf(b, "FAIL %s (%s)\n", s->file, s->title);
    wr_strbuf_printf(b, "  %s:%u:%u: %s\n", st->pos.file, st->pos.line,
                     st->pos.col, src);
    /* Whole, whatever their length (printf's pieces are capped). */
    wr_strbuf_puts(b, "    expected: ");
    wr_strbuf_puts(b, r->expected);
    wr_strbuf_puts(b, "\n    observed: ");
    wr_strbuf_puts(b, r->observed);
    wr_strbuf_puts(b, "\n");
  } else {
    wr_strbuf_printf(b, "ERROR %s (%s)\n  %s\n", s->file, s->title, r->reason);
  }
  if (r->target_log[0]) {
    /* The server's own words are often the quickest explanation. */
    wr_strbuf_printf(b, "  target output (%s), last lines:\n", r->target_log);
    for (const char *p = r->target_tail; *p;) {
      size_t l = strcspn(p, "\n");
      wr_strbuf_puts(b, "    | ");
      wr_strbuf_put(b, p, l);
      wr_strbuf_puts(b, "\n");
      p += l + (p[l] == '\n');
    }
    if (!r->target_tail[0])
      wr_strbuf_puts(b, "    (nothing)\n");
  }
  wr_strbuf_printf(b, "  transport: %s, seed %llu, schedule %s\n",
                   t == WR_RUN_SIM ? "simnet" : "loopback",
                   (unsigned long long)seed, sched);
  wr_strbuf_printf(b, "  reproduce: %s\n", rep->repro);
}

typedef struct plan {
  const wr_scenario *s;
  const wr_run_opts *o;
  wr_run_report *rep;
  wr_run_result *cur, *fail; /* swapped on failure */
  uint64_t done, total;
  double last_progress;
  /* Under --shard: the run about to start is not this share's; it runs
   * only for what it tells the plan (the first log) and counts nowhere. */
  int probe;
} plan;

int wr_run_shard_owns(const wr_run_opts *o, const char *path, uint64_t slot) {
  if (o->shard_n <= 1)
    return 1;
  /* FNV-1a of the path: the same on every machine of the matrix that is
   * given the same paths, and independent of the other files. */
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)path; p && *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  return (h % o->shard_n + slot % o->shard_n) % o->shard_n == o->shard_k - 1;
}

static int owns(const plan *pl, uint64_t slot) {
  return wr_run_shard_owns(pl->o, pl->s->file, slot);
}

static void progress(plan *pl) {
  pl->done++;
  if (!pl->o->progress || (pl->done & 15))
    return;
  double now = mono_s();
  if (now - pl->last_progress < 0.25)
    return;
  pl->last_progress = now;
  pl->o->progress(pl->o->progress_ctx, pl->s->file, pl->done, pl->total);
}

/* DIR/NAME-seed-S[-run-K].pcap for the scenario file's NAME (its base
 * name without .scn); run 0: no run number. */
static void pcap_path(const plan *pl, uint64_t seed, uint64_t run, char *buf,
                      size_t len) {
  const char *base = strrchr(pl->s->file, '/');
  base = base ? base + 1 : pl->s->file;
  size_t n = strlen(base);
  if (n > 4 && strcmp(base + n - 4, ".scn") == 0)
    n -= 4;
  if (run)
    snprintf(buf, len, "%s/%.*s-seed-%llu-run-%llu.pcap", pl->o->pcap_dir,
             (int)n, base, (unsigned long long)seed, (unsigned long long)run);
  else
    snprintf(buf, len, "%s/%.*s-seed-%llu.pcap", pl->o->pcap_dir, (int)n, base,
             (unsigned long long)seed);
}

/* One run; on failure keeps it in pl->fail and returns 1. */
static int one(plan *pl, wr_run_transport t, uint64_t seed,
               const wr_run_sched *sc) {
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = t;
  p.seed = seed;
  p.sched = sc;
  p.preload = pl->o->preload;
  char pcap[4096];
  if (pl->o->pcap_dir && pl->o->pcap_all && t == WR_RUN_SIM) {
    pcap_path(pl, seed, pl->done + 1, pcap, sizeof pcap);
    p.pcap = pcap;
  }
  /* After SIGINT/SIGTERM/SIGHUP no further run starts: the remaining runs
   * count as passed here, and the suite marks the file interrupted. */
  if (wr_run_interrupted())
    return 0;
  wr_run_verdict v = wr_run_once(pl->s, &p, pl->cur);
  /* A skipped run ran nothing: counting it made a file that ran nowhere
   * look like one that passed ("1 sim run"). */
  if (v != WR_RUN_SKIP && !pl->probe) {
    if (t == WR_RUN_SIM)
      pl->rep->sim_runs++;
    else
      pl->rep->lo_runs++;
  }
  if (!pl->probe)
    progress(pl);
  if (v == WR_RUN_FAIL || v == WR_RUN_ERROR) {
    wr_run_result *x = pl->fail;
    pl->fail = pl->cur;
    pl->cur = x;
    return 1;
  }
  return 0;
}

/* Largest number of cuts whose schedules stay within the bound. */
static uint32_t cuts_within(uint64_t len, uint64_t bound) {
  uint32_t mc =
      len - 1 > WR_POLICY_MAX_CUTS ? WR_POLICY_MAX_CUTS : (uint32_t)(len - 1);
  while (mc > 0 && wr_cut_iter_count(len, mc) > bound)
    mc--;
  return mc;
}

static void fail_sim(plan *pl, uint64_t seed, const wr_run_sched *sc,
                     wr_strbuf *b) {
  wr_run_report *rep = pl->rep;
  rep->sim = pl->fail->verdict;
  rep->kind = pl->fail->verdict == WR_RUN_FAIL ? WR_RUN_K_FAIL : WR_RUN_K_ERROR;
  report_failure(pl->s, pl->o, pl->fail, WR_RUN_SIM, seed, sc, rep, b);
  if (pl->o->pcap_dir) {
    /* The failing run once more, into a capture: the same seed and
     * schedule give the same run (determinism), now written down. */
    char pcap[4096];
    pcap_path(pl, seed, 0, pcap, sizeof pcap);
    wr_run_params p;
    memset(&p, 0, sizeof p);
    p.transport = WR_RUN_SIM;
    p.seed = seed;
    p.sched = sc;
    p.preload = pl->o->preload;
    p.pcap = pcap;
    wr_run_result again;
    memset(&again, 0, sizeof again);
    wr_run_once(pl->s, &p, &again);
    if (again.verdict == pl->fail->verdict)
      wr_strbuf_printf(b, "  pcap: %s\n", pcap);
    else
      wr_strbuf_printf(b,
                       "  pcap: %s (written by a run that ended "
                       "otherwise: %s)\n",
                       pcap, again.reason[0] ? again.reason : "passed");
    wr_run_result_free(&again);
  }
  if (pl->fail->verdict == WR_RUN_FAIL && !pl->o->no_shrink)
    wr_run_shrink(pl->s, pl->o, pl->fail, seed, sc, rep, b);
}

/* Both transports may skip a file: keep both reasons. */
static void add_skip_reason(wr_run_report *rep, const char *where,
                            const char *why) {
  size_t l = strlen(rep->skip_reason);
  snprintf(rep->skip_reason + l, sizeof rep->skip_reason - l, "%s%s: %.100s",
           l ? "; " : "", where, why);
}

/* The simnet part of the plan: 0 passed, 1 failed. */
static int sim_plan(plan *pl, const wr_run_sched *pinned, uint64_t seeds,
                    uint64_t first, uint64_t limit, wr_strbuf *b,
                    wr_run_result *first_log) {
  wr_run_report *rep = pl->rep;
  rep->ran_sim = 1;
  first_log->verdict = WR_RUN_SKIP; /* no first log yet */
  for (uint64_t i = 0; i < seeds; i++) {
    uint64_t seed = first + i;
    /* Another share's first seed still runs here, uncounted: its log sizes
     * the exhaustive pass. If it fails or skips, that share says so. */
    pl->probe = !owns(pl, i);
    if (pl->probe && i > 0)
      continue;
    int failed = one(pl, WR_RUN_SIM, seed, pinned);
    if (pl->probe && (failed || pl->cur->verdict == WR_RUN_SKIP)) {
      pl->probe = 0;
      return 0;
    }
    if (failed) {
      fail_sim(pl, seed, pinned, b);
      return 1;
    }
    if (pl->cur->verdict == WR_RUN_SKIP) {
      rep->sim = WR_RUN_SKIP;
      add_skip_reason(rep, "simnet", pl->cur->reason);
      return 0;
    }
    if (!pl->probe)
      rep->seeds++;
    if (i == 0) {
      /* Keep the first log: the agreement compares it with loopback, and
       * its directions size the exhaustive pass. */
      wr_run_result x = *first_log;
      *first_log = *pl->cur;
      *pl->cur = x;
    }
    pl->probe = 0;
  }
  pl->probe = 0;
  if (pinned || limit == 0)
    return 0;
  /* The exhaustive pass, one direction at a time, within one budget of
   * schedules for the whole scenario (a scenario with a thousand small
   * connections would otherwise run for minutes). */
  uint64_t bound = pl->o->max_schedules ? pl->o->max_schedules : 2048;
  uint64_t listed = 0; /* schedules of every share, for the slots */
  for (size_t d = 0; d < first_log->ndirs; d++) {
    const wr_run_dir *dir = &first_log->dirs[d];
    if (dir->written < 2 || dir->written > limit)
      continue;
    uint64_t left = bound - listed;
    if (wr_cut_iter_count(dir->written,
                          (uint32_t)(dir->written - 1 > WR_POLICY_MAX_CUTS
                                         ? WR_POLICY_MAX_CUTS
                                         : dir->written - 1)) > left)
      rep->capped = 1;
    if (left == 0)
      break;
    wr_cut_iter it;
    char err[200];
    if (wr_cut_iter_init(&it, dir->written, cuts_within(dir->written, left),
                         err, sizeof err) < 0)
      continue;
    wr_run_sched sc;
    sc.ep = dir->ep;
    sc.peer = dir->peer;
    while (wr_cut_iter_next(&it, NULL, &sc.seg)) {
      if (!owns(pl, seeds + listed++))
        continue;
      rep->schedules++;
      if (one(pl, WR_RUN_SIM, first, &sc)) {
        fail_sim(pl, first, &sc, b);
        return 1;
      }
    }
  }
  return 0;
}

wr_run_kind wr_run_scenario(const wr_scenario *s, const wr_run_opts *o,
                            wr_run_report *rep) {
  memset(rep, 0, sizeof *rep);
  rep->agreement = -1;
  double t0 = mono_s();
  wr_strbuf b = {0};
  wr_run_result r1 = {0}, r2 = {0}, first = {0}, lo = {0};
  plan pl = {s, o, rep, &r1, &r2, 0, 0, 0, 0};
  wr_run_sched pinned, *pin = NULL;
  if (o->schedule) {
    char err[400];
    if (wr_run_sched_parse(s, o->schedule, &pinned, err, sizeof err) < 0) {
      wr_strbuf_printf(&b, "%s: --schedule: %s\n", s->file, err);
      rep->kind = WR_RUN_K_BADINPUT;
      rep->text = b.p;
      return rep->kind;
    }
    pin = &pinned;
  }
  /* The command line wins over the file's `seeds` line: a user who asks
   * for `--seeds 10000` on a suite means every file. */
  uint64_t seeds = o->have_seed ? 1
                   : o->seeds   ? o->seeds
                   : s->seeds   ? s->seeds
                                : 100;
  uint64_t first_seed = o->have_seed ? o->seed : o->seed ? o->seed : 1;
  /* --seed reproduces one run: no exhaustive pass. */
  uint64_t limit = o->have_seed || s->exhaustive < 0 ? 0
                   : s->exhaustive > 0               ? s->exhaustive_limit
                                                     : o->exhaustive;
  pl.total = seeds + (1u << 11);
  int failed = 0;
  if (o->sim)
    failed = sim_plan(&pl, pin, seeds, first_seed, limit, &b, &first);
  double t1 = mono_s();
  rep->sim_seconds = t1 - t0;
  /* A target under the shim is cut by the seed: loopback then runs every
   * seed, like simnet, and a failure names its seed. */
  uint64_t lo_seeds = 1;
  for (size_t i = 0; i < s->nendpoints; i++)
    if (s->endpoints[i].shim_reads || s->endpoints[i].shim_writes)
      lo_seeds = seeds;
  uint64_t lo_seed = first_seed;
  int lo_failed = 0;
  if (o->loopback && !failed) {
    rep->ran_lo = 1;
    uint64_t lo_ran = 0;
    for (uint64_t i = 0; i < lo_seeds && !lo_failed; i++) {
      if (!owns(&pl, i))
        continue;
      lo_seed = first_seed + i;
      lo_ran++;
      lo_failed = one(&pl, WR_RUN_LOOPBACK, lo_seed, pin);
      if (!lo_failed && pl.cur->verdict == WR_RUN_SKIP)
        break;
    }
    if (lo_seeds > 1 && rep->seeds == 0)
      rep->seeds = lo_ran;
    if (lo_ran == 0) /* every loopback run is another share's */
      rep->ran_lo = 0;
  }
  if (o->loopback && !failed && rep->ran_lo) {
    if (lo_failed) {
      rep->lo = pl.fail->verdict;
      failed = 1;
      /* A loopback failure of an expectation that simnet met is a
       * disagreement; the plain failure is reported with it. */
      rep->kind = pl.fail->verdict == WR_RUN_ERROR          ? WR_RUN_K_ERROR
                  : rep->ran_sim && rep->sim == WR_RUN_PASS ? WR_RUN_K_DISAGREE
                                                            : WR_RUN_K_FAIL;
      if (rep->kind == WR_RUN_K_DISAGREE) {
        rep->agreement = 0;
        wr_strbuf_printf(&b,
                         "DISAGREE %s: simnet passed (seed %llu), "
                         "loopback failed\n",
                         s->file, (unsigned long long)first_seed);
      }
      report_failure(s, o, pl.fail, WR_RUN_LOOPBACK, lo_seed, pin, rep, &b);
      if (rep->kind == WR_RUN_K_DISAGREE)
        wr_strbuf_printf(&b, "  compare both: %s run %s --seed %llu\n",
                         o->prog ? o->prog : "wirerig", s->file,
                         (unsigned long long)first_seed);
    } else if (pl.cur->verdict == WR_RUN_SKIP) {
      rep->lo = WR_RUN_SKIP;
      add_skip_reason(rep, "loopback", pl.cur->reason);
    } else if (rep->ran_sim && rep->sim == WR_RUN_PASS &&
               first.verdict == WR_RUN_PASS) {
      char why[1024];
      rep->agreement = wr_run_agree(&first, pl.cur, why, sizeof why);
      if (!rep->agreement) {
        failed = 1;
        rep->kind = WR_RUN_K_DISAGREE;
        wr_strbuf_printf(&b, "DISAGREE %s (%s)\n  %s\n", s->file, s->title,
                         why);
        wr_strbuf_printf(&b, "  simnet: seed %llu; loopback: seed %llu\n",
                         (unsigned long long)first_seed,
                         (unsigned long long)first_seed);
        wr_run_repro(s, o, WR_RUN_SIM, first_seed, pin, rep->repro,
                     sizeof rep->repro);
        /* The same command on both transports. */
        char *t = strstr(rep->repro, "--transport sim");
        if (t)
          memmove(t + 16, t + 15, strlen(t + 15) + 1),
              memcpy(t + 12, "both", 4);
        wr_strbuf_printf(&b, "  reproduce: %s\n", rep->repro);
      }
    }
  }
  (void)lo;
  if (o->shard_n > 1) {
    rep->shard_k = o->shard_k;
    rep->shard_n = o->shard_n;
    rep->shard_first = owns(&pl, 0);
    /* A transport none of whose runs fell to this share ran nowhere here
     * (a skip or a failure of the first seed is reported by its share). */
    if (rep->ran_sim && rep->sim_runs == 0 && rep->sim == WR_RUN_PASS &&
        !rep->shard_first)
      rep->ran_sim = 0;
  }
  rep->text = b.p;
  rep->seconds = mono_s() - t0;
  rep->lo_seconds = rep->seconds - rep->sim_seconds;
  wr_run_result_free(&r1);
  wr_run_result_free(&r2);
  wr_run_result_free(&first);
  return rep->kind;
}

void wr_run_report_free(wr_run_report *rep) {
  free(rep->text);
  rep->text = NULL;
}
