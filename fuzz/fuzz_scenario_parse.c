/* Fuzz target: the scenario parser (harness/scenario) on arbitrary text.
 *
 * Beyond "no crash, no leak, no hang", every run checks what the runner
 * relies on: a scenario without errors has every endpoint index in range,
 * every position inside the input, every HTTP expectation normalised and
 * every byte string within the data cap; a scenario with errors has them
 * in source order, at real positions, with a message, and no more than the
 * cap plus its note. file() is disabled so the fuzzer never touches the
 * file system, and the data cap is small so that repetitions stay cheap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/error.h"
#include "wirerig/scenario.h"

#define FUZZ_MAX_DATA (64u * 1024u)

static void fail(const char *what) {
  fprintf(stderr, "fuzz_scenario_parse: invariant broken: %s\n", what);
  abort();
}

static void check_pos(const wr_scn_pos *pos, uint32_t lines) {
  if (pos->line < 1 || pos->line > lines || pos->col < 1)
    fail("a step's position outside the input");
}

static void check_ep(const wr_scenario *s, int k, int may_be_none) {
  if (k == -1 && may_be_none)
    return;
  if (k < 0 || (size_t)k >= s->nendpoints)
    fail("an endpoint index out of range");
}

/* Normalised: no space or tab outside strings and quoted atoms, both
 * closed. */
static int normalised(const char *t) {
  char in = 0; /* the open quote, or 0 */
  for (; *t; t++) {
    if (in == '"' && *t == '\\' && t[1])
      t++;
    else if (!in && (*t == '"' || *t == '\''))
      in = *t;
    else if (in && *t == in)
      in = 0;
    else if (!in && (*t == ' ' || *t == '\t'))
      return 0;
  }
  return !in;
}

static void check_expect(const wr_scn_expect *e) {
  if (e->kind == WR_SCN_EXPECT_HTTP) {
    /* Typed: written back it reads as one normalised term, and its
     * strings are within the data cap. */
    if (!e->http)
      fail("an HTTP expectation without its term");
    int n = wr_scn_http_render(e->http, NULL, 0);
    char *t = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (!t)
      fail("an HTTP term that writes as nothing");
    wr_scn_http_render(e->http, t, (size_t)n + 1);
    if (!normalised(t))
      fail("an HTTP term not normalised");
    free(t);
    const wr_scn_bytes *strs[] = {&e->http->method, &e->http->uri_s1,
                                  &e->http->uri_s2, &e->http->reason,
                                  &e->http->field,  &e->http->raw_field,
                                  &e->http->value,  &e->http->line};
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
      if (strs[k]->len > FUZZ_MAX_DATA || (strs[k]->len && !strs[k]->ptr))
        fail("an HTTP term string over the cap");
  }
  /* error 0 is `error _`, any reason, and says so in its text. */
  if (e->kind == WR_SCN_EXPECT_ERROR &&
      (e->error > 0 || !e->reason ||
       (e->error == 0 && strcmp(e->reason, "_") != 0)))
    fail("an error expectation without a reason");
  if (e->bytes.len > FUZZ_MAX_DATA || (e->bytes.len && !e->bytes.ptr))
    fail("expected bytes over the cap");
}

static void check_block(const wr_scenario *s, const wr_scn_block *b,
                        uint32_t lines, int depth) {
  if (depth > 64)
    fail("repeat blocks nested deeper than the parser allows");
  for (size_t k = 0; k < b->n; k++) {
    const wr_scn_step *st = &b->steps[k];
    check_pos(&st->pos, lines);
    check_ep(s, st->ep, 1);
    check_ep(s, st->peer, 1);
    check_ep(s, st->acc, 1);
    if (st->data.len > FUZZ_MAX_DATA || (st->data.len && !st->data.ptr))
      fail("data over the cap");
    /* Options are typed once, by the parser: each is one gen_tcp accepts
     * (refused ones exist only under -> error einval, kept as text). */
    for (size_t j = 0; j < st->nopts; j++)
      if (wr_sockopt_check(&st->opts[j], NULL, 0) != 0)
        fail("an option the sockets refuse");
    if (st->refused_opt && (st->expect.kind != WR_SCN_EXPECT_ERROR ||
                            st->expect.error != WR_EINVAL))
      fail("a refused option outside -> error einval");
    check_expect(&st->expect);
    if (st->kind == WR_SCN_REPEAT)
      check_block(s, &st->body, lines, depth + 1);
    else if (st->kind == WR_SCN_SPAWN && depth == 0)
      check_block(s, &st->body, lines, depth + 1);
    else if (st->kind == WR_SCN_SPAWN)
      fail("a spawn inside a block");
    else if (st->body.n)
      fail("a body on a step that is not a repeat or a spawn");
    /* Processes: spawn, await and kill name a process, spawned once. */
    if ((st->kind == WR_SCN_SPAWN || st->kind == WR_SCN_AWAIT ||
         st->kind == WR_SCN_KILL) &&
        (st->ep < 0 || !s->endpoints[st->ep].process))
      fail("a process step on a name that is not a process");
    if (st->kind >= WR_SCN_NET_POLICY && st->kind < WR_SCN_NET_REFUSE &&
        (st->ep < 0 || st->peer < 0))
      fail("a net directive without its direction");
    /* Variables: a use names one the file declared, by index. */
    if (st->expect.kind == WR_SCN_EXPECT_VAR &&
        (st->expect.var < 1 || (size_t)st->expect.var > s->nvars ||
         !st->expect.var_name))
      fail("a variable expectation without its variable");
    if (st->data_var && (st->data_var < 1 || (size_t)st->data_var > s->nvars))
      fail("a sent variable that was never declared");
    if (st->kind == WR_SCN_NET_POLICY && !st->policy)
      fail("a net policy step without a policy");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wr_scn_config cfg = {.max_data = FUZZ_MAX_DATA, .no_files = 1};
  wr_scenario *s = wr_scn_parse("fuzz.scn", (const char *)data, size, &cfg);
  if (!s)
    return 0; /* out of memory is allowed, crashing is not */
  uint32_t lines = 1;
  for (size_t k = 0; k < size; k++)
    lines += data[k] == '\n';
  if (s->nerrors > WR_SCN_MAX_ERRORS + 1 || s->nerrors > s->nerrors_total)
    fail("error count over the cap");
  for (size_t k = 0; k < s->nerrors; k++) {
    const wr_scn_error *e = &s->errors[k];
    if (e->line < 1 || e->line > lines || e->col < 1 || !e->msg[0])
      fail("an error without a real position or message");
    if (k > 0 &&
        (s->errors[k - 1].line > e->line ||
         (s->errors[k - 1].line == e->line && s->errors[k - 1].col > e->col)))
      fail("errors out of source order");
    char buf[WR_SCN_MSG_MAX + 64];
    if (wr_scn_error_format(s, e, buf, sizeof buf) <= 0)
      fail("an error that formats to nothing");
  }
  if (s->nerrors == 0) {
    for (size_t k = 0; k < s->nendpoints; k++) {
      if (!s->endpoints[k].name || !s->endpoints[k].name[0])
        fail("an endpoint without a name");
      int in = s->endpoints[k].proc - 1; /* -1: main */
      if (in != -1 &&
          (in < 0 || (size_t)in >= s->nendpoints || !s->endpoints[in].process))
        fail("an endpoint declared in something that is not a process");
    }
    check_block(s, &s->steps, lines, 0);
  }
  wr_scn_free(s);
  return 0;
}
