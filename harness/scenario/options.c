/* gen_tcp options in scenarios. Names and values are parsed by the
 * sockets' own parser (wr_sockopt_parse, include/wirerig/sockopt.h), one
 * option at a time, so that a scenario the parser accepts is one the
 * sockets accept and the two can never disagree. The step keeps the typed
 * result: the runner applies it on every seed and schedule without going
 * through text again. This file maps the parser's messages to the token's
 * column. */
#include <stdio.h>
#include <string.h>

#include "scn_int.h"
#include "wirerig/sockopt.h"

int wr_scnp_option_known(const char *name, size_t len) {
  char buf[64];
  if (len >= sizeof buf)
    return 0;
  memcpy(buf, name, len);
  buf[len] = 0;
  return wr_sockopt_from_name(buf) >= 0;
}

const char *wr_scnp_option_names(void) {
  static char list[400];
  if (!list[0]) {
    size_t o = 0;
    for (int k = 0; k < WR_OPT_COUNT_; k++) {
      int n = snprintf(list + o, sizeof list - o, "%s%s", k ? " " : "",
                       wr_sockopt_name_str((wr_sockopt_name)k));
      if (n < 0 || (size_t)n >= sizeof list - o)
        break;
      o += (size_t)n;
    }
  }
  return list;
}

/* The message of wr_sockopt_parse for one item starts with "option item 1
 * 'NAME=VALUE': "; the column already says which item, so drop it. */
static const char *strip_item(const char *err) {
  if (strncmp(err, "option item ", 12) == 0) {
    const char *q = strstr(err, "': ");
    if (q)
      return q + 3;
  }
  return err;
}

/* NAME=VALUE through wr_sockopt_parse: 0 with *out, or -1 with why in err
 * (item 1 of the parser's message stripped). */
static int opt_parse(const char *name, size_t nl, const char *value,
                     size_t vlen, wr_sockopt *out, char *err, size_t errlen) {
  char item[160], perr[256];
  if (nl + vlen + 2 > sizeof item) {
    snprintf(err, errlen,
             "bad option value for '%.*s'; expected at most %zu characters, "
             "found %zu",
             (int)(nl < 60 ? nl : 60), name,
             nl + 2 < sizeof item ? sizeof item - nl - 2 : 0, vlen);
    return -1;
  }
  for (size_t k = 0; k < vlen; k++)
    if (value[k] == ' ' || value[k] == '\t' || value[k] == 0) {
      snprintf(err, errlen,
               "bad option value for '%.*s'; expected a value without "
               "spaces",
               (int)nl, name);
      return -1;
    }
  memcpy(item, name, nl);
  item[nl] = '=';
  memcpy(item + nl + 1, value, vlen);
  item[nl + 1 + vlen] = 0;
  if (wr_sockopt_parse(item, out, 1, perr, sizeof perr) != 1) {
    snprintf(err, errlen, "bad option value: %s", strip_item(perr));
    return -1;
  }
  return 0;
}

int wr_scnp_option_value(scn_parser *p, uint32_t line, uint32_t col,
                         const char *name, const char *value, size_t vlen,
                         wr_sockopt *out) {
  char err[300];
  if (opt_parse(name, strlen(name), value, vlen, out, err, sizeof err))
    return wr_scnp_err_at(p, line, col, "%s", err);
  return 0;
}

int wr_scnp_option(scn_parser *p, const tok *t, int check, wr_sockopt *out,
                   const char **refused) {
  *refused = NULL;
  if (!wr_scnp_is_name(t))
    return wr_scnp_err(p, t, "bad option name; expected a name, found %s",
                       SCN_FOUND(p, t));
  int known = t->len < 64 && wr_scnp_option_known(t->text, t->len);
  if (!known && check) {
    char q[64];
    snprintf(q, sizeof q, "%.*s", (int)(t->len < 60 ? t->len : 60), t->text);
    return wr_scnp_err(p, t, "unknown option '%s'; expected one of: %s", q,
                       wr_scnp_option_names());
  }
  const char *v = t->vtext;
  size_t vlen = t->vlen;
  if (t->vstring) {
    v = (const char *)scn_sbytes(p, t);
    vlen = t->slen;
  }
  if (check) {
    char name[64];
    memcpy(name, t->text, t->len);
    name[t->len] = 0;
    if (t->vstring)
      return wr_scnp_err_at(p, t->line, t->vcol,
                            "bad option value for '%s'; expected a value "
                            "without quotes, found a string",
                            name);
    return wr_scnp_option_value(p, t->line, t->vcol, name, v, vlen, out);
  }
  /* Syntax only (`-> error einval`): what gen_tcp would refuse is kept as
   * written, for the runner to refuse. */
  char err[300];
  if (known && !t->vstring &&
      opt_parse(t->text, t->len, v, vlen, out, err, sizeof err) == 0)
    return 0;
  size_t n = t->len + 1 + t->vlen;
  char *text = wr_scnp_alloc(p, n + 1);
  if (!text)
    return -1;
  memcpy(text, t->text, t->len);
  text[t->len] = '=';
  memcpy(text + t->len + 1, t->vtext, t->vlen);
  text[n] = 0;
  *refused = text;
  memset(out, 0, sizeof *out);
  return 0;
}
