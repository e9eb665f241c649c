/* `wirerig check [FILES|DIRS]`: parses scenario files without running
 * them, so that a malformed scenario fails in CI before anything runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "wirerig/runner.h"
#include "wirerig/scenario.h"

#define PROG "wirerig check"

static void usage(FILE *out) {
  fprintf(out,
          "usage: " PROG " [-q] [--max-data MIB] FILE|DIR...\n"
          "\n"
          "Parses scenario files (docs/scenarios.md) without running them.\n"
          "Directories are searched recursively for *.scn files (symbolic\n"
          "links to directories are not followed); files named on the\n"
          "command line are checked whatever their name.\n"
          "\n"
          "Errors go to stderr as FILE:LINE:COL: message, then one summary\n"
          "line to stdout.\n"
          "\n"
          "  -q, --quiet   no summary line\n"
          "  --max-data MIB  data one file may build (default 64, as\n"
          "                wirerig run)\n"
          "  -h, --help    this text\n"
          "\n"
          "Exit status: 0 every file is valid, 2 an error in a file, an\n"
          "unreadable path, a directory without *.scn files, or a bad flag.\n");
}

typedef struct check_stats {
  size_t files, invalid, errors;
  int io_failed;
  wr_scn_config cfg;
} check_stats;

static void check_file(const char *path, check_stats *st) {
  wr_scenario *s = wr_scn_load(path, &st->cfg);
  st->files++;
  if (!s) {
    fprintf(stderr, "%s: out of memory\n", path);
    st->invalid++;
    st->errors++;
    return;
  }
  if (s->nerrors_total) {
    st->invalid++;
    st->errors += s->nerrors_total;
    for (size_t k = 0; k < s->nerrors; k++) {
      char buf[WR_SCN_MSG_MAX + 512];
      wr_scn_error_format(s, &s->errors[k], buf, sizeof buf);
      fprintf(stderr, "%s\n", buf);
    }
  }
  wr_scn_free(s);
}

/* wr_run_collect's callbacks: each file is checked as it is found, so
 * that errors come out in the order of the walk. */
static int check_found(void *ctx, const char *path) {
  check_file(path, ctx);
  return 0;
}

static int check_problem(void *ctx, const char *path,
                         wr_run_collect_problem what, int err) {
  check_stats *st = ctx;
  st->io_failed = 1;
  switch (what) {
  case WR_RUN_COLLECT_UNREADABLE:
    fprintf(stderr, PROG ": %s: cannot open directory: %s\n", path,
            strerror(err));
    break;
  case WR_RUN_COLLECT_TOO_DEEP:
    fprintf(stderr,
            PROG ": %s: directories nested deeper than %d; not "
                 "searched\n",
            path, WR_RUN_DIR_DEPTH_MAX);
    break;
  case WR_RUN_COLLECT_EMPTY:
    fprintf(stderr, PROG ": %s: no scenario files found\n", path);
    break;
  default:
    fprintf(stderr, PROG ": %s: %s\n", path, strerror(err));
  }
  return 0; /* report every problem, check every file */
}

enum { OPT_MAX_DATA = 256 };

static const struct option long_options[] = {
    {"quiet", no_argument, NULL, 'q'},
    {"max-data", required_argument, NULL, OPT_MAX_DATA},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

int wr_cmd_check(int argc, char **argv) {
  int quiet = 0;
  uint64_t max_data_mib = 0;
  /* The paths, in order; never more than the arguments. */
  const char **paths = calloc(argc > 0 ? (size_t)argc : 1, sizeof *paths);
  size_t npaths = 0;
  if (!paths) {
    fprintf(stderr, PROG ": out of memory\n");
    return 2;
  }
  wr_cli_opts p;
  wr_cli_opts_init(&p, PROG, PROG, argc, argv, "qh", long_options);
  const char *v;
  int c;
  while ((c = wr_cli_next(&p, &v)) != WR_CLI_DONE) {
    switch (c) {
    case WR_CLI_ERROR:
      free(paths);
      return 2;
    case 'h':
      usage(stdout);
      free(paths);
      return 0;
    case 'q':
      quiet = 1;
      break;
    case OPT_MAX_DATA:
      if (wr_cli_parse_uint(PROG, "--max-data", v, 1, 4096, &max_data_mib) <
          0) {
        free(paths);
        return 2;
      }
      break;
    case WR_CLI_ARG:
      paths[npaths++] = v;
      break;
    }
  }
  if (npaths == 0) {
    free(paths);
    return wr_cli_usage_error(PROG, PROG, "no files or directories given");
  }
  check_stats st = {0};
  st.cfg.max_file_data = max_data_mib << 20;
  /* Every *.scn, the runner's shrunk files too: they are scenarios. */
  wr_run_collect_opts co = {
      .shrunk = 1, .file = check_found, .problem = check_problem, .ctx = &st};
  for (size_t i = 0; i < npaths; i++) {
    const char *a = paths[i];
    wr_run_collect(&a, 1, &co, NULL);
  }
  /* Nothing checked is not "all valid": the summary says what the exit
   * status says. */
  if (st.files == 0) {
    fprintf(stderr, PROG ": no scenario files found\n");
    free(paths);
    return 2;
  }
  if (!quiet) {
    if (st.invalid)
      printf("%zu file%s checked: %zu invalid, %zu error%s\n", st.files,
             st.files == 1 ? "" : "s", st.invalid, st.errors,
             st.errors == 1 ? "" : "s");
    else if (st.io_failed)
      printf("%zu file%s checked: all valid, but not every path could be "
             "searched (above)\n",
             st.files, st.files == 1 ? "" : "s");
    else
      printf("%zu file%s checked: all valid\n", st.files,
             st.files == 1 ? "" : "s");
  }
  free(paths);
  return st.invalid || st.io_failed ? 2 : 0;
}
