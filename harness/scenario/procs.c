/* Processes: `spawn NAME { ... }`, `await NAME [timeout=T] [-> normal |
 * -> killed]` and `kill NAME` (docs/scenarios.md, "Processes").
 *
 * A spawn block is a process's steps; it is declared once, at the top of
 * the file (not inside a repeat or another spawn), so that a name always
 * stands for one process. The name is also the process's mailbox: `owner
 * S NAME` hands a socket to it and `message NAME` reads what it got. */
#include <stdlib.h>
#include <string.h>

#include "scn_int.h"

/* The name after await or kill: a process spawned above. */
static int process_name(scn_parser *p, const tok *kw, const char *verb) {
  const tok *t = scn_peek(p);
  if (t->kind == T_EOL)
    return wr_scnp_err(p, t,
                       "missing process name after '%s'; expected a name "
                       "spawned above, found end of line",
                       verb);
  int k = wr_scnp_find(p, t);
  if (k < 0 || !wr_scnp_is_name(t))
    return wr_scnp_err(p, t,
                       "unknown process %s for %s; expected a name spawned "
                       "above (spawn NAME { ... })",
                       SCN_FOUND(p, t), verb);
  if (!p->s->endpoints[k].process)
    return wr_scnp_err(p, t,
                       "'%s' is not a process (only spawn NAME { ... } "
                       "makes one); %s needs a process",
                       p->s->endpoints[k].name, verb);
  if (k == p->proc && strcmp(verb, "await") == 0)
    return wr_scnp_err(p, t,
                       "process '%s' cannot await itself (it would wait for "
                       "its own end)",
                       p->s->endpoints[k].name);
  (void)kw;
  scn_next(p);
  return k;
}

int wr_scnp_spawn(scn_parser *p, const tok *kw) {
  wr_scn_step st = wr_scnp_step_init(p, WR_SCN_SPAWN, kw);
  int bad = 0;
  if (p->depth > 1)
    bad = wr_scnp_err(p, kw,
                      "spawn is allowed only at the top of the file, not "
                      "inside a %s block; spawn every process at the top",
                      p->blocks[p->depth - 1].spawn ? "spawn" : "repeat") != 0;
  const tok *name = scn_peek(p);
  if (bad) {
    /* reported */
  } else if (name->kind == T_LB || name->kind == T_EOL) {
    bad = wr_scnp_err(p, name,
                      "missing process name after 'spawn'; expected a "
                      "name, found %s",
                      SCN_FOUND(p, name)) != 0;
  } else {
    st.ep = wr_scnp_declare(p, name, WR_SCN_EP_MAILBOX);
    bad = st.ep < 0;
    if (!bad)
      p->s->endpoints[st.ep].process = 1;
  }
  if (name->kind != T_LB && name->kind != T_EOL)
    scn_next(p);
  const tok *lb = scn_peek(p);
  if (!bad && lb->kind != T_LB)
    return wr_scnp_err(p, lb, "expected '{' after spawn %s, found %s",
                       p->s->endpoints[st.ep].name, SCN_FOUND(p, lb));
  /* A mistake in the header still opens the block when the line ends
   * with '{', so that its '}' closes it: one mistake, one message. */
  size_t k = p->i;
  while (p->t[k].kind != T_EOL)
    k++;
  if (k == 0 || p->t[k - 1].kind != T_LB)
    return -1;
  if (!bad) {
    scn_next(p);
    if (wr_scnp_end(p))
      return -1;
  }
  p->s->uses_procs = 1;
  scn_blockbuild *b = wr_scnp_block_open(p, &st, kw);
  if (!b)
    return -1;
  b->quiet = bad;
  b->spawn = 1;
  if (!bad)
    p->proc = st.ep;
  return bad ? -1 : 0;
}

int wr_scnp_await(scn_parser *p, const tok *kw) {
  wr_scn_step st = wr_scnp_step_init(p, WR_SCN_AWAIT, kw);
  st.ep = process_name(p, kw, "await");
  if (st.ep < 0)
    return -1;
  for (const tok *t = scn_peek(p); t->kind == T_OPT; t = scn_peek(p)) {
    if (t->len != 7 || memcmp(t->text, "timeout", 7) != 0)
      return wr_scnp_err(p, t,
                         "unknown option '%.*s' for await; expected timeout=T",
                         (int)(t->len < 60 ? t->len : 60), t->text);
    if (wr_scnp_timeout(p, t, &st))
      return -1;
    scn_next(p);
  }
  st.expect.kind = WR_SCN_EXPECT_OK;
  st.expect.pos = st.pos;
  if (scn_peek(p)->kind == T_ARROW) {
    scn_next(p);
    const tok *t = scn_peek(p);
    st.expect.pos.line = t->line;
    st.expect.pos.col = t->col;
    if (wr_scnp_is(t, "killed"))
      st.on = 1;
    else if (!wr_scnp_is(t, "normal"))
      return wr_scnp_err(p, t,
                         "bad exit reason after '->' for await; expected "
                         "normal or killed, found %s",
                         SCN_FOUND(p, t));
    scn_next(p);
  }
  if (wr_scnp_end(p))
    return -1;
  return wr_scnp_step_add(p, &st) ? 0 : -1;
}

int wr_scnp_kill(scn_parser *p, const tok *kw) {
  wr_scn_step st = wr_scnp_step_init(p, WR_SCN_KILL, kw);
  st.ep = process_name(p, kw, "kill");
  if (st.ep < 0 || wr_scnp_end(p))
    return -1;
  st.expect.kind = WR_SCN_EXPECT_OK;
  st.expect.pos = st.pos;
  return wr_scnp_step_add(p, &st) ? 0 : -1;
}
