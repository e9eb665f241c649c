/* `wirerig run [FILES|DIRS]`: runs scenario files on simnet (many seeds,
 * every small cut schedule) and on loopback, and reports (docs/scenarios.md,
 * "Running"). Exit 0 all passed, 1 a failure, 2 bad input.
 *
 * With --jobs N, files run in up to N forked children; each child writes
 * its report to a temporary file and the parent prints them in file order,
 * so the output does not depend on which child finished first. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "run_cli.h"

#define DIR_DEPTH_MAX 32
#define JOBS_MAX 64

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: " WR_RUN_PROG " [FILES|DIRS] [--seeds N] [--seed S]\n"
      "         [--transport sim|loopback|both] [--exhaustive-limit BYTES]\n"
      "         [--schedule 'A->B=POLICY'] [--jobs N] [--junit FILE] [--tap]\n"
      "         [--shrink-dir DIR] [--no-shrink] [--max-schedules N] [-v]\n"
      "\n"
      "Runs scenario files (docs/scenarios.md): on simnet with N seeds\n"
      "(default 100, a file's `seeds` wins) and over every cut schedule of\n"
      "each direction of at most BYTES bytes (default 12), and once on\n"
      "loopback; then compares the two transports' observations.\n"
      "Directories are searched recursively for *.scn (default: scenarios).\n"
      "\n"
      "  --seed S            run only seed S (no exhaustive pass)\n"
      "  --schedule A->B=P   pin the segmentation of direction A->B\n"
      "                      (e.g. client->server=cuts:1,3)\n"
      "  --shrink-dir DIR    write FILE.shrunk.scn there (default: next\n"
      "                      to FILE)\n"
      "  --no-shrink         do not shrink failures\n"
      "  --max-schedules N   exhaustive runs per scenario (default 2048)\n"
      "  --jobs N            files in parallel (1..64)\n"
      "  --junit FILE        JUnit XML; --tap: TAP 13 on stdout\n"
      "  -v, --verbose       progress on stderr even when not a terminal\n"
      "\n"
      "Exit status: 0 all passed, 1 a failure or disagreement, 2 bad\n"
      "input (a malformed scenario, a bad flag, a missing file).\n");
}

typedef struct paths {
  char **v;
  size_t n, cap;
} paths;

static int push(paths *p, const char *s) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 32;
    char **v = realloc(p->v, cap * sizeof *v);
    if (!v)
      return -1;
    p->v = v;
    p->cap = cap;
  }
  p->v[p->n] = strdup(s);
  return p->v[p->n++] ? 0 : -1;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* *.scn, except the *.shrunk.scn files the runner writes: they fail on
 * purpose, so a directory run would trip over its own earlier reports.
 * Named on the command line, they run like any file. */
static int has_scn_ext(const char *name) {
  size_t n = strlen(name);
  if (n > 11 && strcmp(name + n - 11, ".shrunk.scn") == 0)
    return 0;
  return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

static int walk(const char *dir, int depth, paths *out) {
  if (depth > DIR_DEPTH_MAX)
    return -1;
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, WR_RUN_PROG ": %s: %s\n", dir, strerror(errno));
    return -1;
  }
  paths local = {0};
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      push(&local, p);
    }
  closedir(d);
  qsort(local.v, local.n, sizeof *local.v, cmp_names);
  int rc = 0;
  for (size_t i = 0; i < local.n; i++) {
    struct stat st;
    if (lstat(local.v[i], &st) == 0) {
      if (S_ISDIR(st.st_mode))
        rc |= walk(local.v[i], depth + 1, out);
      else if (S_ISREG(st.st_mode) && has_scn_ext(local.v[i]))
        push(out, local.v[i]);
    }
    free(local.v[i]);
  }
  free(local.v);
  return rc;
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(void *ctx, const char *file, uint64_t done,
                          uint64_t total) {
  (void)total;
  /* A terminal gets one line rewritten; a log (-v) one line a report. */
  if (*(const int *)ctx)
    fprintf(stderr, "\r\033[K%s: %llu runs", file, (unsigned long long)done);
  else
    fprintf(stderr, "%s: %llu runs\n", file, (unsigned long long)done);
}

static void run_file(const char *path, const wr_run_opts *o, run_item *it) {
  memset(it, 0, sizeof *it);
  it->path = strdup(path);
  wr_scenario *s = wr_scn_load(path, NULL);
  if (!s || s->nerrors_total) {
    it->bad = 1;
    size_t cap = 1 + (s ? s->nerrors : 0) * (WR_SCN_MSG_MAX + 600);
    it->errors = calloc(1, cap + 64);
    if (!s && it->errors)
      snprintf(it->errors, cap + 64, "%s: out of memory\n", path);
    for (size_t k = 0; s && it->errors && k < s->nerrors; k++) {
      size_t l = strlen(it->errors);
      wr_scn_error_format(s, &s->errors[k], it->errors + l, cap - l);
      strcat(it->errors, "\n");
    }
    wr_scn_free(s);
    return;
  }
  it->title = strdup(s->title);
  wr_run_scenario(s, o, &it->rep);
  if (it->rep.kind == WR_RUN_K_BADINPUT) {
    it->bad = 1;
    it->errors = it->rep.text;
    it->rep.text = NULL;
  }
  wr_scn_free(s);
}

