/* A suite (include/wirerig/runner.h, wr_run_suite_run): many scenario
 * files, each parsed and run as wr_run_scenario does, one after the other
 * or in up to N forked workers. A worker writes its item to a temporary
 * file that the parent reads back into the item's slot, so the items come
 * out in file order whichever worker finished first. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_int.h"
#include "wirerig/runner.h"

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_file(const char *path, const wr_run_opts *o, wr_run_item *it) {
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
    it->rep.shard_k = o->shard_k;
    it->rep.shard_n = o->shard_n;
    it->rep.shard_first = wr_run_shard_owns(o, path, 0);
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

/* ---- workers: an item through a temporary file ------------------------ */

/* A string as its length and bytes; NULL as the length SIZE_MAX, so that
 * an item read back is the item written (NULL stays NULL, not ""). */
static void put_str(FILE *f, const char *s) {
  size_t n = s ? strlen(s) : SIZE_MAX;
  fwrite(&n, sizeof n, 1, f);
  if (s && n)
    fwrite(s, 1, n, f);
}

static char *get_str(FILE *f) {
  size_t n;
  if (fread(&n, sizeof n, 1, f) != 1 || n == SIZE_MAX || n > (64u << 20))
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

static void save(FILE *f, const wr_run_item *it) {
  wr_run_report r = it->rep;
  r.text = NULL;
  fwrite(&it->bad, sizeof it->bad, 1, f);
  fwrite(&r, sizeof r, 1, f);
  put_str(f, it->rep.text);
  put_str(f, it->errors);
  put_str(f, it->title);
  fflush(f);
}

/* An item that did not finish because the suite was stopped by sig: an
 * ERROR of the harness, never the scenario's FAIL. */
static void mark_interrupted(wr_run_item *it, const char *path, int sig) {
  if (!it->path)
    it->path = strdup(path);
  wr_run_report_free(&it->rep);
  memset(&it->rep, 0, sizeof it->rep);
  it->bad = 0;
  it->rep.kind = WR_RUN_K_ERROR;
  it->rep.agreement = -1;
  char msg[160];
  snprintf(msg, sizeof msg,
           "interrupted by %s before this file finished (harness, not the "
           "scenario)\n",
           sig == SIGINT    ? "SIGINT"
           : sig == SIGTERM ? "SIGTERM"
           : sig == SIGHUP  ? "SIGHUP"
                            : "a signal");
  it->rep.text = strdup(msg);
}

/* status: the worker's wait status. A worker that died without writing its
 * item (killed by a signal, out of memory) is an ERROR saying how it died,
 * never a verdict of the scenario, and counts nowhere in agreement. */
static int load(FILE *f, const char *path, wr_run_item *it, int status) {
  memset(it, 0, sizeof *it);
  it->path = strdup(path);
  rewind(f);
  if (fread(&it->bad, sizeof it->bad, 1, f) != 1 ||
      fread(&it->rep, sizeof it->rep, 1, f) != 1) {
    memset(&it->rep, 0, sizeof it->rep);
    it->bad = 0;
    it->rep.kind = WR_RUN_K_ERROR;
    it->rep.agreement = -1;
    char msg[200];
    if (WIFSIGNALED(status))
      snprintf(msg, sizeof msg,
               "the worker running this file was killed by signal %d (%s) "
               "(harness error, not a verdict)\n",
               WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
      snprintf(msg, sizeof msg,
               "the worker running this file exited with status %d before "
               "writing its result (harness error, not a verdict)\n",
               WEXITSTATUS(status));
    else
      snprintf(msg, sizeof msg, "the worker running this file died\n");
    it->rep.text = strdup(msg);
    return -1;
  }
  it->rep.text = get_str(f);
  it->errors = get_str(f);
  it->title = get_str(f);
  return 0;
}

static void done(const wr_run_suite_opts *so, size_t i, const wr_run_item *it) {
  if (so->done)
    so->done(so->ctx, i, it);
}

static int run_jobs(const char *const *files, size_t n, const wr_run_opts *o,
                    const wr_run_suite_opts *so, wr_run_item *items) {
  FILE **tmp = calloc(n, sizeof *tmp);
  pid_t *pid = calloc(n, sizeof *pid);
  if (!tmp || !pid) {
    free(tmp);
    free(pid);
    return -1;
  }
  /* Workers report nothing on the way: their progress lines would mix. */
  wr_run_opts wo = *o;
  wo.progress = NULL;
  wo.progress_ctx = NULL;
  size_t next = 0, running = 0;
  fflush(NULL);
  while (next < n || running) {
    while (next < n && running < so->jobs && !wr_run_interrupted()) {
      tmp[next] = tmpfile();
      pid_t p = tmp[next] ? fork() : -1;
      if (p == 0) {
        wr_run_became_worker_();
        wr_run_item it;
        run_file(files[next], &wo, &it);
        save(tmp[next], &it);
        _exit(0);
      }
      if (p < 0) { /* run it here instead */
        run_file(files[next], &wo, &items[next]);
        pid[next] = 0;
        done(so, next, &items[next]);
      } else {
        pid[next] = p;
        wr_run_track_worker_(p);
        running++;
      }
      next++;
    }
    if (!running)
      break; /* all done, or interrupted before the next one started */
    int st;
    pid_t p = wait(&st);
    if (p < 0 && errno == EINTR)
      continue; /* the handler has told the workers to stop */
    if (p < 0)
      break;
    for (size_t i = 0; i < next; i++)
      if (pid[i] == p) {
        wr_run_untrack_worker_(p);
        /* A worker that wrote its item finished; one that did not was
         * stopped by the signal (or died, which load reports). */
        if (load(tmp[i], files[i], &items[i], st) != 0 && wr_run_interrupted())
          mark_interrupted(&items[i], files[i], wr_run_interrupted());
        pid[i] = 0;
        running--;
        done(so, i, &items[i]);
      }
  }
  for (size_t i = next; i < n; i++)
    mark_interrupted(&items[i], files[i], wr_run_interrupted());
  for (size_t i = 0; i < n; i++)
    if (tmp[i])
      fclose(tmp[i]);
  free(tmp);
  free(pid);
  return 0;
}

int wr_run_suite_run(const char *const *files, size_t n, const wr_run_opts *o,
                     const wr_run_suite_opts *so, wr_run_suite *out) {
  static const wr_run_suite_opts one = {0};
  if (!so)
    so = &one;
  memset(out, 0, sizeof *out);
  out->items = calloc(n ? n : 1, sizeof *out->items);
  if (!out->items)
    return -1;
  out->n = n;
  double t0 = mono_s();
  int rc = 0;
  if (so->jobs > 1 && n > 1) {
    rc = run_jobs(files, n, o, so, out->items);
  } else {
    for (size_t i = 0; i < n; i++) {
      if (wr_run_interrupted()) {
        mark_interrupted(&out->items[i], files[i], wr_run_interrupted());
        continue;
      }
      run_file(files[i], o, &out->items[i]);
      /* A file whose runs were cut short by the signal neither passed nor
       * failed. */
      if (wr_run_interrupted())
        mark_interrupted(&out->items[i], files[i], wr_run_interrupted());
      done(so, i, &out->items[i]);
    }
  }
  out->interrupted = wr_run_interrupted();
  out->seconds = mono_s() - t0;
  return rc;
}

void wr_run_suite_free(wr_run_suite *s) {
  for (size_t i = 0; s->items && i < s->n; i++) {
    wr_run_item *it = &s->items[i];
    wr_run_report_free(&it->rep);
    free(it->errors);
    free(it->title);
    free(it->path);
  }
  free(s->items);
  memset(s, 0, sizeof *s);
}

int wr_run_item_elsewhere(const wr_run_item *it) {
  const wr_run_report *r = &it->rep;
  if (r->shard_n <= 1 || r->shard_first)
    return 0;
  return it->bad || (r->sim_runs == 0 && r->lo_runs == 0);
}

size_t wr_run_suite_ran(const wr_run_suite *s) {
  size_t ran = 0;
  for (size_t i = 0; i < s->n; i++)
    if (!s->items[i].bad && !wr_run_report_skipped(&s->items[i].rep) &&
        !wr_run_item_elsewhere(&s->items[i]))
      ran++;
  return ran;
}

int wr_run_suite_status(const wr_run_suite *s) {
  int any_fail = 0;
  size_t here = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (wr_run_item_elsewhere(&s->items[i]))
      continue;
    here++;
    if (s->items[i].bad)
      return 2;
    if (s->items[i].rep.kind != WR_RUN_K_PASS)
      any_fail = 1;
  }
  /* A share of a sharded suite may hold no run at all when the suite has
   * fewer runs than shares: that is the matrix's shape, not a run that
   * checked nothing by mistake. */
  if (here == 0 && s->n > 0)
    return 0;
  /* A suite that ran nothing checked nothing: not a pass. */
  return any_fail || wr_run_suite_ran(s) == 0;
}
