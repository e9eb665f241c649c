/* The socket environment: the event loop over one transport, socket and
 * mailbox bookkeeping, connecting (sock.h). Options are in sock_opts.c. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sock_int.h"

/* ---- environment and event loop ----------------------------------------- */

int wr_sockenv_create(wr_net *net, wr_sockenv **out) {
  if (!net || !out)
    return WR_EINVAL;
  wr_sockenv *env = malloc(sizeof *env);
  if (!env)
    return WR_ENOMEM;
  memset(env, 0, offsetof(wr_sockenv, scratch));
  env->net = net;
  *out = env;
  return 0;
}

wr_net *wr_sockenv_net(wr_sockenv *env) { return env->net; }

int wr_sockenv_set_limits(wr_sockenv *env, const wr_sock_limits *lim) {
  if (!env || !lim)
    return WR_EINVAL;
  env->limits = *lim;
  return 0;
}

int wr_sockenv_limit_hit(const wr_sockenv *env, wr_sock_limit_hit *out) {
  if (!env || env->hit.kind == WR_SOCK_LIMIT_NONE)
    return 0;
  if (out)
    *out = env->hit;
  return 1;
}

static int hit_error(const wr_sock_limit_hit *hit) {
  switch (hit->kind) {
  case WR_SOCK_LIMIT_DEADLINE:
    return WR_TIMEOUT;
  case WR_SOCK_LIMIT_SYSTEM:
    return hit->err;
  case WR_SOCK_LIMIT_LIVELOCK:
    return WR_LIVELOCK;
  default:
    return WR_ENOMEM;
  }
}

int wr_sock_limit_met_(wr_sockenv *env, const wr_sock_limit_hit *hit) {
  if (env->hit.kind == WR_SOCK_LIMIT_NONE)
    env->hit = *hit;
  return hit_error(hit);
}

int wr_sock_system_(wr_sockenv *env, int rc) {
  if (rc == WR_EMFILE || rc == WR_ENFILE || rc == WR_ENOMEM) {
    wr_sock_limit_hit h = {.kind = WR_SOCK_LIMIT_SYSTEM, .err = rc};
    wr_sock_limit_met_(env, &h);
  }
  return rc;
}

/* Once a limit is met nothing more is waited for: the harness ends the
 * run at the step that met it. */
static int limit_stop(wr_sockenv *env) {
  if (env->hit.kind == WR_SOCK_LIMIT_NONE)
    return 0;
  return hit_error(&env->hit);
}

void wr_sockenv_destroy(wr_sockenv *env) {
  if (!env)
    return;
  /* Messages still waiting first (freeing one reads its socket), then the
   * sockets, then the buffer cache. */
  for (int i = 0; i < env->nboxes; i++)
    wr_mailbox_free_(env->boxes[i]);
  for (int i = 0; i < env->nsocks; i++) {
    wr_sock *s = env->socks[i];
    if (s->h >= 0)
      wr_net_abort(env->net, s->h);
    wr_stream_free(&s->rx);
    free(s->q);
    free(s);
  }
  wr_msgbuf_clear_(env);
  free(env->socks);
  free(env->by_handle);
  free(env->boxes);
  free(env);
}

wr_time wr_sock_deadline_(wr_sockenv *env, long timeout_ms) {
  if (timeout_ms < 0)
    return WR_TIME_NEVER;
  return wr_net_now(env->net) + (wr_time)timeout_ms * WR_NS_PER_MS;
}

static wr_sock *by_handle(wr_sockenv *env, int h) {
  if (h < 0 || h >= env->caph)
    return NULL;
  return env->by_handle[h];
}

static int map_handle(wr_sockenv *env, int h, wr_sock *s) {
  if (h >= env->caph) {
    int cap = env->caph ? env->caph : 16;
    while (cap <= h)
      cap *= 2;
    wr_sock **p = realloc(env->by_handle, (size_t)cap * sizeof *p);
    if (!p)
      return WR_ENOMEM;
    memset(p + env->caph, 0, (size_t)(cap - env->caph) * sizeof *p);
    env->by_handle = p;
    env->caph = cap;
  }
  env->by_handle[h] = s;
  return 0;
}

static void on_event(wr_sockenv *env, const wr_net_event *ev) {
  wr_sock *s = by_handle(env, ev->handle);
  if (!s || s->listener || s->connecting)
    return; /* the waiting call looks at readiness itself */
  if ((ev->events & WR_EV_OUT) && s->qlen)
    wr_sock_flush_(s);
  if (s->exit_flush) {
    /* Nobody reads for a dead owner; a peer that is gone ends the flush. */
    if (s->h >= 0 && (ev->events & (WR_EV_HUP | WR_EV_ERR)))
      wr_sock_release_(s, 0);
    return;
  }
  if (s->h >= 0 && (ev->events & (WR_EV_IN | WR_EV_HUP | WR_EV_ERR)))
    wr_sock_input_(s, ev->events);
}

