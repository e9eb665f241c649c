/* `net` directives: policies, buffer sizes, resets, drops, stalls and
 * refusals, per direction A->B (or A<->B). Policy items go through
 * wr_policy_apply one at a time, so an error points at its item. */
#include <stdio.h>
#include <string.h>

#include "scn_int.h"

#define NET_MASK (SCN_M_SOCKLIKE | SCN_M_TARGET)

/* "policy item 1 'fixed:0': segment size ..." -> "segment size ...": the
 * column already says which item. */
static const char *strip_item(const char *err) {
  if (strncmp(err, "policy item ", 12) == 0) {
    const char *q = strstr(err, "': ");
    if (q)
      return q + 3;
  }
  return err;
}

static int net_policy(scn_parser *p, wr_scn_step *st) {
  wr_policy *pol = wr_scnp_alloc(p, sizeof *pol);
  if (!pol)
    return -1;
  wr_policy_init(pol);
  while (scn_peek(p)->kind != T_EOL) {
    const tok *first;
    const char *text;
    size_t len;
    wr_scnp_word(p, &first, &text, &len);
    char item[128], err[256], q[80];
    snprintf(q, sizeof q, "%.*s", (int)(len < 70 ? len : 70), text);
    if (first->kind != T_ATOM)
      return wr_scnp_err(p, first,
                         "bad policy item '%s'; expected whole, fixed:N, "
                         "random:A-B, cuts:N,N..., latency:T, jitter:T-T or "
                         "bandwidth:RATE",
                         q);
    if (len >= sizeof item)
      return wr_scnp_err(p, first, "bad policy item '%s...'; it is too long",
                         q);
    memcpy(item, text, len);
    item[len] = 0;
    if (wr_policy_apply(pol, item, err, sizeof err) != 0)
      return wr_scnp_err(p, first, "bad policy item '%s': %s", q,
                         strip_item(err));
  }
  char err[256];
  if (wr_policy_check(pol, err, sizeof err) != 0)
    return wr_scnp_err(p, &p->t[0], "bad policy: %s", err);
  st->policy = pol;
  return 0;
}

static int net_buffers(scn_parser *p, wr_scn_step *st) {
  st->kind = WR_SCN_NET_BUFFERS;
  for (;;) {
    const tok *t = scn_peek(p);
    if (t->kind == T_EOL)
      return 0;
    uint64_t *dst = NULL;
    if (t->kind == T_OPT && t->len == 6 && memcmp(t->text, "sndbuf", 6) == 0)
      dst = &st->sndbuf;
    else if (t->kind == T_OPT && t->len == 6 &&
             memcmp(t->text, "rcvbuf", 6) == 0)
      dst = &st->rcvbuf;
    else if (t->kind == T_OPT)
      return wr_scnp_err(p, t,
                         "unknown option '%.*s' for net; expected sndbuf=N "
                         "or rcvbuf=N",
                         (int)(t->len < 60 ? t->len : 60), t->text);
    else
      return wr_scnp_err(p, t, "expected sndbuf=N or rcvbuf=N, found %s",
                         SCN_FOUND(p, t));
    /* The value as an atom token of its own, for wr_scnp_number's message. */
    tok v = *t;
    v.kind = t->vstring ? T_STRING : T_ATOM;
    v.text = t->vtext;
    v.len = t->vlen;
    v.col = t->vcol;
    if (wr_scnp_number(p, &v, "buffer size", 1, UINT32_MAX, dst))
      return -1;
    scn_next(p);
  }
}

