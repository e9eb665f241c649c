/* wirerig runner: executes a parsed scenario (scenario.h) on simnet or on
 * loopback through the gen_tcp sockets (sock.h), and checks every
 * expectation.
 *
 * One run is (scenario, transport, seed, schedule override). It yields a
 * log of observations, one per executed step (a step inside `repeat` once
 * per round), each rendered canonically as the scenario language writes
 * an expectation (`"hello"`, `error closed`, `tcp_closed`, `ok`), and a
 * verdict: the first step whose observation does not meet its expectation
 * ends the run. Sim runs are deterministic: the seed feeds simnet's PRNG
 * and nothing reads the wall clock.
 *
 * A schedule override replaces the segmentation of one direction A->B
 * (the file's delays stay) for the whole run: the exhaustive pass and
 * `--schedule` use it. docs/scenarios.md ("Running") describes the runner.
 */
#ifndef WIRERIG_RUNNER_H
#define WIRERIG_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/net.h"
#include "wirerig/policy.h"
#include "wirerig/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wr_run_transport {
  WR_RUN_SIM = 0,
  WR_RUN_LOOPBACK = 1
} wr_run_transport;

typedef enum wr_run_verdict {
  WR_RUN_PASS = 0,
  WR_RUN_FAIL, /* an expectation did not hold */
  WR_RUN_SKIP, /* the scenario cannot run on this transport (reason) */
  WR_RUN_ERROR /* the harness could not run it (reason) */
} wr_run_verdict;

/* The segmentation of direction ep -> peer (endpoint indexes) replaced by
 * seg's (its seg, seg_min/max and cuts; its delays are ignored).
 *
 * With shim set, a schedule of a target's own reads instead: target ep
 * (started with shim=) reads its connection number conn (as the preload
 * shim numbers them, docs/exec.md) by seg; peer is -1. Written
 * `NAME#CONN=POLICY` (`kv#0=cuts:3,7`). */
typedef struct wr_run_sched {
  int ep, peer;
  wr_policy seg;
  int shim;
  uint64_t conn;
} wr_run_sched;

/* One observation: text and key point into the run's buffer. `key` is what
 * the agreement between transports compares: the whole observation where
 * the expectation fixes it, only its class ("ok", "error closed",
 * "tcp") where the expectation admits several outcomes. */
typedef struct wr_run_obs {
  const wr_scn_step *step;
  size_t text_off, key_off;
  /* The process that made it: -1 the file's main process, else the
   * endpoint its spawn names. A file with processes lists its
   * observations process by process (each in its own order), so that
   * transports whose processes interleave differently still agree. */
  int proc;
} wr_run_obs;

/* A connection seen in a run: A's bytes to B and simnet's count of them. */
typedef struct wr_run_dir {
  int ep, peer;
  uint64_t written; /* sim only: bytes A handed to the transport */
  /* With wr_run_params.trace: where simnet cut this direction (segment
   * ends before `written`); cuts_overflow when there were more than fit. */
  uint32_t ncuts;
  int cuts_overflow;
  uint64_t cuts[WR_POLICY_MAX_CUTS];
} wr_run_dir;

typedef struct wr_run_result {
  wr_run_verdict verdict;
  const wr_scn_step *fail_step; /* FAIL */
  /* FAIL: the step's expectation and what was observed, whole (an HTTP
   * term with a 64 KiB header is 64 KiB of text); "" otherwise. Owned by
   * the result. */
  char *expected, *observed;
  char reason[256]; /* SKIP / ERROR */
  wr_time elapsed;  /* transport time at the end */
  /* the log */
  wr_run_obs *obs;
  size_t nobs, obs_cap;
  char *buf;
  size_t buf_len, buf_cap;
  /* the connections (for the exhaustive pass) */
  wr_run_dir dirs[64];
  size_t ndirs;
  /* A started target's stdout and stderr, when the run failed: the file
   * they were saved in (kept) and its last lines; "" otherwise. */
  char target_log[512];
  char target_tail[1024];
  /* sim: simnet's trace hash at the end of the run (the same scenario and
   * seed give the same hash); 0 on loopback. */
  uint64_t trace_hash;
  /* Steps counted against wr_run_params.max_steps. */
  uint64_t steps;
  /* ERROR: the harness bound that ended the run (WR_RUN_BOUND_*), 0 for
   * any other error. */
  int bound;
} wr_run_result;

