/* `NAME VERB ...` statements: sockets, their data and their mailboxes. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "scn_int.h"

#define MAX_OPTS 32

static const char verb_list[] =
    "listen connect accept send recv message messages nothing drain setopts "
    "getopts shutdown close owner mailbox state sent received stream sockname "
    "peername";

static int is_opt(const tok *t, const char *name) {
  size_t n = strlen(name);
  return t->kind == T_OPT && t->len == n && memcmp(t->text, name, n) == 0;
}

/* gen_tcp options up to the end of the statement (or `->`). */
/* What `timeout=T` among the options is. */
typedef enum opt_timeout_use {
  TIMEOUT_NONE, /* an option like any other (none is called timeout) */
  TIMEOUT_READ, /* the step's timeout (connect) */
  TIMEOUT_SKIP  /* the step's timeout, read already by an earlier pass */
} opt_timeout_use;

/* Options up to the end of the line or `->`. With `listen`, line_delimiter
 * is refused: OTP 25's gen_tcp:listen raises badarg for it (semantics
 * §2.10); a file that means to pin that writes `-> error einval`. */
static int sock_opts_t(scn_parser *p, wr_scn_step *st, int check, int listen,
                       opt_timeout_use timeout) {
  wr_sockopt o[MAX_OPTS];
  size_t n = 0;
  st->refused_opt = NULL;
  for (;;) {
    const tok *t = scn_peek(p);
    if (t->kind == T_EOL || t->kind == T_ARROW)
      break;
    if (t->kind != T_OPT)
      return wr_scnp_err(p, t, "expected an option NAME=VALUE, found %s",
                         SCN_FOUND(p, t));
    if (timeout != TIMEOUT_NONE && is_opt(t, "timeout")) {
      if (timeout == TIMEOUT_READ && wr_scnp_timeout(p, t, st))
        return -1;
      scn_next(p);
      continue;
    }
    if (n == MAX_OPTS)
      return wr_scnp_err(p, t, "too many options (more than %d)", MAX_OPTS);
    if (listen && is_opt(t, "line_delimiter"))
      return wr_scnp_err(
          p, t,
          "line_delimiter cannot be given to listen (gen_tcp:listen "
          "raises badarg for it); set it with setopts on the "
          "accepted socket");
    const char *refused;
    if (wr_scnp_option(p, t, check, &o[n], &refused))
      return -1;
    if (refused) {
      /* gen_tcp refuses the whole list: keep the first culprit only. */
      if (!st->refused_opt)
        st->refused_opt = refused;
    } else {
      n++;
    }
    scn_next(p);
  }
  return wr_scnp_opts_store(p, st, o, n);
}

static int sock_opts(scn_parser *p, wr_scn_step *st, int check, int listen) {
  return sock_opts_t(p, st, check, listen, TIMEOUT_NONE);
}

/* [timeout=T] before `->`. */
static int opt_timeout(scn_parser *p, wr_scn_step *st, const char *verb) {
  for (;;) {
    const tok *t = scn_peek(p);
    if (t->kind != T_OPT)
      return 0;
    if (!is_opt(t, "timeout"))
      return wr_scnp_err(p, t,
                         "unknown option '%.*s' for %s; expected timeout=T",
                         (int)(t->len < 60 ? t->len : 60), t->text, verb);
    if (wr_scnp_timeout(p, t, st))
      return -1;
    scn_next(p);
  }
}

static int arrow(scn_parser *p, const char *verb, const char *what) {
  const tok *t = scn_peek(p);
  if (t->kind != T_ARROW)
    return wr_scnp_err(p, t, "missing '-> %s' for %s; found %s", what, verb,
                       SCN_FOUND(p, t));
  scn_next(p);
  return 0;
}

/* [-> ok | -> error REASON] */
static int opt_result(scn_parser *p, wr_scn_step *st) {
  if (scn_peek(p)->kind != T_ARROW) {
    st->expect.kind = WR_SCN_EXPECT_OK;
    st->expect.pos = st->pos; /* implied: cite the statement */
    return 0;
  }
  scn_next(p);
  return wr_scnp_expect_result(p, &st->expect);
}

/* Options, then [-> ok | -> error REASON]. Under `-> error einval` the
 * values need not be valid (checking that gen_tcp refuses them is the
 * point), so the options are read for their syntax first and checked once
 * the result is known. */