int wr_scnp_net(scn_parser *p, const tok *kw) {
  wr_scn_step st = wr_scnp_step_init(p, WR_SCN_NET_POLICY, kw);
  const tok *a = scn_peek(p);
  if (a->kind == T_EOL)
    return wr_scnp_err(p, a,
                       "missing direction after net; expected A->B, A<->B "
                       "or LISTENER refuse on|off, found end of line");
  scn_next(p);
  const tok *dir = scn_peek(p);
  if (wr_scnp_is(dir, "refuse")) {
    st.kind = WR_SCN_NET_REFUSE;
    st.ep = wr_scnp_use(p, a, SCN_M_LISTENER, "net ... refuse");
    if (st.ep < 0)
      return -1;
    scn_next(p);
    const tok *t = scn_peek(p);
    if (wr_scnp_is(t, "on"))
      st.on = 1;
    else if (!wr_scnp_is(t, "off"))
      return wr_scnp_err(p, t, "expected on or off after refuse, found %s",
                         SCN_FOUND(p, t));
    scn_next(p);
    if (wr_scnp_end(p))
      return -1;
    return wr_scnp_step_add(p, &st) ? 0 : -1;
  }
  if (dir->kind != T_ARROW && dir->kind != T_BIARROW)
    return wr_scnp_err(p, dir,
                       "expected '->' or '<->' after '%.*s' (a direction "
                       "A->B), found %s",
                       (int)(a->len < 60 ? a->len : 60), a->text,
                       SCN_FOUND(p, dir));
  st.both = dir->kind == T_BIARROW;
  scn_next(p);
  const tok *b = scn_peek(p);
  st.ep = wr_scnp_use(p, a, NET_MASK, "net");
  if (st.ep < 0)
    return -1;
  if (b->kind == T_EOL)
    return wr_scnp_err(p, b,
                       "missing peer after '%s'; expected a name, found end "
                       "of line",
                       st.both ? "<->" : "->");
  st.peer = wr_scnp_use(p, b, NET_MASK, "net");
  if (st.peer < 0)
    return -1;
  if (st.peer == st.ep)
    return wr_scnp_err(p, b,
                       "a direction needs two different endpoints, found "
                       "'%s' twice",
                       p->s->endpoints[st.ep].name);
  scn_next(p);
  const tok *t = scn_peek(p);
  if (t->kind == T_EOL)
    return wr_scnp_err(p, t,
                       "missing policy or action after the direction; "
                       "expected policy items, sndbuf=N, reset, drop, "
                       "stall or release");
  int rc;
  if (t->kind == T_OPT) {
    rc = net_buffers(p, &st);
  } else if (wr_scnp_is(t, "reset")) {
    st.kind = WR_SCN_NET_RESET;
    scn_next(p);
    const tok *how = scn_peek(p);
    if (wr_scnp_is(how, "after")) {
      scn_next(p);
      const tok *n = scn_peek(p);
      if (n->kind != T_ATOM)
        return wr_scnp_err(p, n,
                           "missing byte count after 'reset after'; "
                           "expected a number, found %s",
                           SCN_FOUND(p, n));
      rc = wr_scnp_number(p, n, "reset after", 0, UINT64_MAX, &st.n);
      st.has_n = 1;
      scn_next(p);
    } else if (wr_scnp_is(how, "at")) {
      scn_next(p);
      rc = wr_scnp_duration(p, scn_peek(p), "reset at", &st.t);
      scn_next(p);
    } else {
      return wr_scnp_err(p, how,
                         "expected 'after N' or 'at T' after reset, "
                         "found %s",
                         SCN_FOUND(p, how));
    }
  } else if (wr_scnp_is(t, "drop") || wr_scnp_is(t, "release")) {
    st.kind = wr_scnp_is(t, "drop") ? WR_SCN_NET_DROP : WR_SCN_NET_RELEASE;
    scn_next(p);
    rc = 0;
  } else if (wr_scnp_is(t, "stall")) {
    st.kind = WR_SCN_NET_STALL;
    scn_next(p);
    rc = 0;
    if (scn_peek(p)->kind != T_EOL) {
      rc = wr_scnp_duration(p, scn_peek(p), "stall", &st.t);
      scn_next(p);
    }
  } else {
    rc = net_policy(p, &st);
  }
  if (rc || wr_scnp_end(p))
    return -1;
  return wr_scnp_step_add(p, &st) ? 0 : -1;
}
