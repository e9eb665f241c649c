/* `wirerig run [FILES|DIRS]`: runs scenario files on simnet (many seeds,
 * every small cut schedule) and on loopback, and reports (docs/scenarios.md,
 * "Running"). Exit 0 all passed, 1 a failure, 2 bad input.
 *
 * Flags and printing only: the runner library finds the files
 * (wr_run_collect), runs them, with --jobs N in forked workers
 * (wr_run_suite_run), and writes the lines, the summary, TAP and JUnit
 * (wr_run_write_*). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "cli_util.h"
#include "commands.h"
#include "run_cli.h"

#define JOBS_MAX 64

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: " WR_RUN_PROG " [FILES|DIRS] [--seeds N] [--seed S]\n"
      "         [--transport sim|loopback|both] [--exhaustive-limit BYTES]\n"
      "         [--schedule 'A->B=POLICY'] [--jobs N] [--junit FILE]\n"
      "         [--tap[=FILE.tap]]\n"
      "         [--shrink-dir DIR] [--no-shrink] [--max-schedules N]\n"
      "         [--shard K/N] [--pcap DIR [--pcap-all]] [-v]\n"
      "\n"
      "Runs scenario files (docs/scenarios.md): on simnet with N seeds\n"
      "(default: the file's `seeds`, else 100) and over every cut schedule of\n"
      "each direction of at most BYTES bytes (default 12), and once on\n"
      "loopback; then compares the two transports' observations.\n"
      "Directories are searched recursively for *.scn (default: scenarios).\n"
      "\n"
      "  --seeds N           simulated runs per scenario, one seed each\n"
      "                      (1..4294967295; wins over a file's `seeds`)\n"
      "  --seed S            run only seed S (no exhaustive pass)\n"
      "  --transport T       sim, loopback or both (default both)\n"
      "  --exhaustive-limit BYTES  try every cut schedule of directions of\n"
      "                      at most BYTES bytes (0..1048576; default 12)\n"
      "  --schedule A->B=P   pin the segmentation of direction A->B\n"
      "                      (e.g. client->server=cuts:1,3)\n"
      "  --shrink-dir DIR    write FILE.shrunk.scn there (default: next\n"
      "                      to FILE)\n"
      "  --no-shrink         do not shrink failures\n"
      "  --max-schedules N   exhaustive runs per scenario (default 2048)\n"
      "  --jobs N            files in parallel (1..64)\n"
      "  --shard K/N         run only the K-th of N shares of the runs (seeds\n"
      "                      and schedules of every file)\n"
      "                      (a CI matrix of N machines runs each once)\n"
      "  --pcap DIR          write each failing simnet run's traffic as\n"
      "                      DIR/NAME-seed-S.pcap (opens in Wireshark)\n"
      "  --pcap-all          with --pcap: every simnet run's, as\n"
      "                      DIR/NAME-seed-S-run-K.pcap\n"
      "  --junit FILE        JUnit XML of the results\n"
      "  --tap               TAP 13 on stdout (the table goes to stderr)\n"
      "  --tap=FILE, --tap FILE.tap\n"
      "                      TAP 13 into FILE, the table on stdout\n"
      "  -v, --verbose       progress on stderr even when not a terminal\n"
      "  -h, --help          this text\n"
      "\n"
      "Options take their value as --opt VALUE or --opt=VALUE, once each.\n"
      "\n"
      "Exit status: 0 all passed, 1 a failure or disagreement, or nothing\n"
      "ran (every file skipped), 2 bad input (a malformed scenario, a bad\n"
      "flag, a missing file).\n");
}

typedef wr_run_files paths;

static int push(paths *p, const char *s) { return wr_run_files_push(p, s); }

static void show_progress(void *ctx, const char *file, uint64_t done,
                          uint64_t total) {
  (void)total;
  /* A terminal gets one line rewritten; a log (-v) one line a report. */
  if (*(const int *)ctx)
    fprintf(stderr, "\r\033[K%s: %llu runs", file, (unsigned long long)done);
  else
    fprintf(stderr, "%s: %llu runs\n", file, (unsigned long long)done);
}