static int opts_then_result(scn_parser *p, wr_scn_step *st, int listen,
                            int timeout) {
  size_t start = p->i;
  if (sock_opts_t(p, st, 0, 0, timeout ? TIMEOUT_READ : TIMEOUT_NONE) ||
      opt_result(p, st))
    return -1;
  if (st->expect.kind == WR_SCN_EXPECT_ERROR && st->expect.error == WR_EINVAL)
    return 0;
  size_t end = p->i;
  p->i = start;
  if (sock_opts_t(p, st, 1, listen, timeout ? TIMEOUT_SKIP : TIMEOUT_NONE))
    return -1;
  p->i = end;
  return 0;
}

/* Declarations come first, so that a name whose statement has an error
 * is still known: one mistake gives one message, not one per use. */
static int v_listen(scn_parser *p, wr_scn_step *st, const tok *name) {
  st->ep = wr_scnp_declare(p, name, WR_SCN_EP_LISTENER);
  if (st->ep < 0)
    return -1;
  /* The address family first, as gen_tcp's bare `inet6`/`inet` atoms: a
   * connect to this listener then uses its address, whatever family. */
  const tok *fam = scn_peek(p);
  if (wr_scnp_is(fam, "inet6") || wr_scnp_is(fam, "inet")) {
    st->inet6 = wr_scnp_is(fam, "inet6");
    scn_next(p);
  }
  return opts_then_result(p, st, 1, 0);
}

static int v_connect(scn_parser *p, wr_scn_step *st, const tok *name) {
  st->ep = wr_scnp_declare(p, name, WR_SCN_EP_SOCKET);
  if (st->ep < 0)
    return -1;
  const tok *pt = scn_peek(p);
  st->peer = wr_scnp_use(p, pt, SCN_M_LISTENER | SCN_M_TARGET, "connect");
  if (st->peer < 0)
    return -1;
  scn_next(p);
  int is_target = p->s->endpoints[st->peer].kind == WR_SCN_EP_TARGET;
  const tok *kw = scn_peek(p), *acc = NULL;
  int manual = 0;
  if (wr_scnp_is(kw, "as") || wr_scnp_is(kw, "manual")) {
    if (is_target)
      return wr_scnp_err(p, kw,
                         "'%.*s' needs a listener; '%s' is a target, which "
                         "accepts on its own",
                         (int)kw->len, kw->text,
                         p->s->endpoints[st->peer].name);
    scn_next(p);
    if (wr_scnp_is(kw, "as")) {
      acc = scn_peek(p);
      if (acc->kind == T_EOL)
        return wr_scnp_err(p, acc,
                           "missing name after 'as'; expected a name, "
                           "found end of line");
      st->acc = wr_scnp_declare(p, acc, WR_SCN_EP_SOCKET);
      if (st->acc < 0)
        return -1;
      scn_next(p);
    } else {
      manual = 1;
    }
  }
  if (!acc && !manual && !is_target) {
    wr_scn_endpoint *l = &p->s->endpoints[st->peer];
    if (l->listener_named_conn)
      return wr_scnp_err(p, pt,
                         "duplicate endpoint '%s': listener '%s' already names "
                         "its first accepted connection; name this one with "
                         "`as NAME`",
                         l->name, l->name);
    l->listener_named_conn = 1;
    st->acc = st->peer;
  }
  return opts_then_result(p, st, 0, 1);
}

static int v_accept(scn_parser *p, wr_scn_step *st, const tok *name) {
  st->ep = wr_scnp_declare(p, name, WR_SCN_EP_SOCKET);
  if (st->ep < 0)
    return -1;
  st->peer = wr_scnp_use(p, scn_peek(p), SCN_M_LISTENER, "accept");
  if (st->peer < 0)
    return -1;
  scn_next(p);
  return opt_timeout(p, st, "accept") || opt_result(p, st) ? -1 : 0;
}

static int v_send(scn_parser *p, wr_scn_step *st, const tok *name) {
  const tok *t = scn_peek(p);
  if (wr_scnp_is_var(t)) {
    /* The bytes a capture bound, at run time; alone (scenarios.md). */
    int bind;
    st->data_var = wr_scnp_var(p, t, 0, &bind);
    if (st->data_var < 0)
      return -1;
    scn_next(p);
    t = scn_peek(p);
    if (t->kind != T_EOL && t->kind != T_ARROW)
      return wr_scnp_err(p, t,
                         "a variable stands alone: `send $x` sends its "
                         "bytes and nothing else; found %s after it",
                         SCN_FOUND(p, t));
    return opt_result(p, st);
  }
  if (wr_scnp_data(p, "send", &st->data))
    return -1;
  return opt_result(p, st);
}

