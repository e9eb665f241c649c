/* Processes of a scenario (`spawn P { ... }`, `await P`, `kill P`):
 * docs/scenarios.md, "Processes".
 *
 * Each process runs its block on a thread of its own, but only one thread
 * runs at a time: control is a baton handed on explicitly, so a run is as
 * deterministic as with one process. A process keeps the baton until its
 * step would block: every wait of the socket layer calls the yield hook
 * (sock.h, wr_sock_sched), which hands the baton to the next process in
 * table order that has something to do (not started, killed, or not yet
 * looked at its condition since the event loop last ran or another
 * process last acted). Only when every
 * process waits does the one holding the baton run the event loop, until
 * the earliest deadline of all the waits -- so on simnet the virtual clock
 * moves only when all are blocked, and no process's timeout is stepped
 * over.
 *
 * A process ends after its last step, or when killed (at its next wait or
 * step). Then the sockets it owns close as a linked port does
 * (wr_sock_owner_exit): the peer sees the close. Threads, not
 * ucontext: they keep the sanitizers exact, and the baton makes them as
 * ordered as coroutines. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "wirerig/error.h"

enum { P_NEW, P_RUNNING, P_WAITING, P_DONE };

typedef struct run_proc {
  run_rt *rt;
  int ep; /* its name; -1 for main (slot 0) */
  const wr_scn_step *spawn;
  pthread_t th;
  int has_thread;
  pthread_cond_t cv;
  int state;
  int killed, exit_killed;
  wr_time deadline; /* while waiting */
  uint64_t seen;    /* the loop pass it last looked at its condition in */
  /* The runner's per-process state, kept while another one runs. */
  const wr_scn_step *until;
  char until_text[64];
  int until_prefix, until_hit;
  uint64_t rounds;
} run_proc;

typedef struct run_procs {
  pthread_mutex_t mu;
  run_proc *p;
  size_t n, cap;
  size_t cur;
  uint64_t epoch;
} run_procs;

static void save(run_rt *rt, run_proc *p) {
  p->until = rt->until;
  memcpy(p->until_text, rt->until_text, sizeof p->until_text);
  p->until_prefix = rt->until_prefix;
  p->until_hit = rt->until_hit;
  p->rounds = rt->rounds;
}

static void restore(run_rt *rt, const run_proc *p) {
  rt->until = p->until;
  memcpy(rt->until_text, p->until_text, sizeof p->until_text);
  rt->until_prefix = p->until_prefix;
  rt->until_hit = p->until_hit;
  rt->rounds = p->rounds;
  rt->cur = p->ep;
}

/* Hands the baton from `from` to `to` and waits until it comes back. */
static void switch_to(run_procs *ps, size_t from, size_t to) {
  run_rt *rt = ps->p[from].rt;
  save(rt, &ps->p[from]);
  pthread_mutex_lock(&ps->mu);
  ps->cur = to;
  pthread_cond_signal(&ps->p[to].cv);
  while (ps->cur != from)
    pthread_cond_wait(&ps->p[from].cv, &ps->mu);
  pthread_mutex_unlock(&ps->mu);
  restore(rt, &ps->p[from]);
}

int wr_run_dead_(const run_rt *rt) {
  const run_procs *ps = rt->procs;
  return ps && (rt->halt || ps->p[ps->cur].killed);
}

/* The sockets of process ep close: its owner is gone. */
static void owner_exit(run_rt *rt, int ep) {
  for (size_t i = 0; i < rt->s->nendpoints; i++) {
    if (rt->eps[i].owner != ep)
      continue;
    if (rt->eps[i].s)
      wr_sock_owner_exit(rt->eps[i].s);
    if (rt->eps[i].ls)
      wr_sock_owner_exit(rt->eps[i].ls);
  }
}

