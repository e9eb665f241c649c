/* Internals of the runner (run_exec.c, run_target.c). */
#ifndef WIRERIG_RUN_INT_H
#define WIRERIG_RUN_INT_H

#include <sys/types.h>

#include "base/strbuf.h"
#include "wirerig/runner.h"
#include "wirerig/sock.h"

typedef struct run_ep {
  wr_sock *ls, *s; /* listener; connection (a listener's first one too) */
  wr_mailbox *mb;
  int peer;      /* the other end of s, -1 before it is connected */
  int client_of; /* a manual connect: the listener it waits on */
  uint64_t sent, received;
  int has_pending; /* a net policy named this socket before it existed */
  wr_policy pending;
  wr_addr addr; /* target, or the listener's address once listening */
  pid_t pid;    /* started target: its process group, -1 none */
  int outfd;    /* its log, read for the ready text, else -1 */
  char *log;    /* the log file's path (malloc'd), NULL */
  /* The data taken since the start or the last `stream mark` (recv,
   * message and drain data), kept only when the file uses `stream`. */
  uint8_t *stream;
  size_t slen, scap;
} run_ep;

typedef struct run_rt {
  const wr_scenario *s;
  wr_run_result *r;
  const wr_run_sched *sched;
  wr_run_transport transport;
  wr_net *net;
  wr_sockenv *env;
  run_ep *eps;
  wr_time start;
  uint64_t seed;
  const char *preload;
  long default_ms;
  int observe; /* wr_run_params.observe */
  uint32_t dconn[64];
  int dside[64];
  /* An observation and its key as they are written (run_exec.c); kept
   * across steps so that their storage is reused. */
  wr_strbuf text, key;
  /* The variables' values, by index (scenario.h: bound by captures). */
  wr_scn_bytes *vars;
  /* The innermost `repeat ... until` running (NULL outside one): a step
   * whose observation is `until_text` (a prefix when until_prefix) ends
   * it, setting until_hit; rounds: what the last such loop ran. */
  const wr_scn_step *until;
  char until_text[64];
  int until_prefix, until_hit;
  uint64_t rounds;
} run_rt;

/* Creates the run's transport (run_net.c); trace keeps simnet's trace
 * records for the segment boundaries of the report. 0, or a negative
 * wr_err with a message in err. */
int wr_run_net_create(wr_run_transport t, uint64_t seed, int trace,
                      wr_net **out, char *err, size_t errlen);

/* Starts (or resolves) the target of a `target` step: 0, or 1 after
 * setting an ERROR verdict. */
int wr_run_target_start(run_rt *rt, const wr_scn_step *st);
/* Kills every started target's process group and reaps it. */
void wr_run_targets_stop(run_rt *rt);

/* Processes the signal handler stops (run_signal.c): target process
 * groups, and the workers of a suite. A forked worker calls
 * wr_run_became_worker_ so that its handler exits after killing its own
 * targets. */
void wr_run_track_group_(pid_t pgid);
void wr_run_untrack_group_(pid_t pgid);
void wr_run_track_worker_(pid_t pid);
void wr_run_untrack_worker_(pid_t pid);
void wr_run_became_worker_(void);

#endif
