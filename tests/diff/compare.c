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
static const char *str_member(const json_t *v, const char *key) {
  const json_t *m = json_object_get(v, key);
  return json_is_string(m) ? json_string_value(m) : "?";
}

/* Path steps for equal_at: ".key" (no dot at the root) and "[i]". */
static void path_key(char *path, size_t size, size_t at, const char *key) {
  char q[64];
  if (at < size)
    snprintf(path + at, size - at, "%s%s", at ? "." : "",
             wr_cli_quote(key, strlen(key), q, sizeof q));
}

static void path_index(char *path, size_t size, size_t at, size_t index) {
  if (at < size)
    snprintf(path + at, size - at, "[%zu]", index);
}

/* Structural equality: object members in any order, numbers by value (1
 * and 1.0 are equal: the two writers may spell a number differently),
 * strings byte for byte (NULs included). When they differ, path says
 * where ("packet.uri.port", "version[1]", "" for the top). json_equal
 * would do without the path and without 1 == 1.0. */
static int equal_at(const json_t *a, const json_t *b, char *path, size_t size,
                    size_t at) {
  if (at < size)
    path[at] = '\0';
  if (json_is_number(a) && json_is_number(b)) {
    if (json_is_integer(a) && json_is_integer(b))
      return json_integer_value(a) == json_integer_value(b);
    return json_number_value(a) == json_number_value(b);
  }
  if (json_typeof(a) != json_typeof(b))
    return 0;
  switch (json_typeof(a)) {
  case JSON_STRING:
    return json_string_length(a) == json_string_length(b) &&
           memcmp(json_string_value(a), json_string_value(b),
                  json_string_length(a)) == 0;
  case JSON_ARRAY: {
    size_t na = json_array_size(a), nb = json_array_size(b);
    for (size_t j = 0; j < na && j < nb; j++) {
      path_index(path, size, at, j);
      if (!equal_at(json_array_get(a, j), json_array_get(b, j), path, size,
                    strlen(path)))
        return 0;
    }
    if (na != nb) {
      path_index(path, size, at, na < nb ? na : nb);
      return 0;
    }
    break;
  }
  case JSON_OBJECT: {
    /* Keys are unique (duplicates are refused when parsing), so "every
     * member of a is in b with an equal value, and the counts match" is
     * equality. */
    const char *key;
    json_t *va;
    json_object_foreach((json_t *)a, key, va) {
      const json_t *vb = json_object_get(b, key);
      path_key(path, size, at, key);
      if (!vb || !equal_at(va, vb, path, size, strlen(path)))
        return 0;
    }
    if (json_object_size(a) != json_object_size(b)) {
      json_t *vb;
      json_object_foreach((json_t *)b, key, vb) {
        if (!json_object_get(a, key)) { /* name a key only b has */
          path_key(path, size, at, key);
          break;
        }
      }
      return 0;
    }
    break;
  }
  default: /* null, true, false: the type is the value */
    break;
  }
  if (at < size)
    path[at] = '\0';
  return 1;
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
    json_error_t err;
    json_t *jc = wr_json_load(c, nc, &err);
    if (!jc) {
      fprintf(stderr, PROG ": %s:%zu: column %d: %s\n", argv[1], total,
              err.column, err.text);
      rc = 2;
      break;
    }
    json_t *je = wr_json_load(e, ne, &err);
    if (!je) {
      fprintf(stderr, PROG ": %s:%zu: column %d: %s\n", argv[2], total,
              err.column, err.text);
      json_decref(jc);
      rc = 2;
      break;
    }
    tally *t = tally_for(tallies, &ntallies, str_member(jc, "packet"));
    t->cases++;
    char path[256] = "";
    json_t *ja = wr_json_load(a, na, &err);
    int same;
    if (!ja) {
      snprintf(path, sizeof path,
               "(wirerig's answer is not JSON: column %d: %s)", err.column,
               err.text);
      same = 0;
    } else if (strcmp(str_member(je, "result"), "bad_input") == 0) {
      same = strcmp(str_member(ja, "result"), "bad_input") == 0;
      if (!same)
        snprintf(path, sizeof path, "result");
    } else {
      same = equal_at(je, ja, path, sizeof path, 0);
    }
    json_decref(jc);
    json_decref(je);
    json_decref(ja);
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
  free(cases.data);
  free(exp.data);
  free(act.data);
  return rc;
}
