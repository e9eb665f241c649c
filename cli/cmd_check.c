/* `wirerig check [FILES|DIRS]`: parses scenario files without running
 * them, so that a malformed scenario fails in CI before anything runs. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int wr_cmd_check(int argc, char **argv) {
  int quiet = 0, npaths = 0, only_paths = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_paths || a[0] != '-' || strcmp(a, "-") == 0) {
      npaths++;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_paths = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      quiet = 1;
    } else {
      fprintf(stderr,
              PROG ": unknown flag '%s'; expected -q, --help or "
                   "paths\n",
              a);
      usage(stderr);
      return 2;
    }
  }
  if (npaths == 0) {
    fprintf(stderr, PROG ": no files or directories given\n");
    usage(stderr);
    return 2;
  }
  check_stats st = {0};
  only_paths = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!only_paths && strcmp(a, "--") == 0) {
      only_paths = 1;
      continue;
    }
    if (!only_paths && a[0] == '-' && strcmp(a, "-") != 0)
      continue;
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
  return st.invalid || st.io_failed ? 2 : 0;
}