/* ---- --jobs: a report through a temporary file ----------------------------
 */

static void put_str(FILE *f, const char *s) {
  size_t n = s ? strlen(s) : 0;
  fwrite(&n, sizeof n, 1, f);
  if (n)
    fwrite(s, 1, n, f);
}

static char *get_str(FILE *f) {
  size_t n;
  if (fread(&n, sizeof n, 1, f) != 1 || n > (64u << 20))
    return NULL;
  char *s = malloc(n + 1);
  if (!s)
    return NULL;
  if (fread(s, 1, n, f) != n) {
    free(s);
    return NULL;
  }
  s[n] = '\0';
  return s;
}

static void save(FILE *f, const run_item *it) {
  wr_run_report r = it->rep;
  r.text = NULL;
  fwrite(&it->bad, sizeof it->bad, 1, f);
  fwrite(&r, sizeof r, 1, f);
  put_str(f, it->rep.text);
  put_str(f, it->errors);
  put_str(f, it->title);
  fflush(f);
}

static int load(FILE *f, const char *path, run_item *it) {
  memset(it, 0, sizeof *it);
  it->path = strdup(path);
  rewind(f);
  if (fread(&it->bad, sizeof it->bad, 1, f) != 1 ||
      fread(&it->rep, sizeof it->rep, 1, f) != 1) {
    memset(&it->rep, 0, sizeof it->rep);
    it->rep.kind = WR_RUN_K_ERROR;
    it->rep.text = strdup("the job running this file died\n");
    return -1;
  }
  it->rep.text = get_str(f);
  it->errors = get_str(f);
  it->title = get_str(f);
  return 0;
}

