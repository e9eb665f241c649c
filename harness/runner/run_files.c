/* Which scenario files a list of paths names (include/wirerig/runner.h,
 * wr_run_collect): the one directory walk behind `wirerig run` and
 * `wirerig check`. Directory entries are visited in strcmp order, so that
 * a suite runs, and reports, in the same order on every machine. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wirerig/runner.h"

int wr_run_files_push(wr_run_files *f, const char *path) {
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 32;
    char **v = realloc(f->v, cap * sizeof *v);
    if (!v)
      return -1;
    f->v = v;
    f->cap = cap;
  }
  f->v[f->n] = strdup(path);
  return f->v[f->n] ? (f->n++, 0) : -1;
}

void wr_run_files_free(wr_run_files *f) {
  for (size_t i = 0; i < f->n; i++)
    free(f->v[i]);
  free(f->v);
  memset(f, 0, sizeof *f);
}

int wr_run_is_scenario_name(const char *name, int shrunk) {
  size_t n = strlen(name);
  if (!shrunk && n > 11 && strcmp(name + n - 11, ".shrunk.scn") == 0)
    return 0;
  return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

typedef struct walker {
  const wr_run_collect_opts *o;
  wr_run_files *out;
  size_t found;
  int failed; /* a problem was reported */
  int stop;
} walker;

static void problem(walker *w, const char *path, wr_run_collect_problem what,
                    int err) {
  w->failed = 1;
  if (!w->o->problem || w->o->problem(w->o->ctx, path, what, err))
    w->stop = 1;
}

char *wr_run_path_normalize(const char *path) {
  size_t n = strlen(path);
  char *out = malloc(n + 2);
  if (!out)
    return NULL;
  size_t o = 0;
  int abs = path[0] == '/';
  if (abs)
    out[o++] = '/';
  for (const char *p = path; *p;) {
    while (*p == '/')
      p++;
    size_t l = strcspn(p, "/");
    if (l == 0)
      break;
    /* "." says nothing; ".." stays (it depends on symbolic links). */
    if (!(l == 1 && p[0] == '.')) {
      if (o > (size_t)abs)
        out[o++] = '/';
      memcpy(out + o, p, l);
      o += l;
    }
    p += l;
  }
  if (o == 0)
    out[o++] = '.';
  out[o] = '\0';
  return out;
}

static void take(walker *w, const char *raw) {
  /* One spelling of every path: reports, reproduce commands and JUnit
   * names are compared and clicked on ("scenarios//x.scn" from a
   * directory given with a slash, "./x.scn" from a shell glob). */
  char *path = wr_run_path_normalize(raw);
  if (!path) {
    problem(w, raw, WR_RUN_COLLECT_NOMEM, ENOMEM);
    return;
  }
  w->found++;
  if (w->o->file) {
    if (w->o->file(w->o->ctx, path)) {
      w->failed = 1;
      w->stop = 1;
    }
  } else if (wr_run_files_push(w->out, path) < 0) {
    problem(w, path, WR_RUN_COLLECT_NOMEM, ENOMEM);
  }
  free(path);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory entry is taken when it is a regular file, or a symbolic
 * link to one, with a scenario's name. */
static int is_scenario_file(const char *path, const struct stat *l) {
  struct stat st;
  if (S_ISREG(l->st_mode))
    return 1;
  return S_ISLNK(l->st_mode) && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void walk(walker *w, const char *dir, int depth) {
  if (depth > WR_RUN_DIR_DEPTH_MAX) {
    problem(w, dir, WR_RUN_COLLECT_TOO_DEEP, ELOOP);
    return;
  }
  DIR *d = opendir(dir);
  if (!d) {
    problem(w, dir, WR_RUN_COLLECT_UNREADABLE, errno);
    return;
  }
  wr_run_files names = {0};
  int nomem = 0;
  struct dirent *e;
  while (!nomem && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue; /* ., .. and hidden files (editor backups) */
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(len);
    if (p) {
      snprintf(p, len, "%s/%s", dir, e->d_name);
      nomem = wr_run_files_push(&names, p) < 0;
      free(p);
    } else {
      nomem = 1;
    }
  }
  closedir(d);
  if (nomem)
    problem(w, dir, WR_RUN_COLLECT_NOMEM, ENOMEM);
  if (names.n)
    qsort(names.v, names.n, sizeof *names.v, cmp_names);
  for (size_t k = 0; k < names.n && !w->stop; k++) {
    struct stat st;
    const char *base = strrchr(names.v[k], '/') + 1;
    if (lstat(names.v[k], &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode))
      walk(w, names.v[k], depth + 1);
    else if (wr_run_is_scenario_name(base, w->o->shrunk) &&
             is_scenario_file(names.v[k], &st))
      take(w, names.v[k]);
  }
  wr_run_files_free(&names);
}

int wr_run_collect(const char *const *paths, size_t n,
                   const wr_run_collect_opts *o, wr_run_files *out) {
  static const wr_run_collect_opts defaults = {0};
  walker w = {.o = o ? o : &defaults, .out = out};
  for (size_t i = 0; i < n && !w.stop; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0) {
      problem(&w, paths[i], WR_RUN_COLLECT_MISSING, errno);
    } else if (S_ISDIR(st.st_mode)) {
      size_t before = w.found;
      walk(&w, paths[i], 0);
      if (!w.stop && w.found == before)
        problem(&w, paths[i], WR_RUN_COLLECT_EMPTY, ENOENT);
    } else {
      take(&w, paths[i]);
    }
  }
  return w.failed ? -1 : 0;
}