/* The next process after `me` in table order that is not over. */
static size_t next_live(const run_procs *ps, size_t me) {
  for (size_t k = 1; k < ps->n; k++) {
    size_t q = (me + k) % ps->n;
    if (ps->p[q].state != P_DONE)
      return q;
  }
  return me;
}

static void *proc_main(void *arg) {
  run_proc *p = arg;
  run_rt *rt = p->rt;
  run_procs *ps = rt->procs;
  size_t me = (size_t)(p - ps->p);
  pthread_mutex_lock(&ps->mu);
  while (ps->cur != me)
    pthread_cond_wait(&p->cv, &ps->mu);
  pthread_mutex_unlock(&ps->mu);
  restore(rt, p);
  p->state = P_RUNNING;
  if (!p->killed && !rt->halt && wr_run_exec_block_(rt, &p->spawn->body) &&
      !wr_run_dead_(rt))
    rt->halt = 1; /* a failure in any process ends the run */
  p->exit_killed = p->killed || rt->halt;
  owner_exit(rt, p->ep);
  pthread_mutex_lock(&ps->mu);
  p->state = P_DONE;
  ps->epoch++; /* its end is news: an await, a closed socket */
  size_t to = next_live(ps, me);
  ps->cur = to;
  pthread_cond_signal(&ps->p[to].cv);
  pthread_mutex_unlock(&ps->mu);
  return NULL;
}

static int hook_killed(void *ctx) { return wr_run_dead_(ctx) ? WR_KILLED : 0; }

static int hook_yield(void *ctx, wr_time own, int first, wr_time *until) {
  run_rt *rt = ctx;
  run_procs *ps = rt->procs;
  size_t me = ps->cur;
  run_proc *p = &ps->p[me];
  /* A new wait: this process acted since its last one, so every other
   * waiting process looks at its condition again before time moves. */
  if (first)
    ps->epoch++;
  p->state = P_WAITING;
  p->deadline = own;
  p->seen = ps->epoch;
  for (size_t k = 1; k < ps->n; k++) {
    size_t q = (me + k) % ps->n;
    const run_proc *o = &ps->p[q];
    if (o->state == P_DONE)
      continue;
    if (o->state == P_NEW || o->killed || rt->halt || o->seen != ps->epoch) {
      switch_to(ps, me, q);
      p->state = P_RUNNING;
      return 1;
    }
  }
  /* Everyone waits: the loop runs until the first of their deadlines. */
  wr_time soonest = own;
  for (size_t q = 0; q < ps->n; q++)
    if (ps->p[q].state == P_WAITING && ps->p[q].deadline < soonest)
      soonest = ps->p[q].deadline;
  *until = soonest;
  ps->epoch++;
  p->state = P_RUNNING;
  return 0;
}

int wr_run_procs_start_(run_rt *rt) {
  rt->cur = -1;
  if (!rt->s->uses_procs)
    return 0;
  size_t n = 1;
  for (size_t i = 0; i < rt->s->nendpoints; i++)
    n += rt->s->endpoints[i].process != 0;
  run_procs *ps = calloc(1, sizeof *ps);
  run_proc *p = calloc(n, sizeof *p);
  if (!ps || !p || pthread_mutex_init(&ps->mu, NULL) != 0) {
    free(ps);
    free(p);
    return 1;
  }
  ps->p = p;
  ps->cap = n;
  ps->n = 1;
  p[0].rt = rt;
  p[0].ep = -1;
  p[0].state = P_RUNNING;
  pthread_cond_init(&p[0].cv, NULL);
  rt->procs = ps;
  wr_sock_sched sc = {hook_killed, hook_yield, rt};
  wr_sockenv_set_sched(rt->env, &sc);
  return 0;
}