/* One pass of the event loop until deadline: the events handled (> 0), 0
 * at the deadline or on a quiet network (*flags says which), or a
 * transport error. */
static int pump(wr_sockenv *env, wr_time deadline, uint32_t *flags) {
  wr_net_event evs[64];
  int k = wr_net_poll_flags(env->net, evs, 64, deadline, flags);
  if (k == WR_LIVELOCK) {
    wr_sock_limit_hit h = {.kind = WR_SOCK_LIMIT_LIVELOCK};
    return wr_sock_limit_met_(env, &h);
  }
  for (int i = 0; i < k; i++)
    on_event(env, &evs[i]);
  return k;
}

/* The one wait of the socket layer: recv, send, accept, connect, close
 * (linger), mailbox receive and wr_sockenv_run all wait here, so they
 * agree on when a wait is over. The condition is looked at first (a
 * timeout 0 still tries once: done may make the call it waits for, an
 * accept or a read) and again whenever the loop has run, the last time at
 * the deadline. A network that says nothing more can happen
 * (WR_POLL_QUIET) ends the wait before the deadline: waiting longer could
 * change nothing. */
int wr_sock_wait_(wr_sockenv *env, wr_time deadline, wr_sock_cond_fn done,
                  void *ctx) {
  /* The environment's deadline ends every wait (wr_sock_limits). */
  wr_time cap = env->limits.deadline;
  int capped = cap && deadline > cap;
  if (capped)
    deadline = cap;
  int first = 1;
  for (;;) {
    int stop = limit_stop(env);
    if (stop)
      return stop;
    /* A killed process stops waiting: its call returns at once. */
    if (env->sched.killed) {
      int dead = env->sched.killed(env->sched.ctx);
      if (dead)
        return dead;
    }
    if (done && done(ctx))
      return 0;
    if (wr_net_now(env->net) >= deadline) {
      if (capped) {
        wr_sock_limit_hit h = {.kind = WR_SOCK_LIMIT_DEADLINE};
        return wr_sock_limit_met_(env, &h);
      }
      return WR_TIMEOUT;
    }
    /* Other processes first; the loop runs only when all of them wait,
     * and then only until the earliest of their deadlines. */
    wr_time until = deadline;
    int again = env->sched.yield &&
                env->sched.yield(env->sched.ctx, deadline, first, &until);
    first = 0;
    if (again)
      continue;
    uint32_t flags;
    int k = pump(env, until, &flags);
    if (k < 0)
      return k;
    /* A quiet network ends the wait only when no other wait ends sooner:
     * another process's timeout may still make something happen. */
    if (k == 0 && (flags & WR_POLL_QUIET) && until == deadline &&
        wr_net_now(env->net) < deadline)
      return WR_TIMEOUT;
  }
}

void wr_sockenv_set_sched(wr_sockenv *env, const wr_sock_sched *sched) {
  if (!env)
    return;
  if (sched)
    env->sched = *sched;
  else
    memset(&env->sched, 0, sizeof env->sched);
}

int wr_sockenv_wait(wr_sockenv *env, long timeout_ms, int (*done)(void *ctx),
                    void *ctx) {
  if (!env || !done)
    return WR_EINVAL;
  return wr_sock_wait_(env, wr_sock_deadline_(env, timeout_ms), done, ctx);
}

int wr_sockenv_run(wr_sockenv *env, long ms) {
  if (!env || ms < 0)
    return WR_EINVAL;
  wr_time deadline = wr_sock_deadline_(env, ms);
  if (env->limits.deadline && deadline > env->limits.deadline)
    deadline = env->limits.deadline; /* wr_sock_wait_ records it */
  /* One pass even when no time is given (wait 0): what is ready now is
   * handled. Then until the deadline, or until nothing more can happen. */
  uint32_t flags;
  int k = 1;
  /* With processes, time passes in the one wait where every process's
   * deadline is known; a first pass on its own could step over them. */
  if (!env->sched.yield || ms == 0)
    k = pump(env, ms == 0 ? wr_net_now(env->net) : deadline, &flags);
  if (k <= 0)
    return k;
  int rc = wr_sock_wait_(env, deadline, NULL, NULL);
  return rc == WR_TIMEOUT ? 0 : rc;
}

/* ---- sockets ------------------------------------------------------------- */