static int v_recv(scn_parser *p, wr_scn_step *st, const tok *name) {
  const tok *t = scn_peek(p);
  if (t->kind == T_ATOM) {
    if (wr_scnp_number(p, t, "recv length", 0, UINT32_MAX, &st->n))
      return -1;
    st->has_n = 1;
    scn_next(p);
  }
  if (opt_timeout(p, st, "recv") || arrow(p, "recv", "EXPECT"))
    return -1;
  return wr_scnp_expect_recv(p, &st->expect);
}

static int v_message(scn_parser *p, wr_scn_step *st, const tok *name) {
  if (st->kind == WR_SCN_MESSAGES) {
    const tok *t = scn_peek(p);
    if (t->kind != T_ATOM)
      return wr_scnp_err(p, t,
                         "missing message count; expected a number, found "
                         "%s",
                         SCN_FOUND(p, t));
    if (wr_scnp_number(p, t, "message count", 1, UINT32_MAX, &st->n))
      return -1;
    scn_next(p);
  }
  const char *verb = st->kind == WR_SCN_MESSAGES ? "messages" : "message";
  if (opt_timeout(p, st, verb) || arrow(p, verb, "MSG"))
    return -1;
  return wr_scnp_expect_message(p, &st->expect);
}

static int v_nothing(scn_parser *p, wr_scn_step *st, const tok *name) {
  const tok *t = scn_peek(p);
  if (!wr_scnp_is(t, "within"))
    return wr_scnp_err(p, t, "expected 'within T' after nothing, found %s",
                       SCN_FOUND(p, t));
  scn_next(p);
  if (wr_scnp_duration(p, scn_peek(p), "nothing within", &st->t))
    return -1;
  scn_next(p);
  return 0;
}

static int v_drain(scn_parser *p, wr_scn_step *st, const tok *name) {
  if (opt_timeout(p, st, "drain") || arrow(p, "drain", "bytes N"))
    return -1;
  const tok *t = scn_peek(p);
  if (!wr_scnp_is(t, "bytes"))
    return wr_scnp_err(p, t,
                       "expected 'bytes N' after '->' for drain, found %s",
                       SCN_FOUND(p, t));
  scn_next(p);
  t = scn_peek(p);
  if (t->kind != T_ATOM)
    return wr_scnp_err(p, t, "missing byte count; expected a number, found %s",
                       SCN_FOUND(p, t));
  if (wr_scnp_number(p, t, "byte count", 0, UINT64_MAX, &st->n))
    return -1;
  scn_next(p);
  st->has_n = 1;
  return 0;
}

static int v_setopts(scn_parser *p, wr_scn_step *st, const tok *name) {
  size_t start = p->i;
  /* First the syntax and the result: only then is it known whether the
   * values must be valid (they need not be under `-> error einval`). */
  if (sock_opts(p, st, 0, 0))
    return -1;
  if (st->nopts == 0 && !st->refused_opt)
    return wr_scnp_err(p, scn_peek(p),
                       "missing options for setopts; expected "
                       "NAME=VALUE ..., found %s",
                       SCN_FOUND(p, scn_peek(p)));
  if (opt_result(p, st))
    return -1;
  if (st->expect.kind == WR_SCN_EXPECT_ERROR && st->expect.error == WR_EINVAL)
    return 0;
  size_t end = p->i;
  p->i = start;
  if (sock_opts(p, st, 1, 0))
    return -1;
  p->i = end;
  return 0;
}

static int v_getopts(scn_parser *p, wr_scn_step *st, const tok *name) {
  const tok *o = scn_peek(p);
  if (o->kind != T_ATOM || !wr_scnp_is_name(o))
    return wr_scnp_err(p, o,
                       "missing option name for getopts; expected one of: "
                       "%s, found %s",
                       wr_scnp_option_names(), SCN_FOUND(p, o));
  if (!wr_scnp_option_known(o->text, o->len))
    return wr_scnp_err(p, o, "unknown option %s; expected one of: %s",
                       SCN_FOUND(p, o), wr_scnp_option_names());
  scn_next(p);
  if (arrow(p, "getopts", "VALUE"))
    return -1;
  if (wr_scnp_is(scn_peek(p), "error")) {
    /* `-> error einval` on a closed port: the option asked, no value. */
    char oname[64];
    snprintf(oname, sizeof oname, "%.*s", (int)o->len, o->text);
    wr_sockopt asked = {(wr_sockopt_name)wr_sockopt_from_name(oname), 0, 0};
    if (wr_scnp_expect_result(p, &st->expect))
      return -1;
    return wr_scnp_opts_store(p, st, &asked, 1);
  }
  const tok *first;
  const char *text;
  size_t len;
  if (wr_scnp_word(p, &first, &text, &len))
    return wr_scnp_err(p, first,
                       "missing value after '->' for getopts; found end "
                       "of line");
  char oname[64];
  snprintf(oname, sizeof oname, "%.*s", (int)o->len, o->text);
  wr_sockopt opt;
  if (wr_scnp_option_value(p, first->line, first->col, oname, text, len, &opt))
    return -1;
  return wr_scnp_opts_store(p, st, &opt, 1);
}