static void clear_progress(void *ctx, size_t i, const wr_run_item *it) {
  (void)ctx, (void)i, (void)it;
  fprintf(stderr, "\r\033[K");
}

static int collect_problem(void *ctx, const char *path,
                           wr_run_collect_problem what, int err) {
  (void)ctx;
  switch (what) {
  case WR_RUN_COLLECT_EMPTY:
    fprintf(stderr, WR_RUN_PROG ": %s: no scenario files found\n", path);
    break;
  case WR_RUN_COLLECT_TOO_DEEP:
    fprintf(stderr,
            WR_RUN_PROG ": %s: directories nested deeper than %d; not "
                        "searched\n",
            path, WR_RUN_DIR_DEPTH_MAX);
    break;
  default:
    fprintf(stderr, WR_RUN_PROG ": %s: %s\n", path, strerror(err));
  }
  return 1; /* the first problem ends the run */
}

static int ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), t = strlen(tail);
  return n > t && strcmp(s + n - t, tail) == 0;
}

/* The lines (or TAP) and the summary; the JUnit file. Returns 0, or -1
 * when the JUnit file could not be written. */
static int print_suite(const run_output *out, const wr_run_suite *s) {
  /* `--tap` alone makes stdout a TAP stream that prove parses: nothing
   * else may be written there, so the people's report goes to stderr.
   * With `--tap=FILE` (and `--junit FILE`) the report stays on stdout and
   * the CI formats are kept beside it. */
  int tap_stdout = out->tap && !out->tap_file;
  FILE *f = tap_stdout ? stderr : stdout;
  wr_run_write_lines(f, s);
  wr_run_write_summary(f, s);
  if (s->n > 0 && wr_run_suite_ran(s) == 0 && wr_run_suite_status(s) == 0)
    fprintf(stderr, WR_RUN_PROG ": no run of the suite fell to this shard\n");
  else if (s->n > 0 && wr_run_suite_ran(s) == 0)
    fprintf(stderr,
            WR_RUN_PROG ": nothing ran: %s skipped on every transport "
                        "asked for\n",
            s->n == 1 ? "the file was" : "every file was");
  int rc = 0;
  if (tap_stdout) {
    wr_run_write_tap(stdout, s);
    if (fflush(stdout) != 0)
      rc = -1;
  } else if (out->tap_file) {
    /* Atomic like the JUnit file below. */
    wr_atomic_file t;
    char err[600];
    if (wr_atomic_open(&t, out->tap_file, err, sizeof err) != 0) {
      fprintf(stderr, WR_RUN_PROG ": --tap %s\n", err);
      return -1;
    }
    wr_run_write_tap(t.fp, s);
    if (wr_atomic_commit(&t, 0, err, sizeof err) != 0) {
      fprintf(stderr, WR_RUN_PROG ": --tap %s\n", err);
      rc = -1;
    }
  }
  if (!out->junit)
    return rc;
  /* Under a temporary name, renamed when complete: a full disk or an
   * interrupted run never leaves a 0-byte or half file, or the previous
   * run's, under this run's name. */
  wr_atomic_file j;
  char err[600];
  if (wr_atomic_open(&j, out->junit, err, sizeof err) != 0) {
    fprintf(stderr, WR_RUN_PROG ": --junit %s\n", err);
    return -1;
  }
  if (wr_run_write_junit(j.fp, s) != 0 && !ferror(j.fp)) {
    fprintf(stderr, WR_RUN_PROG ": --junit %s: out of memory\n", out->junit);
    wr_atomic_abort(&j);
    return -1;
  }
  if (wr_atomic_commit(&j, 0, err, sizeof err) != 0) {
    fprintf(stderr, WR_RUN_PROG ": --junit %s\n", err);
    return -1;
  }
  return rc;
}

