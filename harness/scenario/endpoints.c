/* Endpoint names: declared once (listen, connect, accept, target, owner),
 * used by name afterwards. A use before the declaration, a second
 * declaration and a use of the wrong kind are errors at the use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_int.h"

/* Statement keywords cannot name endpoints: `net listen` would read as a
 * network directive. */
static const char *const reserved[] = {
    "scenario", "seeds", "transports", "exhaustive", "target", "wait", "repeat",
    "elapsed",  "net",   "spawn",      "await",      "kill",   NULL};

static const char *kind_name(wr_scn_ep_kind k) {
  switch (k) {
  case WR_SCN_EP_LISTENER:
    return "a listener";
  case WR_SCN_EP_SOCKET:
    return "a socket";
  case WR_SCN_EP_TARGET:
    return "a target";
  case WR_SCN_EP_MAILBOX:
    return "a mailbox";
  }
  return "?";
}

int wr_scnp_find(const scn_parser *p, const tok *t) {
  const wr_scenario *s = p->s;
  for (size_t k = 0; k < s->nendpoints; k++) {
    const char *n = s->endpoints[k].name;
    if (strlen(n) == t->len && memcmp(n, t->text, t->len) == 0)
      return (int)k;
  }
  return -1;
}

static int check_name(scn_parser *p, const tok *t, const char *role) {
  if (t->kind == T_EOL)
    return wr_scnp_err(p, t, "missing %s; expected a name, found end of line",
                       role);
  if (!wr_scnp_is_name(t) || t->kind != T_ATOM)
    return wr_scnp_err(p, t,
                       "bad %s; expected a name ([A-Za-z_][A-Za-z0-9_.-]*), "
                       "found %s",
                       role, SCN_FOUND(p, t));
  if (t->len > 64)
    return wr_scnp_err(p, t, "bad %s; names are at most 64 characters", role);
  return 0;
}

int wr_scnp_declare(scn_parser *p, const tok *t, wr_scn_ep_kind k) {
  if (check_name(p, t, "endpoint name"))
    return -1;
  for (size_t r = 0; reserved[r]; r++)
    if (wr_scnp_is(t, reserved[r]))
      return wr_scnp_err(p, t, "'%s' is a keyword; expected an endpoint name",
                         reserved[r]);
  int prev = wr_scnp_find(p, t);
  if (prev >= 0) {
    const wr_scn_endpoint *e = &p->s->endpoints[prev];
    return wr_scnp_err(p, t,
                       "duplicate endpoint '%s'; already declared at line %u "
                       "column %u",
                       e->name, (unsigned)e->pos.line, (unsigned)e->pos.col);
  }
  if (scn_in_repeat(p))
    return wr_scnp_err(
        p, t,
        "cannot declare '%.*s' inside a repeat block (it would be "
        "declared once per round); declare it before the block",
        (int)t->len, t->text);
  wr_scenario *s = p->s;
  if (s->nendpoints >= WR_SCN_MAX_ENDPOINTS)
    return wr_scnp_err(p, t, "too many endpoints (more than %d)",
                       WR_SCN_MAX_ENDPOINTS);
  wr_scn_endpoint *ne = realloc(s->endpoints, (s->nendpoints + 1) * sizeof *ne);
  if (!ne) {
    p->oom = 1;
    return -1;
  }
  s->endpoints = ne;
  wr_scn_endpoint *e = &ne[s->nendpoints];
  memset(e, 0, sizeof *e);
  e->name = wr_scnp_strdup(p, t->text, t->len);
  if (!e->name)
    return -1;
  e->kind = k;
  e->proc = p->proc + 1; /* scenario.h: 0 is main */
  e->pos.file = s->file;
  e->pos.line = t->line;
  e->pos.col = t->col;
  return (int)s->nendpoints++;
}

int wr_scnp_use(scn_parser *p, const tok *t, unsigned mask, const char *role) {
  char what[64];
  snprintf(what, sizeof what, "endpoint name for %s", role);
  if (check_name(p, t, what))
    return -1;
  int k = wr_scnp_find(p, t);
  if (k < 0)
    return wr_scnp_err(
        p, t,
        "unknown endpoint '%.*s'; expected a name declared above "
        "(by listen, connect, accept, target or owner)",
        (int)t->len, t->text);
  wr_scn_ep_kind kind = p->s->endpoints[k].kind;
  if (!(mask & (1u << kind))) {
    const char *want = mask == SCN_M_LISTENER ? "a listener"
                       : mask == (SCN_M_LISTENER | SCN_M_TARGET)
                           ? "a listener or a target"
                       : (mask & SCN_M_MAILBOX) ? "a socket or a mailbox"
                       : (mask & SCN_M_TARGET)  ? "a socket or a target"
                                                : "a socket";
    return wr_scnp_err(p, t, "'%.*s' is %s; %s needs %s", (int)t->len, t->text,
                       kind_name(kind), role, want);
  }
  return k;
}