/* Harness bounds (issue #17): a run that meets one ends as ERROR (the
 * harness's verdict, never the scenario's FAIL), saying which bound, its
 * value and the step. Simulated runs are bounded by counts only, never by
 * the wall clock, so the same seed meets the same bound at the same step. */
/* Steps of one run: every step executed counts 1 (a step inside `repeat`
 * once per round, each round 1 more), and 1 more per 64 KiB sent and per
 * message `messages` or `drain` takes. */
#define WR_RUN_MAX_STEPS_DEFAULT 10000000ull
/* Steps of all the runs of one file (seeds, schedules, loopback), each
 * run counting 100 more for its network: `seeds 4294967295` ends. */
#define WR_RUN_MAX_TOTAL_STEPS_DEFAULT 200000000ull
/* One mailbox's waiting data, one socket's send queue (wr_sock_limits). */
#define WR_RUN_MAX_MAILBOX_DEFAULT (64u * 1024u * 1024u)
#define WR_RUN_MAX_QUEUE_DEFAULT (64u * 1024u * 1024u)
/* Wall time of one loopback run (targets included), seconds. */
#define WR_RUN_TIMEOUT_DEFAULT_S 300u

enum {
  WR_RUN_BOUND_STEPS = 1, /* max_steps */
  WR_RUN_BOUND_MAILBOX,   /* max_mailbox */
  WR_RUN_BOUND_QUEUE,     /* max_queue */
  WR_RUN_BOUND_TIMEOUT,   /* timeout_s */
  WR_RUN_BOUND_SYSTEM,    /* the system's: out of descriptors or memory */
  WR_RUN_BOUND_LIVELOCK   /* the harness's event loop spun (a wirerig bug) */
};

typedef struct wr_run_params {
  wr_run_transport transport;
  uint64_t seed;
  const wr_run_sched *sched; /* NULL: the file's policies */
  wr_time default_timeout;   /* recv/message default; 0: 5 s */
  int trace;                 /* sim: record the cuts of each direction */
  /* libwirerig_preload.so, for targets started with shim=: they get it in
   * LD_PRELOAD with this run's seed. NULL: such a target is an ERROR. */
  const char *preload;
  /* Targets under the shim append their shim trace (docs/exec.md) to
   * this file: how `wirerig run` measures a target's read streams. NULL:
   * none. */
  const char *shim_trace;
  /* Observe only: no expectation ends the run; every step runs and is
   * logged (the verdict stays PASS unless the harness fails). The stateful
   * fuzzer (statefuzz.h) generates steps whose outcome it does not know in
   * advance and judges the log and the network instead. */
  int observe;
  /* Called once at the end of a run, before the transport is destroyed,
   * with the transport (simnet's byte accounting and trace are read
   * there). NULL: none. */
  void (*at_end)(void *ctx, wr_net *net);
  void *at_end_ctx;
  /* simnet only: write the run's packets to this pcap file
   * (wr_pcap_export_open, pcap.h). After the last step the network runs on
   * for up to 2 s of virtual time, so segments and FINs still in flight
   * arrive in the file. NULL: none. */
  const char *pcap;
  /* The bounds above; 0: the default. max_steps bounds this run; a plan
   * gives its runs what is left of the file's total. */
  uint64_t max_steps;
  size_t max_mailbox, max_queue;
  uint32_t timeout_s; /* loopback only: wall time of the run */
} wr_run_params;

/* Runs once. r is reused between runs (its buffers grow, never shrink);
 * zero it before the first use and free it with wr_run_result_free. Returns
 * the verdict (also in r->verdict). */
wr_run_verdict wr_run_once(const wr_scenario *s, const wr_run_params *p,
                           wr_run_result *r);
void wr_run_result_free(wr_run_result *r);

static inline const char *wr_run_obs_text(const wr_run_result *r, size_t i) {
  return r->buf + r->obs[i].text_off;
}
static inline const char *wr_run_obs_key(const wr_run_result *r, size_t i) {
  return r->buf + r->obs[i].key_off;
}

/* "A->B=cuts:1,3" for a schedule (snprintf-style). */
int wr_run_sched_format(const wr_scenario *s, const wr_run_sched *sc, char *buf,
                        size_t len);