enum {
  OPT_SEEDS = 256,
  OPT_SEED,
  OPT_EXHAUSTIVE_LIMIT,
  OPT_JOBS,
  OPT_TRANSPORT,
  OPT_JUNIT,
  OPT_SCHEDULE,
  OPT_SHRINK_DIR,
  OPT_MAX_SCHEDULES,
  OPT_TAP,
  OPT_NO_SHRINK,
  OPT_SHARD,
  OPT_PCAP,
  OPT_PCAP_ALL
};

static const struct option long_options[] = {
    {"seeds", required_argument, NULL, OPT_SEEDS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"exhaustive-limit", required_argument, NULL, OPT_EXHAUSTIVE_LIMIT},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"transport", required_argument, NULL, OPT_TRANSPORT},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"shrink-dir", required_argument, NULL, OPT_SHRINK_DIR},
    {"max-schedules", required_argument, NULL, OPT_MAX_SCHEDULES},
    {"tap", optional_argument, NULL, OPT_TAP},
    {"no-shrink", no_argument, NULL, OPT_NO_SHRINK},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"pcap", required_argument, NULL, OPT_PCAP},
    {"pcap-all", no_argument, NULL, OPT_PCAP_ALL},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

int wr_cmd_run(int argc, char **argv) {
  wr_run_opts o;
  memset(&o, 0, sizeof o);
  o.sim = o.loopback = 1;
  o.exhaustive = 12;
  o.prog = "wirerig";
  /* For targets with shim= (docs/scenarios.md); absent, they report it. */
  char preload[PATH_MAX];
  if (wr_cli_find_preload(preload) == 0)
    o.preload = preload;
  paths in = {0}, files = {0};
  run_output out = {0};
  uint64_t jobs = 1;
  unsigned shard_k = 1, shard_n = 1;
  int rc = 2;
  wr_cli_opts p;
  wr_cli_opts_init(&p, WR_RUN_PROG, WR_RUN_PROG, argc, argv, "hv",
                   long_options);
  const char *v;
  int c;
  while ((c = wr_cli_next(&p, &v)) != WR_CLI_DONE) {
    switch (c) {
    case WR_CLI_ERROR:
      goto done;
    case 'h':
      usage(stdout);
      rc = 0;
      goto done;
    case 'v':
      out.verbose = 1;
      break;
    case OPT_TAP:
      out.tap = 1;
      out.tap_file = v; /* --tap=FILE; NULL for stdout */
      /* `--tap FILE` too, when FILE ends in .tap: a scenario path is a
       * folder or a .scn file, so the word after a bare --tap is a TAP
       * file only when it says so (getopt's optional values need "="). */
      if (!v && optind < argc && ends_with(argv[optind], ".tap"))
        out.tap_file = argv[optind++];
      break;
    case OPT_NO_SHRINK:
      o.no_shrink = 1;
      break;
    case OPT_SEEDS:
      if (wr_cli_parse_uint(WR_RUN_PROG, "--seeds", v, 1, UINT32_MAX,
                            &o.seeds) < 0)
        goto done;
      break;
    case OPT_SEED:
      if (wr_cli_parse_uint(WR_RUN_PROG, "--seed", v, 0, UINT64_MAX, &o.seed) <
          0)
        goto done;
      o.have_seed = 1;
      break;
    case OPT_EXHAUSTIVE_LIMIT:
      if (wr_cli_parse_uint(WR_RUN_PROG, "--exhaustive-limit", v, 0, 1u << 20,
                            &o.exhaustive) < 0)
        goto done;
      break;
    case OPT_JOBS:
      if (wr_cli_parse_uint(WR_RUN_PROG, "--jobs", v, 1, JOBS_MAX, &jobs) < 0)
        goto done;
      break;
    case OPT_TRANSPORT:
      if (strcmp(v, "sim") == 0) {
        o.loopback = 0;
      } else if (strcmp(v, "loopback") == 0) {
        o.sim = 0;
      } else if (strcmp(v, "both") != 0) {
        fprintf(stderr,
                WR_RUN_PROG ": --transport: expected sim, loopback or both, "
                            "found '%s'\n",
                v);
        goto done;
      }
      break;
    case OPT_JUNIT:
      out.junit = v;
      break;
    case OPT_SCHEDULE:
      o.schedule = v;
      break;
    case OPT_SHARD: {
      unsigned k, n;
      char end;
      if (sscanf(v, "%u/%u%c", &k, &n, &end) != 2 || n < 1 || n > 100000 ||
          k < 1 || k > n) {
        fprintf(stderr,
                WR_RUN_PROG ": --shard: expected K/N with 1 <= K <= N, "
                            "found '%s'\n",
                v);
        goto done;
      }
      shard_k = k;
      shard_n = n;
      break;
    }
    case OPT_SHRINK_DIR:
      o.shrink_dir = v;
      break;
    case OPT_PCAP:
      o.pcap_dir = v;
      break;
    case OPT_PCAP_ALL:
      o.pcap_all = 1;
      break;
    case OPT_MAX_SCHEDULES:
      if (wr_cli_parse_uint(WR_RUN_PROG, "--max-schedules", v, 1, UINT32_MAX,
                            &o.max_schedules) < 0)
        goto done;
      break;
    case WR_CLI_ARG:
      if (push(&in, v) < 0) {
        fprintf(stderr, WR_RUN_PROG ": out of memory\n");
        goto done;
      }
      break;
    }
  }
  if (o.pcap_all && !o.pcap_dir) {
    fprintf(stderr, WR_RUN_PROG ": --pcap-all needs --pcap DIR\n");
    goto done;
  }
  if (o.pcap_dir) {
    struct stat pst;
    if (mkdir(o.pcap_dir, 0755) != 0 && errno != EEXIST) {
      fprintf(stderr, WR_RUN_PROG ": --pcap %s: cannot create: %s\n",
              o.pcap_dir, strerror(errno));
      goto done;
    }
    if (stat(o.pcap_dir, &pst) != 0 || !S_ISDIR(pst.st_mode)) {
      fprintf(stderr, WR_RUN_PROG ": --pcap %s: not a directory\n", o.pcap_dir);
      goto done;
    }
  }
  if (in.n == 0)
    push(&in, "scenarios");
  wr_run_collect_opts co = {.problem = collect_problem};
  if (wr_run_collect((const char *const *)in.v, in.n, &co, &files) < 0)
    goto done;
  o.shard_k = shard_k;
  o.shard_n = shard_n;
  if (shard_n > 1)
    fprintf(stderr, WR_RUN_PROG ": shard %u/%u of the runs of %zu %s\n",
            shard_k, shard_n, files.n, files.n == 1 ? "file" : "files");
  int tty = isatty(2);
  if ((out.verbose || tty) && jobs == 1) {
    o.progress = show_progress;
    o.progress_ctx = &tty;
  }
  wr_run_suite_opts so = {.jobs = (unsigned)jobs};
  if (o.progress && tty)
    so.done = clear_progress;
  /* An earlier run's JUnit file must not pass for this run's if this one
   * is killed before it writes its own. */
  struct stat jst;
  if (out.junit && stat(out.junit, &jst) == 0 && S_ISREG(jst.st_mode))
    unlink(out.junit);
  /* Ctrl-C, SIGTERM, SIGHUP: stop every target and worker, report what
   * completed (marked interrupted), exit 128 + the signal. */
  wr_run_signals_install();
  wr_run_suite suite;
  if (wr_run_suite_run((const char *const *)files.v, files.n, &o, &so, &suite) <
      0) {
    fprintf(stderr, WR_RUN_PROG ": out of memory\n");
    wr_run_suite_free(&suite);
    goto done;
  }
  int wrote = print_suite(&out, &suite);
  rc = wrote < 0 ? 2 : wr_run_suite_status(&suite);
  if (suite.interrupted)
    rc = 128 + suite.interrupted;
  wr_run_suite_free(&suite);
done:
  wr_run_files_free(&in);
  wr_run_files_free(&files);
  return rc;
}
