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
  /* The process its sockets belong to (an endpoint index, -1 main):
   * they close when it ends; only it may hand them on (`owner`). */
  int owner;
  int pslot; /* a process name: its slot in the process table, 0 none */
} run_ep;

struct run_procs;

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
  const char *shim_trace; /* wr_run_params.shim_trace */
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
  uint64_t max_steps;    /* wr_run_params.max_steps, resolved */
  wr_time wall_deadline; /* loopback: transport time the run must end by */
  uint32_t timeout_s;
  size_t max_mailbox, max_queue;
  /* Processes (run_procs.c): NULL for a file without spawn. cur is the
   * running process's endpoint (-1 main); halt: a process failed, so
   * every other one stops at its next wait or step. */
  struct run_procs *procs;
  int cur;
  int halt;
} run_rt;

/* Creates the run's transport (run_net.c); trace keeps simnet's trace
 * records for the segment boundaries of the report. 0, or a negative
 * wr_err with a message in err. */
int wr_run_net_create(wr_run_transport t, uint64_t seed, int trace,
                      wr_net **out, char *err, size_t errlen);

/* Starts (or resolves) the target of a `target` step: 0, or 1 after
 * setting an ERROR verdict. */
int wr_run_target_start(run_rt *rt, const wr_scn_step *st);
/* A started target ended by itself (a signal, a non-zero exit): 1 with
 * the cause in why (it is reaped), else 0; step_failed: wait up to 500 ms
 * for a target to end (the step may have seen its sockets close first). */
int wr_run_target_died(run_rt *rt, int step_failed, char *why, size_t len);
/* The WIRERIG_PRELOAD_CONN_READS text for target ep: its shim_conn with
 * the run's shim schedule of ep on top (run_shim.c). 0, or -1 when they do
 * not fit. */
int wr_run_shim_conn_reads_(const run_rt *rt, int ep, char *buf, size_t len);

/* run_exec.c: runs a block of steps in the current process; 1 when the
 * run (or the process) ends there. */
int wr_run_exec_block_(run_rt *rt, const wr_scn_block *b);

/* run_procs.c: the process table for a file with spawn, and the hooks
 * that let a waiting process hand control to the others. 0, or 1 after
 * setting an ERROR verdict. */
int wr_run_procs_start_(run_rt *rt);
/* After the main process's last step: awaits every process still
 * running (then an ERROR if one does not end), stops them all, frees the
 * table. */
void wr_run_procs_end_(run_rt *rt);
int wr_run_spawn_(run_rt *rt, const wr_scn_step *st);
/* The observation of an await, in text (0), or 1 when the awaiting
 * process itself was stopped. */
int wr_run_await_(run_rt *rt, const wr_scn_step *st, char *text, size_t len);
int wr_run_kill_(run_rt *rt, const wr_scn_step *st);
/* The running process was killed, or the run halted: its steps stop
 * without observations. */
int wr_run_dead_(const run_rt *rt);

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