/* Parses "A->B=POLICY" against the scenario's endpoint names: 0, or
 * WR_EINVAL with a message. */
int wr_run_sched_parse(const wr_scenario *s, const char *text,
                       wr_run_sched *out, char *err, size_t errlen);

/* The expectation of a step in the scenario language (`"hello"`,
 * `error closed`, `tcp bytes 4`, `http {...}`); snprintf-style, whatever
 * the length (size it with len 0). */
int wr_run_render_expect(const wr_scn_step *st, char *buf, size_t len);
/* Bytes as a scenario string ("a\x00b"), at most max bytes then `...`. */
int wr_run_render_bytes(const uint8_t *p, size_t n, size_t max, char *buf,
                        size_t len);

/* Two runs fail "the same way": the same step (kind, subject, position in
 * the log) with the same observation. */
int wr_run_same_failure(const wr_run_result *a, const wr_run_result *b);

/* Compares a sim log with a loopback log: 1 when they agree, else 0 with
 * the first difference described in why. */
int wr_run_agree(const wr_run_result *sim, const wr_run_result *lo, char *why,
                 size_t len);

/* ---- a scenario's whole plan (run_plan.c) --------------------------------
 * Seeds on simnet, the exhaustive pass over the cut schedules of small
 * directions, one loopback run, the agreement, and for a failure the
 * report, the reproduction command, the shrunk schedule and its file. */

typedef struct wr_run_opts {
  uint64_t seeds;         /* 0: the file's `seeds`, else 100 */
  int have_seed;          /* run only `seed` */
  uint64_t seed;          /* first seed (default 1) */
  int sim, loopback;      /* transports asked for */
  uint64_t exhaustive;    /* byte limit; a file's `exhaustive` wins */
  uint64_t max_schedules; /* per scenario; 0: 2048 */
  /* Runs of the pass over a shim target's read schedules (run_shim.c),
   * each a new server process; 0: WR_RUN_SHIM_SCHEDULES. */
  uint64_t max_shim_schedules;
  const char *schedule;   /* --schedule text, NULL */
  const char *shrink_dir; /* NULL: next to the scenario */
  int no_shrink;
  const char *prog;    /* "wirerig" for the reproduction command */
  const char *preload; /* libwirerig_preload.so (wr_run_params.preload) */
  /* Simulated runs as captures: a failing simnet run is run again into
   * PCAP_DIR/NAME-seed-S.pcap (named in the report); with pcap_all, every
   * simnet run is (NAME-seed-S-run-K.pcap). NULL: none. */
  const char *pcap_dir;
  int pcap_all;
  /* --shard K/N over runs, not files: a CI matrix of N machines runs every
   * run of a suite exactly once. A file's runs are numbered in slots --
   * seed i is slot i (its loopback run and the agreement go with it), the
   * exhaustive pass's schedule j is slot seeds + j -- and this process
   * runs the slots s with (h + s) % shard_n == shard_k - 1, h a hash of the
   * file's path, so that slot 0 of every file does not land on shard 1.
   * shard_n 0 or 1: every run. */
  unsigned shard_k, shard_n;
  void (*progress)(void *ctx, const char *file, uint64_t done, uint64_t total);
  void *progress_ctx;
  /* The harness bounds (wr_run_params; 0: the defaults), max_total_steps
   * for all the runs of one file, max_file_data for the parser
   * (wr_scn_config.max_file_data) when the suite loads a file. */
  uint64_t max_steps, max_total_steps;
  size_t max_mailbox, max_queue;
  uint32_t timeout_s;
  uint64_t max_file_data;
} wr_run_opts;

typedef enum wr_run_kind {
  WR_RUN_K_PASS = 0,
  WR_RUN_K_FAIL,     /* an expectation did not hold */
  WR_RUN_K_DISAGREE, /* simnet and loopback observed differently */
  WR_RUN_K_ERROR,    /* the harness could not run it */
  WR_RUN_K_BADINPUT  /* a bad --schedule for this file */
} wr_run_kind;

/* The default bound of the shim schedule pass: every schedule with as
 * many cuts as fit in it, over the first --exhaustive-limit bytes of each
 * connection a shim target reads. */
#define WR_RUN_SHIM_SCHEDULES 80