int wr_run_spawn_(run_rt *rt, const wr_scn_step *st) {
  run_procs *ps = rt->procs;
  if (!ps || ps->n == ps->cap || rt->eps[st->ep].pslot)
    return WR_EINVAL; /* spawn runs once: the parser allows it at the top */
  run_proc *p = &ps->p[ps->n];
  memset(p, 0, sizeof *p);
  p->rt = rt;
  p->ep = st->ep;
  p->spawn = st;
  p->state = P_NEW;
  p->seen = ps->epoch;
  if (pthread_cond_init(&p->cv, NULL) != 0)
    return WR_ENOMEM;
  if (pthread_create(&p->th, NULL, proc_main, p) != 0) {
    pthread_cond_destroy(&p->cv);
    return WR_ENOMEM;
  }
  p->has_thread = 1;
  rt->eps[st->ep].pslot = (int)ps->n++;
  return 0;
}

static int proc_over(void *ctx) { return ((run_proc *)ctx)->state == P_DONE; }

int wr_run_await_(run_rt *rt, const wr_scn_step *st, char *text, size_t len) {
  run_procs *ps = rt->procs;
  int slot = rt->eps[st->ep].pslot;
  if (!ps || slot == 0) {
    snprintf(text, len, "not spawned");
    return 0;
  }
  run_proc *p = &ps->p[slot];
  long ms = st->has_timeout
                ? (long)((st->timeout + WR_NS_PER_MS - 1) / WR_NS_PER_MS)
                : rt->default_ms;
  int rc = wr_sockenv_wait(rt->env, ms, proc_over, p);
  if (wr_run_dead_(rt))
    return 1;
  if (rc == 0)
    snprintf(text, len, "%s", p->exit_killed ? "killed" : "normal");
  else
    snprintf(text, len, "%s", wr_err_name(rc));
  return 0;
}

int wr_run_kill_(run_rt *rt, const wr_scn_step *st) {
  run_procs *ps = rt->procs;
  int slot = rt->eps[st->ep].pslot;
  if (!ps || slot == 0)
    return WR_EINVAL;
  run_proc *p = &ps->p[slot];
  if (p->state == P_DONE)
    return 0; /* exit(Pid, kill) of a dead process is no error */
  /* Its sockets close now, as the exit signal closes linked ports; the
   * process itself stops at its next wait, when it gets the baton. */
  p->killed = 1;
  owner_exit(rt, p->ep);
  return 0;
}

void wr_run_procs_end_(run_rt *rt) {
  run_procs *ps = rt->procs;
  if (!ps)
    return;
  /* The file's end awaits every process, as if `await P` for each. */
  for (size_t q = 1;
       q < ps->n && !rt->halt && !rt->r->bound && rt->r->verdict == WR_RUN_PASS;
       q++) {
    if (wr_sockenv_wait(rt->env, rt->default_ms, proc_over, &ps->p[q]) == 0)
      continue;
    if (rt->halt)
      break;
    char msg[200];
    snprintf(msg, sizeof msg,
             "%s:%u:%u: process %.80s was still running at the end of the "
             "file; await it with a timeout or kill it",
             ps->p[q].spawn->pos.file, ps->p[q].spawn->pos.line,
             ps->p[q].spawn->pos.col, rt->s->endpoints[ps->p[q].ep].name);
    rt->r->verdict = WR_RUN_ERROR;
    snprintf(rt->r->reason, sizeof rt->r->reason, "%s", msg);
    break;
  }
  /* Then every one still running stops at its next wait. */
  rt->halt = 1;
  size_t to = next_live(ps, 0);
  if (to != 0)
    switch_to(ps, 0, to);
  for (size_t q = 1; q < ps->n; q++) {
    if (ps->p[q].has_thread)
      pthread_join(ps->p[q].th, NULL);
    pthread_cond_destroy(&ps->p[q].cv);
  }
  pthread_cond_destroy(&ps->p[0].cv);
  pthread_mutex_destroy(&ps->mu);
  wr_sockenv_set_sched(rt->env, NULL);
  free(ps->p);
  free(ps);
  rt->procs = NULL;
  rt->halt = 0;
  rt->cur = -1;
}