void wr_sock_watch_(wr_sock *s) {
  if (s->h < 0)
    return;
  uint32_t want = 0;
  if (s->listener)
    want = s->accepting ? WR_EV_IN : 0;
  else if (s->connecting)
    want = WR_EV_OUT;
  else {
    if (s->in_recv || (s->active != WR_ACTIVE_FALSE && !s->rd_done))
      want |= WR_EV_IN;
    if (s->qlen)
      want |= WR_EV_OUT;
    /* Nobody reads and nothing is queued: inet_drv deselects the socket,
     * and the kernel keeps what it learns (data, FIN, RST) for the next
     * call that looks -- not even HUP or ERR is wanted meanwhile. */
    if (!want)
      want = WR_EV_QUIET;
  }
  /* Compared with what the transport holds, defaults included: a listener
   * starts out watching IN, and must stop until an accept asks for it. */
  if (want != wr_net_interest(s->env->net, s->h))
    wr_net_watch(s->env->net, s->h, want);
}

void wr_sock_release_(wr_sock *s, int abort) {
  if (s->h >= 0) {
    s->env->by_handle[s->h] = NULL;
    if (abort)
      wr_net_abort(s->env->net, s->h);
    else
      wr_net_close(s->env->net, s->h);
    s->h = -1;
  }
  free(s->q);
  s->q = NULL;
  s->qoff = s->qlen = s->qcap = s->blen = 0;
  s->bq = NULL;
  s->busy = 0;
  s->shut_pending = 0;
}

void wr_sock_post_closed_(wr_sock *s, int with_reset) {
  if (with_reset)
    wr_sock_post_(s, WR_MSG_TCP_ERROR, WR_ECONNRESET, NULL, 0);
  if (!s->closed_msg) {
    s->closed_msg = 1;
    wr_sock_post_(s, WR_MSG_TCP_CLOSED, 0, NULL, 0);
  }
}

void wr_sock_desc_close_(wr_sock *s) {
  wr_sock_release_(s, 0);
  wr_stream_discard(&s->rx);
  s->fd_closed = 1;
  s->rd_done = 1;
  s->rd_closed = s->paused = 0;
}

void wr_sock_close_port_(wr_sock *s, int abort) {
  wr_sock_release_(s, abort);
  s->port_closed = 1;
  s->active = WR_ACTIVE_FALSE;
  wr_stream_discard(&s->rx);
}

int wr_sock_post_(wr_sock *s, wr_msg_kind kind, int reason, const uint8_t *p,
                  size_t len) {
  if (kind == WR_MSG_TCP)
    return wr_mailbox_push_copy_(s->owner, s, p, len);
  wr_msg m = {.kind = kind, .reason = reason, .sock = s, .len = len};
  return wr_mailbox_push_(s->owner, &m);
}

static void set_defaults(wr_sock *s) {
  s->active = WR_ACTIVE_TRUE; /* gen_tcp's default when none is given */
  s->packet = WR_PACKET_RAW;
  s->delimiter = '\n';
  s->buffer = WR_STREAM_DEFAULT_BUFFER;
  s->exit_on_close = 1;
  s->send_timeout = WR_SEND_TIMEOUT_INFINITY;
  s->high = 8192;
  s->low = 4096;
  s->backlog = 5;
}

static wr_sock *sock_new(wr_sockenv *env, wr_mailbox *owner) {
  if (env->nsocks == env->capsocks) {
    int cap = env->capsocks ? env->capsocks * 2 : 16;
    wr_sock **p = realloc(env->socks, (size_t)cap * sizeof *p);
    if (!p)
      return NULL;
    env->socks = p;
    env->capsocks = cap;
  }
  wr_sock *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->env = env;
  s->id = env->nsocks;
  s->h = -1;
  s->owner = owner;
  set_defaults(s);
  wr_stream_init(&s->rx, WR_PACKET_RAW);
  env->socks[env->nsocks++] = s;
  return s;
}

int wr_mailbox_create(wr_sockenv *env, wr_mailbox **out) {
  if (!out)
    return WR_EINVAL;
  *out = NULL;
  if (!env)
    return WR_EINVAL;
  if (env->nboxes == env->capboxes) {
    int cap = env->capboxes ? env->capboxes * 2 : 8;
    wr_mailbox **p = realloc(env->boxes, (size_t)cap * sizeof *p);
    if (!p)
      return WR_ENOMEM;
    env->boxes = p;
    env->capboxes = cap;
  }
  wr_mailbox *mb = calloc(1, sizeof *mb);
  if (!mb)
    return WR_ENOMEM;
  mb->env = env;
  env->boxes[env->nboxes++] = mb;
  *out = mb;
  return 0;
}