static void run_jobs(paths *files, const wr_run_opts *o, run_item *items,
                     unsigned jobs) {
  FILE **tmp = calloc(files->n, sizeof *tmp);
  pid_t *pid = calloc(files->n, sizeof *pid);
  size_t next = 0, running = 0;
  fflush(NULL);
  while (next < files->n || running) {
    while (next < files->n && running < jobs) {
      tmp[next] = tmpfile();
      pid_t p = tmp[next] ? fork() : -1;
      if (p == 0) {
        run_item it;
        run_file(files->v[next], o, &it);
        save(tmp[next], &it);
        _exit(0);
      }
      if (p < 0) { /* run it here instead */
        run_file(files->v[next], o, &items[next]);
        pid[next] = 0;
      } else {
        pid[next] = p;
        running++;
      }
      next++;
    }
    if (running) {
      int st;
      pid_t p = wait(&st);
      if (p < 0)
        break;
      for (size_t i = 0; i < next; i++)
        if (pid[i] == p) {
          load(tmp[i], files->v[i], &items[i]);
          pid[i] = 0;
          running--;
        }
    }
  }
  for (size_t i = 0; i < files->n; i++)
    if (tmp[i])
      fclose(tmp[i]);
  free(tmp);
  free(pid);
}

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
  int rc = 2;
  /* One slot per valued flag: wr_cli_take_value refuses a flag given
   * twice by finding its slot already set. */
  enum {
    F_SEEDS,
    F_SEED,
    F_EXH,
    F_JOBS,
    F_TRANSPORT,
    F_JUNIT,
    F_SCHED,
    F_SHRINK,
    F_MAXSCHED,
    F_COUNT
  };
  const char *val[F_COUNT] = {0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL, *problem = "";
    int t = 0;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      rc = 0;
      goto done;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      out.verbose = 1;
    } else if (strcmp(a, "--tap") == 0) {
      out.tap = 1;
    } else if (strcmp(a, "--no-shrink") == 0) {
      o.no_shrink = 1;
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--seeds", &val[F_SEEDS],
                                      &problem)) &&
               (v = val[F_SEEDS], 1)) {
      if (t < 0 || wr_cli_parse_uint(WR_RUN_PROG, "--seeds", v, 1, UINT32_MAX,
                                     &o.seeds) < 0)
        goto bad_value;
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--seed", &val[F_SEED],
                                      &problem)) &&
               (v = val[F_SEED], 1)) {
      if (t < 0 || wr_cli_parse_uint(WR_RUN_PROG, "--seed", v, 0, UINT64_MAX,
                                     &o.seed) < 0)
        goto bad_value;
      o.have_seed = 1;
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--exhaustive-limit",
                                      &val[F_EXH], &problem)) &&
               (v = val[F_EXH], 1)) {
      if (t < 0 || wr_cli_parse_uint(WR_RUN_PROG, "--exhaustive-limit", v, 0,
                                     1u << 20, &o.exhaustive) < 0)
        goto bad_value;
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--jobs", &val[F_JOBS],
                                      &problem)) &&
               (v = val[F_JOBS], 1)) {
      if (t < 0 ||
          wr_cli_parse_uint(WR_RUN_PROG, "--jobs", v, 1, JOBS_MAX, &jobs) < 0)
        goto bad_value;
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--transport",
                                      &val[F_TRANSPORT], &problem)) &&
               (v = val[F_TRANSPORT], 1)) {
      if (t < 0)
        goto bad_value;
      if (strcmp(v, "sim") == 0)
        o.loopback = 0;
      else if (strcmp(v, "loopback") == 0)
        o.sim = 0;
      else if (strcmp(v, "both") != 0) {
        fprintf(stderr,
                WR_RUN_PROG ": --transport: expected sim, loopback or both, "
                            "found '%s'\n",
                v);
        goto done;
      }
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--junit", &val[F_JUNIT],
                                      &problem)) &&
               (v = val[F_JUNIT], 1)) {
      if (t < 0)
        goto bad_value;
      out.junit = v;
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--schedule",
                                      &val[F_SCHED], &problem)) &&
               (v = val[F_SCHED], 1)) {
      if (t < 0)
        goto bad_value;
      o.schedule = v;
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--shrink-dir",
                                      &val[F_SHRINK], &problem)) &&
               (v = val[F_SHRINK], 1)) {
      if (t < 0)
        goto bad_value;
      o.shrink_dir = v;
    } else if ((t = wr_cli_take_value(argc, argv, &i, "--max-schedules",
                                      &val[F_MAXSCHED], &problem)) &&
               (v = val[F_MAXSCHED], 1)) {
      if (t < 0 || wr_cli_parse_uint(WR_RUN_PROG, "--max-schedules", v, 1,
                                     UINT32_MAX, &o.max_schedules) < 0)
        goto bad_value;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, WR_RUN_PROG ": unknown option '%s'\n", a);
      usage(stderr);
      goto done;
    } else {
      push(&in, a);
    }
    continue;
  bad_value:
    if (t < 0)
      fprintf(stderr, WR_RUN_PROG ": %s %s\n", a, problem);
    goto done;
  }
  if (in.n == 0)
    push(&in, "scenarios");
  for (size_t i = 0; i < in.n; i++) {
    struct stat st;
    if (stat(in.v[i], &st) < 0) {
      fprintf(stderr, WR_RUN_PROG ": %s: %s\n", in.v[i], strerror(errno));
      goto done;
    }
    if (S_ISDIR(st.st_mode)) {
      size_t before = files.n;
      if (walk(in.v[i], 0, &files) < 0)
        goto done;
      if (files.n == before) {
        fprintf(stderr, WR_RUN_PROG ": %s: no *.scn files in this directory\n",
                in.v[i]);
        goto done;
      }
    } else {
      push(&files, in.v[i]);
    }
  }
  int tty = isatty(2);
  if ((out.verbose || tty) && jobs == 1) {
    o.progress = show_progress;
    o.progress_ctx = &tty;
  }
  run_item *items = calloc(files.n ? files.n : 1, sizeof *items);
  if (!items)
    goto done;
  double t0 = mono_s();
  if (jobs > 1 && files.n > 1) {
    run_jobs(&files, &o, items, (unsigned)jobs);
  } else {
    for (size_t i = 0; i < files.n; i++) {
      run_file(files.v[i], &o, &items[i]);
      if (o.progress && tty)
        fprintf(stderr, "\r\033[K");
    }
  }
  out.seconds = mono_s() - t0;
  int wrote = wr_run_output(&out, items, files.n);
  int any_bad = wrote < 0, any_fail = 0;
  for (size_t i = 0; i < files.n; i++) {
    if (items[i].bad)
      any_bad = 1;
    else if (items[i].rep.kind != WR_RUN_K_PASS)
      any_fail = 1;
    wr_run_report_free(&items[i].rep);
    free(items[i].errors);
    free(items[i].title);
    free(items[i].path);
  }
  free(items);
  rc = any_bad ? 2 : any_fail ? 1 : 0;
done:
  for (size_t i = 0; i < in.n; i++)
    free(in.v[i]);
  for (size_t i = 0; i < files.n; i++)
    free(files.v[i]);
  free(in.v);
  free(files.v);
  return rc;
}
