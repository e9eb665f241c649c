/* Stopping a run on SIGINT, SIGTERM or SIGHUP (runner.h,
 * wr_run_signals_install).
 *
 * Targets run in process groups of their own (run_target.c), so a Ctrl-C
 * at the terminal reaches wirerig and its workers but never a target: a
 * target left behind keeps its port and runs on under init. The handler
 * therefore kills every target group this process started (SIGKILL: a
 * target under test may ignore SIGTERM, and its port must be free when
 * wirerig exits), asks every worker to stop (SIGTERM), and records the
 * signal. A worker, once its targets are dead, exits at once with
 * 128 + signal; the parent, which holds the reports, returns from the
 * suite with what completed and marks the rest interrupted. Everything
 * the handler does is async-signal-safe: kill(2), _exit(2) and stores to
 * volatile sig_atomic_t. */
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "run_int.h"

#define MAX_TRACKED 256

static volatile sig_atomic_t g_signal, g_is_worker;
static volatile pid_t g_groups[MAX_TRACKED], g_workers[MAX_TRACKED];

static void track(volatile pid_t *v, pid_t p) {
  for (int i = 0; i < MAX_TRACKED; i++)
    if (v[i] == 0) {
      v[i] = p;
      return;
    }
}

static void untrack(volatile pid_t *v, pid_t p) {
  for (int i = 0; i < MAX_TRACKED; i++)
    if (v[i] == p)
      v[i] = 0;
}

void wr_run_track_group_(pid_t pgid) { track(g_groups, pgid); }
void wr_run_untrack_group_(pid_t pgid) { untrack(g_groups, pgid); }
void wr_run_track_worker_(pid_t pid) { track(g_workers, pid); }
void wr_run_untrack_worker_(pid_t pid) { untrack(g_workers, pid); }

void wr_run_became_worker_(void) {
  g_is_worker = 1;
  for (int i = 0; i < MAX_TRACKED; i++)
    g_workers[i] = 0;
}

static void on_signal(int sig) {
  g_signal = sig;
  for (int i = 0; i < MAX_TRACKED; i++)
    if (g_groups[i] > 0)
      kill(-g_groups[i], SIGKILL);
  for (int i = 0; i < MAX_TRACKED; i++)
    if (g_workers[i] > 0)
      kill(g_workers[i], SIGTERM);
  if (g_is_worker)
    _exit(128 + sig);
}

int wr_run_signals_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* No SA_RESTART: the parent's wait(2) for its workers returns EINTR. */
  sa.sa_flags = 0;
  int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigaction(sigs[i], &sa, NULL) != 0)
      return -1;
  return 0;
}

int wr_run_interrupted(void) { return (int)g_signal; }