typedef struct wr_run_report {
  wr_run_kind kind;
  uint64_t sim_runs, lo_runs, seeds, schedules;
  /* Loopback runs over a shim target's read schedules, among lo_runs;
   * shim_cuts: the most cuts a schedule had; shim_capped: the bound
   * stopped it before every connection's schedules were tried. */
  uint64_t shim_schedules;
  uint32_t shim_cuts;
  int shim_capped;
  int capped;             /* the exhaustive pass stopped at max_schedules */
  wr_run_verdict sim, lo; /* PASS/FAIL/SKIP/ERROR of each transport */
  int ran_sim, ran_lo;
  int agreement;         /* 1 agree, 0 disagree, -1 not compared */
  char *text;            /* the failure report (malloc'd), NULL on success */
  char repro[1024];      /* the reproduction command, "" on success */
  char shrunk[1024];     /* the shrunk scenario written, "" if none */
  int shrunk_confirmed;  /* it failed the same way when run again */
  char skip_reason[256]; /* "simnet: WHY; loopback: WHY" */
  /* Under --shard: the share this report covers (shard_n 0: all runs),
   * and whether it holds slot 0 (the first seed, the loopback run, the
   * agreement, and a bad file's errors). ran_sim/ran_lo say whether this
   * share ran anything there. */
  unsigned shard_k, shard_n;
  int shard_first;
  double seconds;
  /* seconds split between the simnet plan and the loopback run (JUnit
   * gives each transport's testcase its own share) */
  double sim_seconds, lo_seconds;
} wr_run_report;

/* The file ran nowhere: it passed only because every transport asked for
 * skipped it (or none was asked for). Reported as SKIP, not PASS. */
int wr_run_report_skipped(const wr_run_report *r);

/* Under --shard (o->shard_n > 1): whether the run in slot `slot` of the
 * file at path is this share's (see wr_run_opts). 1 without --shard. */
int wr_run_shard_owns(const wr_run_opts *o, const char *path, uint64_t slot);

/* Runs one parsed scenario (nerrors == 0). Returns the kind. */
wr_run_kind wr_run_scenario(const wr_scenario *s, const wr_run_opts *o,
                            wr_run_report *rep);
void wr_run_report_free(wr_run_report *rep);

/* ---- scenario files (run_files.c) -----------------------------------------
 * Which files a list of paths names: a file is itself (whatever its name);
 * a directory is searched recursively, in name order (strcmp), for
 * regular files -- or symbolic links to them -- named *.scn. Hidden
 * entries are skipped, symbolic links to directories are not followed,
 * and *.shrunk.scn (the files shrinking writes, failing on purpose) are
 * left out unless `shrunk` is set. `wirerig run` and `wirerig check` both
 * find their files here. */

#define WR_RUN_DIR_DEPTH_MAX 32

typedef enum wr_run_collect_problem {
  WR_RUN_COLLECT_MISSING,    /* a path given cannot be stat'ed (err: errno) */
  WR_RUN_COLLECT_UNREADABLE, /* a directory cannot be opened (err: errno) */
  WR_RUN_COLLECT_TOO_DEEP,   /* nested deeper than WR_RUN_DIR_DEPTH_MAX */
  WR_RUN_COLLECT_EMPTY,      /* a directory given holds no scenario file */
  WR_RUN_COLLECT_NOMEM       /* out of memory */
} wr_run_collect_problem;

typedef struct wr_run_collect_opts {
  int shrunk; /* also *.shrunk.scn found in directories */
  /* Each file as it is found; NULL: appended to the list instead. Returns
   * 0 to go on, nonzero to stop. */
  int (*file)(void *ctx, const char *path);
  /* Each problem (path: the one concerned); returns 0 to go on with the
   * next entry, nonzero to stop. NULL: stop at the first. */
  int (*problem)(void *ctx, const char *path, wr_run_collect_problem what,
                 int err);
  void *ctx;
} wr_run_collect_opts;

/* A list of paths (malloc'd strings). Zero it before the first use. */
typedef struct wr_run_files {
  char **v;
  size_t n, cap;
} wr_run_files;

/* Appends a copy of path: 0, or -1 out of memory. */
int wr_run_files_push(wr_run_files *f, const char *path);
void wr_run_files_free(wr_run_files *f);

/* The scenario files that paths[0..n) name, in order, appended to out (or
 * given to o->file). o may be NULL (defaults). Returns 0, or -1 when a
 * problem was met (reported to o->problem) or the callback stopped. */