static int v_shutdown(scn_parser *p, wr_scn_step *st, const tok *name) {
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "read"))
    st->how = WR_SHUT_RD;
  else if (wr_scnp_is(t, "write"))
    st->how = WR_SHUT_WR;
  else if (wr_scnp_is(t, "read_write"))
    st->how = WR_SHUT_RDWR;
  else
    return wr_scnp_err(p, t,
                       "%s shutdown direction; expected read, write or "
                       "read_write, found %s",
                       t->kind == T_EOL ? "missing" : "bad", SCN_FOUND(p, t));
  scn_next(p);
  return opt_result(p, st);
}

static int v_owner(scn_parser *p, wr_scn_step *st, const tok *name) {
  const tok *t = scn_peek(p);
  int k = wr_scnp_find(p, t);
  if (k >= 0)
    k = wr_scnp_use(p, t, SCN_M_SOCKLIKE | SCN_M_MAILBOX, "owner");
  else
    k = wr_scnp_declare(p, t, WR_SCN_EP_MAILBOX);
  if (k < 0)
    return -1;
  st->peer = k;
  scn_next(p);
  return opt_result(p, st);
}

static int v_compare(scn_parser *p, wr_scn_step *st, const tok *name) {
  if (wr_scnp_cmp(p, st))
    return -1;
  const tok *t = scn_peek(p);
  if (t->kind != T_ATOM)
    return wr_scnp_err(p, t, "missing number; expected a number, found %s",
                       SCN_FOUND(p, t));
  if (wr_scnp_number(p, t, wr_scn_kind_name(st->kind), 0, UINT64_MAX, &st->n))
    return -1;
  scn_next(p);
  return 0;
}

static int v_state(scn_parser *p, wr_scn_step *st, const tok *name) {
  if (arrow(p, "state", "STATE"))
    return -1;
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "open"))
    st->state = WR_SOCK_OPEN;
  else if (wr_scnp_is(t, "closed"))
    st->state = WR_SOCK_CLOSED;
  else if (wr_scnp_is(t, "read_closed"))
    st->state = WR_SOCK_READ_CLOSED;
  else if (wr_scnp_is(t, "write_closed"))
    st->state = WR_SOCK_WRITE_CLOSED;
  else
    return wr_scnp_err(p, t,
                       "%s state; expected open, closed, read_closed or "
                       "write_closed, found %s",
                       t->kind == T_EOL ? "missing" : "bad", SCN_FOUND(p, t));
  scn_next(p);
  return 0;
}

/* `sockname -> "IP"` | `peername -> "IP"`: the socket's own or its peer's
 * address, as inet:sockname/peername give it; the port is left out (it is
 * the kernel's or simnet's choice, not the scenario's). */
static int v_addr(scn_parser *p, wr_scn_step *st, const tok *name) {
  const char *verb = st->kind == WR_SCN_SOCKNAME ? "sockname" : "peername";
  if (arrow(p, verb, "\"IP\""))
    return -1;
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "error"))
    return wr_scnp_expect_result(p, &st->expect);
  char text[64] = "";
  if (t->kind == T_STRING && t->slen < sizeof text)
    memcpy(text, scn_sbytes(p, t), t->slen);
  int ok = t->kind == T_STRING && t->slen < sizeof text;
  if (ok && inet_pton(AF_INET, text, st->addr.ip) == 1)
    st->addr.family = 4;
  else if (ok && inet_pton(AF_INET6, text, st->addr.ip) == 1)
    st->addr.family = 6;
  else
    return wr_scnp_err(p, t,
                       "bad address for %s; expected an IP in quotes "
                       "(\"127.0.0.1\", \"::1\") or error REASON, found %s",
                       verb, SCN_FOUND(p, t));
  scn_next(p);
  return 0;
}

