/* See scn_dump.h. Only fields that differ from their zero value are
 * written, so each table row states what matters to it. */
#include "scn_dump.h"

#include <inttypes.h>
#include <stdlib.h>

static const char *ep_name(const wr_scenario *s, int k) {
  return k >= 0 && (size_t)k < s->nendpoints ? s->endpoints[k].name : "?";
}

static void dump_expect(const wr_scn_expect *e, tu_str *o) {
  static const char *const msgs[] = {"",           "tcp ",       "http ",
                                     "tcp_closed", "tcp_error ", "tcp_passive"};
  tu_str_printf(o, " expect=%s", msgs[e->msg]);
  switch (e->kind) {
  case WR_SCN_EXPECT_OK:
    tu_str_printf(o, "ok");
    break;
  case WR_SCN_EXPECT_BYTES:
    tu_str_quote(o, e->bytes.ptr, e->bytes.len);
    break;
  case WR_SCN_EXPECT_COUNT:
    tu_str_printf(o, "bytes %" PRIu64, e->count);
    break;
  case WR_SCN_EXPECT_HTTP: {
    /* The typed term written back: every field shows, and its strings
     * are lists or binaries as e->http->strings says. */
    if (e->msg != WR_SCN_MSG_HTTP)
      tu_str_printf(o, "http ");
    int n = wr_scn_http_render(e->http, NULL, 0);
    char *t = malloc((size_t)n + 1);
    if (t) {
      wr_scn_http_render(e->http, t, (size_t)n + 1);
      tu_str_printf(o, "%s", t);
      free(t);
    }
    break;
  }
  case WR_SCN_EXPECT_ERROR:
    tu_str_printf(o, "%s%s", e->msg ? "" : "error ", e->reason);
    break;
  case WR_SCN_EXPECT_ANY:
    if (e->msg == WR_SCN_MSG_NONE || e->msg == WR_SCN_MSG_TCP)
      tu_str_printf(o, "any");
    break;
  case WR_SCN_EXPECT_VAR:
    tu_str_printf(o, "$%s#%d%s", e->var_name, e->var, e->bind ? " bind" : "");
    break;
  case WR_SCN_EXPECT_PREFIX:
    tu_str_printf(o, "prefix ");
    tu_str_quote(o, e->bytes.ptr, e->bytes.len);
    break;
  case WR_SCN_EXPECT_LEN:
    tu_str_printf(o, "len %" PRIu64, e->count);
    break;
  }
  tu_str_printf(o, "@%u:%u", (unsigned)e->pos.line, (unsigned)e->pos.col);
}

