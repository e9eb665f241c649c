/* `wirerig check [FILES|DIRS]`: parses scenario files without running
 * them, so that a malformed scenario fails in CI before anything runs. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "commands.h"
#include "wirerig/scenario.h"

#define PROG "wirerig check"
#define DIR_DEPTH_MAX 32

static void usage(FILE *out) {
  fprintf(out,
          "usage: " PROG " [-q] FILE|DIR...\n"
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
          "  -h, --help    this text\n"
          "\n"
          "Exit status: 0 every file is valid, 2 an error in a file, an\n"
          "unreadable path, a directory without *.scn files, or a bad flag.\n");
}

typedef struct check_stats {
  size_t files, invalid, errors;
  int io_failed;
} check_stats;

static void check_file(const char *path, check_stats *st) {
  wr_scenario *s = wr_scn_load(path, NULL);
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

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_scn_ext(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

/* Files in name order so that the output is the same on every machine. */
static void check_dir(const char *dir, int depth, check_stats *st) {
  if (depth > DIR_DEPTH_MAX) {
    fprintf(stderr,
            PROG ": %s: directories nested deeper than %d; not "
                 "searched\n",
            dir, DIR_DEPTH_MAX);
    st->io_failed = 1;
    return;
  }
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, PROG ": %s: cannot open directory: %s\n", dir,
            strerror(errno));
    st->io_failed = 1;
    return;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue; /* ., .. and hidden files (editor backups) */
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      char **nn = realloc(names, cap * sizeof *nn);
      if (!nn)
        break;
      names = nn;
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    if (!names[n])
      break;
    snprintf(names[n], len, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_names);
  for (size_t k = 0; k < n; k++) {
    struct stat sb;
    if (lstat(names[k], &sb) == 0 && S_ISDIR(sb.st_mode))
      check_dir(names[k], depth + 1, st);
    else if (has_scn_ext(names[k]))
      check_file(names[k], st);
    free(names[k]);
  }
  free(names);
}

static const struct option long_options[] = {{"quiet", no_argument, NULL, 'q'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};

int wr_cmd_check(int argc, char **argv) {
  int quiet = 0;
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
  for (size_t i = 0; i < npaths; i++) {
    const char *a = paths[i];
    struct stat sb;
    if (stat(a, &sb) != 0) {
      fprintf(stderr, PROG ": %s: %s\n", a, strerror(errno));
      st.io_failed = 1;
    } else if (S_ISDIR(sb.st_mode)) {
      size_t before = st.files;
      check_dir(a, 0, &st);
      if (st.files == before) {
        fprintf(stderr, PROG ": %s: no *.scn files found\n", a);
        st.io_failed = 1;
      }
    } else {
      check_file(a, &st);
    }
  }
  if (!quiet) {
    if (st.invalid)
      printf("%zu file%s checked: %zu invalid, %zu error%s\n", st.files,
             st.files == 1 ? "" : "s", st.invalid, st.errors,
             st.errors == 1 ? "" : "s");
    else
      printf("%zu file%s checked: all valid\n", st.files,
             st.files == 1 ? "" : "s");
  }
  free(paths);
  return st.invalid || st.io_failed ? 2 : 0;
}
