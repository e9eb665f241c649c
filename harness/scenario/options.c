/* gen_tcp options in scenarios. Names and values are checked by the
 * sockets' own parser (wr_sockopt_parse, include/wirerig/sockopt.h), one
 * option at a time, so that a scenario the parser accepts is one the
 * sockets accept and the two can never disagree; this file only maps its
 * messages to the token's column and keeps the text for the runner. */
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

int wr_scnp_option_value(scn_parser *p, uint32_t line, uint32_t col,
                         const char *name, const char *value, size_t vlen) {
  char item[160], err[256];
  size_t nl = strlen(name);
  if (nl + vlen + 2 > sizeof item)
    return wr_scnp_err_at(p, line, col,
                          "bad option value for '%s'; expected at most %zu "
                          "characters, found %zu",
                          name, sizeof item - nl - 2, vlen);
  for (size_t k = 0; k < vlen; k++)
    if (value[k] == ' ' || value[k] == '\t' || value[k] == 0)
      return wr_scnp_err_at(
          p, line, col,
          "bad option value for '%s'; expected a value without "
          "spaces",
          name);
  memcpy(item, name, nl);
  item[nl] = '=';
  memcpy(item + nl + 1, value, vlen);
  item[nl + 1 + vlen] = 0;
  wr_sockopt o;
  if (wr_sockopt_parse(item, &o, 1, err, sizeof err) != 1)
    return wr_scnp_err_at(p, line, col, "bad option value: %s",
                          strip_item(err));
  return 0;
}

int wr_scnp_option(scn_parser *p, const tok *t, int check, wr_scn_opt *out) {
  if (!wr_scnp_is_name(t))
    return wr_scnp_err(p, t, "bad option name; expected a name, found %s",
                       SCN_FOUND(p, t));
  char name[64];
  if (t->len >= sizeof name || !wr_scnp_option_known(t->text, t->len)) {
    if (check) {
      char q[64];
      snprintf(q, sizeof q, "%.*s", (int)(t->len < 60 ? t->len : 60), t->text);
      return wr_scnp_err(p, t, "unknown option '%s'; expected one of: %s", q,
                         wr_scnp_option_names());
    }
  }
  const char *v = t->vtext;
  size_t vlen = t->vlen;
  if (t->vstring) {
    v = (const char *)scn_sbytes(p, t);
    vlen = t->slen;
  }
  if (check) {
    memcpy(name, t->text, t->len);
    name[t->len] = 0;
    if (t->vstring)
      return wr_scnp_err_at(p, t->line, t->vcol,
                            "bad option value for '%s'; expected a value "
                            "without quotes, found a string",
                            name);
    if (wr_scnp_option_value(p, t->line, t->vcol, name, v, vlen))
      return -1;
  }
  out->name = wr_scnp_strdup(p, t->text, t->len);
  out->value = wr_scnp_strdup(p, v, vlen);
  out->pos.file = p->s->file;
  out->pos.line = t->line;
  out->pos.col = t->col;
  return out->name && out->value ? 0 : -1;
}