static void dump_block(const wr_scenario *s, const wr_scn_block *b, int depth,
                       tu_str *o) {
  for (size_t k = 0; k < b->n; k++) {
    const wr_scn_step *st = &b->steps[k];
    tu_str_printf(o, "%*s%u:%u %s", depth * 2, "", (unsigned)st->pos.line,
                  (unsigned)st->pos.col, wr_scn_kind_name(st->kind));
    if (st->ep >= 0 && st->peer >= 0 && st->kind >= WR_SCN_NET_POLICY &&
        st->kind <= WR_SCN_NET_REFUSE)
      tu_str_printf(o, " %s%s%s", ep_name(s, st->ep), st->both ? "<->" : "->",
                    ep_name(s, st->peer));
    else if (st->ep >= 0)
      tu_str_printf(o, " %s", ep_name(s, st->ep));
    if (st->peer >= 0 && st->kind < WR_SCN_NET_POLICY)
      tu_str_printf(o, " peer=%s", ep_name(s, st->peer));
    if (st->acc >= 0)
      tu_str_printf(o, " acc=%s", ep_name(s, st->acc));
    if (st->nopts) {
      /* Typed: written back in the options' canonical text form. */
      tu_str_printf(o, " opts=[");
      for (size_t j = 0; j < st->nopts; j++) {
        char opt[96];
        wr_sockopt_format(&st->opts[j], opt, sizeof opt);
        tu_str_printf(o, "%s%s", j ? " " : "", opt);
      }
      tu_str_printf(o, "]");
    }
    if (st->refused_opt)
      tu_str_printf(o, " refused=\"%s\"", st->refused_opt);
    if (st->kind == WR_SCN_SEND) {
      tu_str_printf(o, " data=");
      tu_str_quote(o, st->data.ptr, st->data.len);
    }
    if (st->n || st->has_n)
      tu_str_printf(o, " n=%" PRIu64, st->n);
    if (st->t)
      tu_str_printf(o, " t=%" PRIu64 "ns", (uint64_t)st->t);
    if (st->has_timeout)
      tu_str_printf(o, " timeout=%" PRIu64 "ns", (uint64_t)st->timeout);
    if (st->kind == WR_SCN_MAILBOX || st->kind == WR_SCN_SENT ||
        st->kind == WR_SCN_RECEIVED || st->kind == WR_SCN_ELAPSED)
      tu_str_printf(o, " %s", wr_scn_cmp_name(st->cmp));
    if (st->kind == WR_SCN_SHUTDOWN)
      tu_str_printf(o, " how=%d", (int)st->how);
    if (st->kind == WR_SCN_STATE)
      tu_str_printf(o, " state=%d", (int)st->state);
    if (st->kind == WR_SCN_NET_REFUSE)
      tu_str_printf(o, " %s", st->on ? "on" : "off");
    if (st->kind == WR_SCN_AWAIT)
      tu_str_printf(o, " exit=%s@%u:%u", st->on ? "killed" : "normal",
                    (unsigned)st->expect.pos.line,
                    (unsigned)st->expect.pos.col);
    if (st->sndbuf)
      tu_str_printf(o, " sndbuf=%" PRIu64, st->sndbuf);
    if (st->rcvbuf)
      tu_str_printf(o, " rcvbuf=%" PRIu64, st->rcvbuf);
    if (st->policy) {
      char pol[256];
      wr_policy_format(st->policy, pol, sizeof pol);
      tu_str_printf(o, " policy=\"%s\"", pol);
    }
    if (st->kind == WR_SCN_SEND || st->kind == WR_SCN_RECV ||
        st->kind == WR_SCN_MESSAGE || st->kind == WR_SCN_MESSAGES ||
        st->kind == WR_SCN_SETOPTS || st->kind == WR_SCN_SHUTDOWN ||
        st->kind == WR_SCN_ACCEPT || st->kind == WR_SCN_OWNER ||
        (st->kind == WR_SCN_STREAM && !st->has_n))
      dump_expect(&st->expect, o);
    if (st->kind == WR_SCN_STREAM && st->has_n)
      tu_str_printf(o, " mark");
    if (st->data_var)
      tu_str_printf(o, " data=$%s", s->vars[st->data_var - 1]);
    /* listen and connect: only a result the file writes (an implied ok
     * cites the statement itself). */
    if ((st->kind == WR_SCN_LISTEN || st->kind == WR_SCN_CONNECT) &&
        (st->expect.pos.line != st->pos.line ||
         st->expect.pos.col != st->pos.col))
      dump_expect(&st->expect, o);
    tu_str_printf(o, "\n");
    if (st->kind == WR_SCN_REPEAT || st->kind == WR_SCN_SPAWN) {
      dump_block(s, &st->body, depth + 1, o);
      tu_str_printf(o, "%*s}\n", depth * 2, "");
    }
  }
}

void scn_dump(const wr_scenario *s, tu_str *o) {
  static const char *const kinds[] = {"listener", "socket", "target",
                                      "mailbox"};
  if (s->seeds || s->transports || s->exhaustive)
    tu_str_printf(
        o, "header seeds=%" PRIu64 " transports=%d exhaustive=%d/%" PRIu64 "\n",
        s->seeds, (int)s->transports, s->exhaustive, s->exhaustive_limit);
  for (size_t k = 0; k < s->nendpoints; k++) {
    const wr_scn_endpoint *e = &s->endpoints[k];
    tu_str_printf(o, "ep %s %s %u:%u", e->name, kinds[e->kind],
                  (unsigned)e->pos.line, (unsigned)e->pos.col);
    if (e->listener_named_conn)
      tu_str_printf(o, " named_conn");
    if (e->process)
      tu_str_printf(o, " process");
    if (e->proc > 0)
      tu_str_printf(o, " in=%s", s->endpoints[e->proc - 1].name);
    if (e->command)
      tu_str_printf(o, " cmd=\"%s\"", e->command);
    if (e->ready)
      tu_str_printf(o, " ready=\"%s\"", e->ready);
    if (e->shim_reads)
      tu_str_printf(o, " shim=\"%s\"", e->shim_reads);
    if (e->shim_writes)
      tu_str_printf(o, " shim_writes=\"%s\"", e->shim_writes);
    if (e->shim_conn)
      tu_str_printf(o, " shim_conn=\"%s\"", e->shim_conn);
    if (e->timeout)
      tu_str_printf(o, " timeout=%" PRIu64 "ns", (uint64_t)e->timeout);
    if (e->host)
      tu_str_printf(o, " at=%s:%u", e->host, (unsigned)e->port);
    tu_str_printf(o, "\n");
  }
  dump_block(s, &s->steps, 0, o);
}