static int mailbox_nonempty(void *ctx) { return ((wr_mailbox *)ctx)->len > 0; }

int wr_mailbox_recv(wr_mailbox *mb, long timeout_ms, wr_msg *out) {
  if (!mb || !out)
    return WR_EINVAL;
  int rc = wr_sock_wait_(mb->env, wr_sock_deadline_(mb->env, timeout_ms),
                         mailbox_nonempty, mb);
  if (rc)
    return rc;
  return wr_mailbox_take(mb, out);
}

/* ---- connecting ---------------------------------------------------------- */

static int copy_opts(wr_sock *to, const wr_sock *from) {
  wr_stream rx = to->rx;
  int id = to->id, h = to->h;
  wr_mailbox *owner = to->owner;
  wr_sockenv *env = to->env;
  memcpy(to, from, sizeof *to);
  to->rx = rx;
  to->id = id;
  to->h = h;
  to->owner = owner;
  to->env = env;
  to->listener = to->accepting = to->connecting = 0;
  to->q = NULL;
  to->qoff = to->qlen = to->qcap = to->blen = 0;
  to->bq = NULL;
  /* The transport copied the kernel options into the new socket itself,
   * as Linux does at the SYN -- all but the priority, which Linux does not
   * carry over and inet's accept sets again from the listener's
   * (experiment: a listener with {priority,3} accepts a socket whose
   * priority reads 3; a bare Linux accept gives 0). */
  to->net_pending = from->net_set & (1u << WR_NET_SO_PRIORITY);
  wr_stream_set_type(&to->rx, to->packet);
  wr_stream_set_packet_size(&to->rx, to->packet_size);
  wr_stream_set_delimiter(&to->rx, to->delimiter);
  wr_stream_set_buffer(&to->rx, (uint32_t)to->buffer);
  return 0;
}

int wr_sock_listen(wr_sockenv *env, wr_mailbox *owner, const wr_addr *addr,
                   const wr_sockopt *opts, size_t nopts, wr_sock **out) {
  if (!env || !owner || !out)
    return WR_EINVAL;
  /* OTP 25's gen_tcp:listen raises badarg for line_delimiter (semantics
   * §2.10); it can only be set on a socket with setopts. */
  for (size_t i = 0; i < nopts; i++)
    if (opts[i].name == WR_OPT_LINE_DELIMITER)
      return WR_EINVAL;
  wr_sock *s = sock_new(env, owner);
  if (!s)
    return wr_sock_system_(env, WR_ENOMEM);
  s->listener = 1;
  int rc = wr_sock_apply_list_(s, opts, nopts, WR_SOCK_LIST_LISTEN);
  if (rc == 0) {
    rc = wr_sock_system_(env, wr_net_listen(env->net, addr, s->backlog));
    if (rc >= 0) {
      s->h = rc;
      rc = map_handle(env, s->h, s);
      wr_sock_watch_(s);
      if (rc == 0)
        rc = wr_sock_push_net_(s);
    }
  }
  if (rc < 0) {
    wr_sock_close_port_(s, 0);
    return rc;
  }
  *out = s;
  return 0;
}

/* Once the port is closed both answer einval, as inet:sockname/peername do
 * on a closed port (experiment: gen_tcp:close(C), inet:sockname(C) gives
 * {error,einval} on OTP 25). */
int wr_sock_sockname(wr_sock *s, wr_addr *out) {
  if (!s || !out)
    return WR_EINVAL;
  if (s->h < 0)
    return s->port_closed ? WR_EINVAL : WR_ENOTCONN;
  return wr_net_local_addr(s->env->net, s->h, out);
}

int wr_sock_peername(wr_sock *s, wr_addr *out) {
  if (!s || !out)
    return WR_EINVAL;
  if (s->h < 0)
    return s->port_closed ? WR_EINVAL : WR_ENOTCONN;
  if (s->listener)
    return WR_ENOTCONN;
  return wr_net_peer_addr(s->env->net, s->h, out);
}

typedef struct accept_ctx {
  wr_sock *ls;
  int h;
} accept_ctx;

static int try_accept(void *ctx) {
  accept_ctx *a = ctx;
  if (a->ls->h < 0)
    return 1;
  a->h = wr_net_accept(a->ls->env->net, a->ls->h, NULL);
  return a->h != WR_EAGAIN;
}