int wr_run_collect(const char *const *paths, size_t n,
                   const wr_run_collect_opts *o, wr_run_files *out);
/* path with repeated slashes, "." components and a trailing slash removed
 * ("./scenarios//x.scn" -> "scenarios/x.scn"); ".." is kept. malloc'd, NULL
 * out of memory. Every collected path is given in this form. */
char *wr_run_path_normalize(const char *path);
/* Does this name end in .scn, and not in .shrunk.scn unless shrunk? */
int wr_run_is_scenario_name(const char *name, int shrunk);

/* ---- a suite: many files, in worker processes (run_suite.c) ---------------
 */

/* One file's outcome: its report, or bad input (not run; errors says why:
 * parse errors one per line, or a bad --schedule). */
typedef struct wr_run_item {
  char *path;
  char *title; /* the scenario's title, NULL when bad */
  int bad;
  char *errors;
  wr_run_report rep;
} wr_run_item;

typedef struct wr_run_suite {
  wr_run_item *items; /* one per file, in the order given */
  size_t n;
  double seconds; /* wall time of the whole suite */
  /* The signal that stopped the suite (SIGINT, SIGTERM, SIGHUP), 0 when
   * it ran to the end. Files that did not finish are then ERROR items
   * saying so, and the reports say the suite was interrupted. */
  int interrupted;
} wr_run_suite;

typedef struct wr_run_suite_opts {
  unsigned jobs; /* files run at once in forked workers; 0 or 1: in turn,
                    in this process (only then is o->progress called) */
  /* Called in this process once a file's item is complete (in file order
   * with one job, in completion order with several). */
  void (*done)(void *ctx, size_t index, const wr_run_item *it);
  void *ctx;
} wr_run_suite_opts;

/* Runs files[0..n) with o, each file as wr_run_scenario does, and fills
 * out (zero it first; free with wr_run_suite_free). The items do not
 * depend on the number of jobs. A worker that dies leaves an ERROR item.
 * Returns 0, or -1 out of memory. */
int wr_run_suite_run(const char *const *files, size_t n, const wr_run_opts *o,
                     const wr_run_suite_opts *so, wr_run_suite *out);
void wr_run_suite_free(wr_run_suite *s);
/* Under --shard, none of the file's runs (nor its parse errors) fell to
 * this share: the reports leave it out. 0 without --shard. */
int wr_run_item_elsewhere(const wr_run_item *it);
/* 0 every file passed (or was skipped) and at least one ran; 1 a failure
 * or disagreement, or nothing ran at all; 2 a bad file. */
int wr_run_suite_status(const wr_run_suite *s);
/* How many files ran on at least one transport (neither bad nor SKIP). */
size_t wr_run_suite_ran(const wr_run_suite *s);

/* Installs handlers for SIGINT, SIGTERM and SIGHUP that stop the run:
 * every target's process group is killed, workers are stopped, no further
 * run starts, and wr_run_suite_run returns what completed with
 * `interrupted` set (a command then exits with 128 + the signal). 0 or
 * -1. */
int wr_run_signals_install(void);
/* The signal received since wr_run_signals_install, or 0. */
int wr_run_interrupted(void);

/* ---- the suite's reports (run_report.c) -----------------------------------
 * What `wirerig run` prints (docs/scenarios.md, "Output"). */

/* One line per file (PASS/FAIL/SKIP/BAD ...) and each failure's report. */
void wr_run_write_lines(FILE *f, const wr_run_suite *s);
/* The summary table: scenarios, passed, failed, skipped, bad, runs,
 * agreement. */
void wr_run_write_summary(FILE *f, const wr_run_suite *s);
/* TAP 13: one test per file, a failure's report in a YAML block. */
void wr_run_write_tap(FILE *f, const wr_run_suite *s);
/* JUnit XML: one testcase per file and transport (sim, loopback).
 * Returns 0, or -1 on a write error. */
int wr_run_write_junit(FILE *f, const wr_run_suite *s);
/* "pass", "FAIL", "skipped", "ERROR" or "not run" for one transport
 * (lo: loopback) of a report; "agree", "DISAGREE" or "-". */
const char *wr_run_verdict_word(const wr_run_report *r, int lo);
const char *wr_run_agreement_word(const wr_run_report *r);

#ifdef __cplusplus
}
#endif
#endif
