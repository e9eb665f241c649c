/* Compares Erlang's answers with wirerig's, case by case, as JSON values.
 *
 *   wr_diff_compare CASES EXPECTED ACTUAL [MAX_SHOWN]
 *
 * The three files are JSON lines: the questions, Erlang's answers and
 * wirerig's answers, in the same order. Two answers agree when they are
 * equal as JSON (member order and number spelling do not matter), except
 * that where Erlang raised badarg ("bad_input") only the result kind is
 * compared, since wirerig's answer adds a detail Erlang does not have.
 * Prints each disagreement (the first MAX_SHOWN, default 40, in full), a
 * count per packet type and "N cases, N agree"; exits 1 on any
 * disagreement, 2 when a file is unreadable or malformed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "json.h"

#define PROG "wr_diff_compare"

typedef struct lines {
  uint8_t *data;
  size_t len, pos, lineno;
} lines;

static int lines_open(lines *l, const char *path) {
  memset(l, 0, sizeof *l);
  return wr_cli_read_all(PROG, path, &l->data, &l->len);
}

/* The next line or NULL at the end. */
static const char *lines_next(lines *l, size_t *n) {
  if (l->pos >= l->len)
    return NULL;
  const char *s = (const char *)l->data + l->pos;
  const char *nl = memchr(s, '\n', l->len - l->pos);
  *n = nl ? (size_t)(nl - s) : l->len - l->pos;
  l->pos += *n + (nl ? 1 : 0);
  l->lineno++;
  return s;
}

/* The string member key of v, or "?". */
static const char *str_member(const wr_json *v, const char *key) {
  const wr_json *m = wr_json_get(v, key);
  return m && m->type == WR_JSON_STRING ? m->u.str.ptr : "?";
}

#define MAX_TYPES 32

typedef struct tally {
  char type[16];
  size_t cases, bad;
} tally;

static tally *tally_for(tally *t, size_t *nt, const char *type) {
  for (size_t j = 0; j < *nt; j++)
    if (strcmp(t[j].type, type) == 0)
      return &t[j];
  if (*nt == MAX_TYPES)
    return &t[MAX_TYPES - 1];
  memset(&t[*nt], 0, sizeof t[*nt]);
  snprintf(t[*nt].type, sizeof t[*nt].type, "%s", type);
  return &t[(*nt)++];
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: %s CASES EXPECTED ACTUAL [MAX_SHOWN]\n", PROG);
    return 2;
  }
  uint64_t max_shown = 40;
  if (argc == 5 &&
      wr_cli_parse_uint(PROG, "MAX_SHOWN", argv[4], 0, 1000000, &max_shown))
    return 2;
  lines cases, exp, act;
  if (lines_open(&cases, argv[1]) || lines_open(&exp, argv[2]) ||
      lines_open(&act, argv[3]))
    return 2;
  wr_json_doc *dc = wr_json_doc_new(), *de = wr_json_doc_new(),
              *da = wr_json_doc_new();
  if (!dc || !de || !da) {
    fprintf(stderr, PROG ": out of memory\n");
    return 2;
  }
  tally tallies[MAX_TYPES];
  size_t ntallies = 0, total = 0, agree = 0, shown = 0;
  int rc = 0;
  for (;;) {
    size_t nc, ne, na;
    const char *c = lines_next(&cases, &nc);
    const char *e = lines_next(&exp, &ne);
    const char *a = lines_next(&act, &na);
    if (!c && !e && !a)
      break;
    if (!c || !e || !a) {
      fprintf(stderr,
              PROG ": the files have different numbers of lines: after line "
                   "%zu, %s ended first\n",
              total,
              !c   ? argv[1]
              : !e ? argv[2]
                   : argv[3]);
      rc = 2;
      break;
    }
    total++;
    wr_json_error err;
    const wr_json *jc = wr_json_parse(dc, c, nc, NULL, &err);
    if (!jc) {
      fprintf(stderr, PROG ": %s:%zu: %s\n", argv[1], total, err.text);
      rc = 2;
      break;
    }
    const wr_json *je = wr_json_parse(de, e, ne, NULL, &err);
    if (!je) {
      fprintf(stderr, PROG ": %s:%zu: %s\n", argv[2], total, err.text);
      rc = 2;
      break;
    }
    tally *t = tally_for(tallies, &ntallies, str_member(jc, "packet"));
    t->cases++;
    char path[256] = "";
    const wr_json *ja = wr_json_parse(da, a, na, NULL, &err);
    int same;
    if (!ja) {
      snprintf(path, sizeof path, "(wirerig's answer is not JSON: %s)",
               err.text);
      same = 0;
    } else if (strcmp(str_member(je, "result"), "bad_input") == 0) {
      same = strcmp(str_member(ja, "result"), "bad_input") == 0;
      if (!same)
        snprintf(path, sizeof path, "result");
    } else {
      same = wr_json_equal(je, ja, path, sizeof path);
    }
    if (same) {
      agree++;
      continue;
    }
    t->bad++;
    if (shown++ < max_shown)
      printf("DISAGREE case %zu (line %zu of %s), differs at %s\n"
             "  input:   %.*s\n  erlang:  %.*s\n  wirerig: %.*s\n",
             total, total, argv[1], path[0] ? path : "(top level)", (int)nc, c,
             (int)ne, e, (int)na, a);
  }
  if (rc == 0) {
    if (shown > max_shown)
      printf("... %zu more disagreements not shown\n", shown - max_shown);
    if (agree != total) {
      printf("disagreements per packet type:\n");
      for (size_t j = 0; j < ntallies; j++)
        if (tallies[j].bad)
          printf("  %-10s %zu of %zu\n", tallies[j].type, tallies[j].bad,
                 tallies[j].cases);
    }
    printf("%zu cases, %zu agree\n", total, agree);
    rc = agree == total && total > 0 ? 0 : 1;
    if (total == 0)
      printf("no cases: the generator produced nothing\n");
  }
  wr_json_doc_free(dc);
  wr_json_doc_free(de);
  wr_json_doc_free(da);
  free(cases.data);
  free(exp.data);
  free(act.data);
  return rc;
}