int wr_sock_accept(wr_sock *ls, wr_mailbox *owner, long timeout_ms,
                   wr_sock **out) {
  if (!ls || !owner || !out)
    return WR_EINVAL;
  if (ls->port_closed)
    return WR_CLOSED;
  if (!ls->listener)
    return WR_EINVAL;
  wr_sockenv *env = ls->env;
  accept_ctx a = {ls, WR_EAGAIN};
  ls->accepting = 1;
  wr_sock_watch_(ls);
  int rc =
      wr_sock_wait_(env, wr_sock_deadline_(env, timeout_ms), try_accept, &a);
  ls->accepting = 0;
  wr_sock_watch_(ls);
  if (rc)
    return rc;
  if (ls->h < 0)
    return WR_CLOSED;
  if (a.h < 0)
    return wr_sock_system_(env, a.h);
  wr_sock *s = sock_new(env, owner);
  if (!s) {
    wr_net_abort(env->net, a.h);
    return wr_sock_system_(env, WR_ENOMEM);
  }
  copy_opts(s, ls); /* accepted sockets inherit the listener's options */
  s->h = a.h;
  rc = map_handle(env, a.h, s) != 0 ? WR_ENOMEM : wr_sock_push_net_(s);
  if (rc < 0) {
    wr_sock_close_port_(s, 1);
    return rc;
  }
  wr_sock_watch_(s);
  if (s->active != WR_ACTIVE_FALSE)
    wr_sock_armed_(s, 1, 1);
  *out = s;
  return 0;
}

static int connect_done(void *ctx) {
  wr_sock *s = ctx;
  return (wr_net_readiness(s->env->net, s->h) &
          (WR_EV_OUT | WR_EV_ERR | WR_EV_HUP)) != 0;
}

int wr_sock_connect(wr_sockenv *env, wr_mailbox *owner, const wr_addr *addr,
                    const wr_sockopt *opts, size_t nopts, long timeout_ms,
                    wr_sock **out) {
  if (!env || !owner || !addr || !out)
    return WR_EINVAL;
  wr_sock *s = sock_new(env, owner);
  if (!s)
    return wr_sock_system_(env, WR_ENOMEM);
  s->connecting = 1;
  int rc = wr_sock_apply_list_(s, opts, nopts, WR_SOCK_LIST_CONNECT);
  if (rc == 0) {
    rc = wr_sock_system_(env, wr_net_connect(env->net, addr));
    if (rc >= 0) {
      s->h = rc;
      rc = map_handle(env, s->h, s);
      if (rc == 0)
        rc = wr_sock_push_net_(s);
    }
  }
  if (rc == 0)
    rc =
        wr_sock_wait_(env, wr_sock_deadline_(env, timeout_ms), connect_done, s);
  if (rc == 0) {
    int err = wr_net_sockerr(env->net, s->h);
    if (err < 0)
      rc = err;
    else if (!(wr_net_readiness(env->net, s->h) & WR_EV_OUT))
      rc = WR_ECONNREFUSED;
  }
  if (rc < 0) {
    wr_sock_close_port_(s, 1);
    return rc;
  }
  s->connecting = 0;
  wr_sock_watch_(s);
  if (s->active != WR_ACTIVE_FALSE)
    wr_sock_armed_(s, 1, 1);
  *out = s;
  return 0;
}

int wr_sock_controlling_process(wr_sock *s, wr_mailbox *mb) {
  if (!s || !mb || mb->env != s->env)
    return WR_EINVAL;
  if (s->port_closed)
    return WR_CLOSED;
  int rc = wr_mailbox_move_(s->owner, mb, s);
  if (rc == 0)
    s->owner = mb;
  return rc;
}

wr_mailbox *wr_sock_owner(const wr_sock *s) { return s ? s->owner : NULL; }
size_t wr_sock_queued(const wr_sock *s) { return s ? s->qlen : 0; }
size_t wr_sock_buffered(const wr_sock *s) {
  return s ? wr_stream_buffered(&s->rx) : 0;
}
int wr_sock_id(const wr_sock *s) { return s ? s->id : -1; }
int wr_sock_handle(const wr_sock *s) { return s ? s->h : -1; }

wr_sock_state wr_sock_get_state(const wr_sock *s) {
  if (!s || s->port_closed || s->fd_closed || s->h < 0)
    return WR_SOCK_CLOSED;
  if (s->listener)
    return WR_SOCK_OPEN;
  wr_net_slot *sl = wr_net_slot_(s->env->net, s->h);
  int shut = sl ? sl->shut : 0;
  int rd = s->rd_done || (shut & WR_SHUT_RD);
  int wr = s->wr_shut || s->shut_pending || (shut & WR_SHUT_WR);
  if (rd && wr)
    return WR_SOCK_CLOSED;
  return rd ? WR_SOCK_READ_CLOSED : wr ? WR_SOCK_WRITE_CLOSED : WR_SOCK_OPEN;
}