/* `stream mark` | `stream -> EXPECT`: the data received since the start
 * or the last mark. */
static int v_stream(scn_parser *p, wr_scn_step *st, const tok *name) {
  p->s->uses_stream = 1;
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "mark")) {
    scn_next(p);
    st->has_n = 1;
    return 0;
  }
  if (t->kind != T_ARROW)
    return wr_scnp_err(p, t,
                       "expected 'mark' or '-> EXPECT' after stream, found %s",
                       SCN_FOUND(p, t));
  scn_next(p);
  return wr_scnp_expect_stream(p, &st->expect);
}

static int v_none(scn_parser *p, wr_scn_step *st, const tok *name) { return 0; }

/* Which names a verb takes: declared by the verb itself (0), sockets, or
 * sockets and mailboxes. */
#define DECL 0u
static const struct {
  const char *verb;
  wr_scn_kind kind;
  unsigned mask;
  int (*fn)(scn_parser *p, wr_scn_step *st, const tok *name);
} verbs[] = {
    {"listen", WR_SCN_LISTEN, DECL, v_listen},
    {"connect", WR_SCN_CONNECT, DECL, v_connect},
    {"accept", WR_SCN_ACCEPT, DECL, v_accept},
    {"send", WR_SCN_SEND, SCN_M_SOCKLIKE, v_send},
    {"recv", WR_SCN_RECV, SCN_M_SOCKLIKE, v_recv},
    {"message", WR_SCN_MESSAGE, SCN_M_SOCKLIKE | SCN_M_MAILBOX, v_message},
    {"messages", WR_SCN_MESSAGES, SCN_M_SOCKLIKE | SCN_M_MAILBOX, v_message},
    {"nothing", WR_SCN_NOTHING, SCN_M_SOCKLIKE | SCN_M_MAILBOX, v_nothing},
    {"drain", WR_SCN_DRAIN, SCN_M_SOCKLIKE | SCN_M_MAILBOX, v_drain},
    {"setopts", WR_SCN_SETOPTS, SCN_M_SOCKLIKE, v_setopts},
    {"getopts", WR_SCN_GETOPTS, SCN_M_SOCKLIKE, v_getopts},
    {"shutdown", WR_SCN_SHUTDOWN, SCN_M_SOCKLIKE, v_shutdown},
    {"close", WR_SCN_CLOSE, SCN_M_SOCKLIKE, v_none},
    {"owner", WR_SCN_OWNER, SCN_M_SOCKLIKE, v_owner},
    {"mailbox", WR_SCN_MAILBOX, SCN_M_SOCKLIKE | SCN_M_MAILBOX, v_compare},
    {"state", WR_SCN_STATE, SCN_M_SOCKLIKE, v_state},
    {"sent", WR_SCN_SENT, SCN_M_SOCKLIKE, v_compare},
    {"received", WR_SCN_RECEIVED, SCN_M_SOCKLIKE, v_compare},
    {"stream", WR_SCN_STREAM, SCN_M_SOCKLIKE | SCN_M_MAILBOX, v_stream},
    {"sockname", WR_SCN_SOCKNAME, SCN_M_SOCKLIKE, v_addr},
    {"peername", WR_SCN_PEERNAME, SCN_M_SOCKLIKE, v_addr},
};

int wr_scnp_verb(scn_parser *p, const tok *name) {
  const tok *vt = scn_peek(p);
  if (vt->kind == T_EOL)
    return wr_scnp_err(p, vt, "missing verb after '%.*s'; expected one of: %s",
                       (int)(name->len < 60 ? name->len : 60), name->text,
                       verb_list);
  size_t k = 0;
  for (; k < sizeof verbs / sizeof verbs[0]; k++)
    if (wr_scnp_is(vt, verbs[k].verb))
      break;
  if (k == sizeof verbs / sizeof verbs[0])
    return wr_scnp_err(p, vt, "unknown verb %s; expected one of: %s",
                       SCN_FOUND(p, vt), verb_list);
  scn_next(p);
  wr_scn_step st = wr_scnp_step_init(p, verbs[k].kind, name);
  if (verbs[k].mask != DECL) {
    st.ep = wr_scnp_use(p, name, verbs[k].mask, verbs[k].verb);
    if (st.ep < 0)
      return -1;
  }
  if (verbs[k].fn(p, &st, name) || wr_scnp_end(p))
    return -1;
  return wr_scnp_step_add(p, &st) ? 0 : -1;
}
