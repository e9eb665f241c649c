/* Option names, value checks and the text form (sockopt.h). The accepted
 * ranges are what inet:setopts accepts on OTP 25 (tests/sock/rules.escript
 * asserts them): header, packet_size and send_timeout refuse
 * negative values, buffer, watermarks, line_delimiter and the linger time
 * take any integer and the driver folds it into range. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/error.h"
#include "wirerig/framing.h"
#include "wirerig/sockopt.h"

static const char *const names[] = {
#define WR_SOCKOPT_STR_(id, str) str,
    WR_SOCKOPT_NAMES(WR_SOCKOPT_STR_)
#undef WR_SOCKOPT_STR_
};

const char *wr_sockopt_name_str(wr_sockopt_name name) {
  if ((unsigned)name >= WR_OPT_COUNT_)
    return NULL;
  return names[name];
}

int wr_sockopt_from_name(const char *name) {
  for (int i = 0; i < WR_OPT_COUNT_; i++)
    if (strcmp(names[i], name) == 0)
      return i;
  return -1;
}

static int bad(char *err, size_t errlen, const wr_sockopt *o,
               const char *want) {
  if (err && errlen)
    snprintf(err, errlen, "%s: expected %s, found %" PRId64,
             wr_sockopt_name_str(o->name) ? wr_sockopt_name_str(o->name) : "?",
             want, o->value);
  return WR_EINVAL;
}

/* Integers as Erlang's driver encoding carries them: 32 bits. */
#define I32_MIN_ (-2147483648LL)
#define U32_MAX_ 4294967295LL

int wr_sockopt_check(const wr_sockopt *o, char *err, size_t errlen) {
  int64_t v = o->value;
  switch (o->name) {
  case WR_OPT_ACTIVE:
    if (v == WR_ACTIVE_FALSE || v == WR_ACTIVE_TRUE || v == WR_ACTIVE_ONCE)
      return 0;
    if (v == WR_ACTIVE_N && o->value2 >= -32768 && o->value2 <= 32767)
      return 0;
    if (err && errlen)
      snprintf(err, errlen,
               "active: expected false, true, once or -32768..32767, found "
               "%" PRId64,
               v == WR_ACTIVE_N ? o->value2 : v);
    return WR_EINVAL;
  case WR_OPT_PACKET:
    if (v >= 0 && v < WR_PACKET_TYPE_COUNT)
      return 0;
    return bad(err, errlen, o, "a packet type");
  case WR_OPT_PACKET_SIZE:
  case WR_OPT_HEADER:
    if (v >= 0)
      return 0;
    return bad(err, errlen, o, "a non-negative integer");
  case WR_OPT_SEND_TIMEOUT:
    if (v >= 0 && v <= U32_MAX_)
      return 0;
    if (v == WR_SEND_TIMEOUT_INFINITY)
      return 0;
    return bad(err, errlen, o, "infinity or 0..4294967295 ms");
  case WR_OPT_LINE_DELIMITER:
  case WR_OPT_BUFFER:
  case WR_OPT_HIGH_WATERMARK:
  case WR_OPT_LOW_WATERMARK:
    if (v >= I32_MIN_ && v <= U32_MAX_)
      return 0;
    return bad(err, errlen, o, "a 32-bit integer");
  case WR_OPT_LINGER:
    if ((v == 0 || v == 1) && o->value2 >= I32_MIN_ && o->value2 <= U32_MAX_)
      return 0;
    return bad(err, errlen, o, "{true|false, seconds}");
  case WR_OPT_EXIT_ON_CLOSE:
  case WR_OPT_SHOW_ECONNRESET:
  case WR_OPT_SEND_TIMEOUT_CLOSE:
  case WR_OPT_DELAY_SEND:
  case WR_OPT_NODELAY:
  case WR_OPT_REUSEADDR:
    if (v == 0 || v == 1)
      return 0;
    return bad(err, errlen, o, "true or false");
  case WR_OPT_BACKLOG:
    if (v >= 0 && v <= 65535)
      return 0;
    return bad(err, errlen, o, "0..65535");
  case WR_OPT_SNDBUF:
  case WR_OPT_RECBUF:
  case WR_OPT_PRIORITY:
  case WR_OPT_TOS:
    /* Any integer: inet encodes it in 32 bits (4294967296 is 0) and the
     * kernel clamps or masks it (experiment: inet:setopts(S, [{tos,
     * 4294967296}]) is ok and getopts gives 0). */
    return 0;
  default:
    if (err && errlen)
      snprintf(err, errlen, "unknown option number %d", (int)o->name);
    return WR_EINVAL;
  }
}

/* ---- text form ------------------------------------------------------- */

static int parse_int(const char *s, int64_t *out) {
  if (!*s)
    return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

static int parse_bool(const char *s, int64_t *out) {
  if (strcmp(s, "true") == 0)
    *out = 1;
  else if (strcmp(s, "false") == 0)
    *out = 0;
  else
    return -1;
  return 0;
}

static int parse_char(const char *s, int64_t *out) {
  static const char esc[] = "n\nr\rt\t0\0";
  if (s[0] && !s[1] && !isdigit((unsigned char)s[0])) {
    *out = (unsigned char)s[0];
    return 0;
  }
  if (s[0] == '\\' && s[1] && !s[2]) {
    for (size_t i = 0; i + 1 < sizeof esc; i += 2)
      if (esc[i] == s[1]) {
        *out = (unsigned char)esc[i + 1];
        return 0;
      }
    if (s[1] == '\\' || s[1] == ' ') {
      *out = (unsigned char)s[1];
      return 0;
    }
    return -1;
  }
  return parse_int(s, out);
}

/* Parses value text for one option; returns a description of what was
 * expected on failure, NULL on success. */
static const char *parse_value(wr_sockopt *o, const char *v) {
  switch (o->name) {
  case WR_OPT_ACTIVE:
    if (strcmp(v, "false") == 0)
      o->value = WR_ACTIVE_FALSE;
    else if (strcmp(v, "true") == 0)
      o->value = WR_ACTIVE_TRUE;
    else if (strcmp(v, "once") == 0)
      o->value = WR_ACTIVE_ONCE;
    else if (parse_int(v, &o->value2) == 0)
      o->value = WR_ACTIVE_N;
    else
      return "false, true, once or -32768..32767";
    return NULL;
  case WR_OPT_PACKET: {
    wr_packet_type t;
    if (wr_packet_type_parse(v, &t) != 0)
      return "a packet type (raw, 0, 1, 2, 4, asn1, sunrm, cdr, fcgi, tpkt, "
             "line, http, httph, http_bin, httph_bin)";
    o->value = t;
    return NULL;
  }
  case WR_OPT_SEND_TIMEOUT:
    if (strcmp(v, "infinity") == 0) {
      o->value = WR_SEND_TIMEOUT_INFINITY;
      return NULL;
    }
    /* A literal -1 is not infinity in the text form: gen_tcp refuses it. */
    if (parse_int(v, &o->value) || o->value < 0)
      return "infinity or 0..4294967295 ms";
    return NULL;
  case WR_OPT_LINE_DELIMITER:
    return parse_char(v, &o->value) ? "a character or 0..255" : NULL;
  case WR_OPT_LINGER: {
    const char *comma = strchr(v, ',');
    char on[8];
    if (!comma || (size_t)(comma - v) >= sizeof on)
      return "true,SECONDS or false,SECONDS";
    memcpy(on, v, (size_t)(comma - v));
    on[comma - v] = 0;
    if (parse_bool(on, &o->value) || parse_int(comma + 1, &o->value2))
      return "true,SECONDS or false,SECONDS";
    return NULL;
  }
  case WR_OPT_EXIT_ON_CLOSE:
  case WR_OPT_SHOW_ECONNRESET:
  case WR_OPT_SEND_TIMEOUT_CLOSE:
  case WR_OPT_DELAY_SEND:
  case WR_OPT_NODELAY:
  case WR_OPT_REUSEADDR:
    return parse_bool(v, &o->value) ? "true or false" : NULL;
  default:
    return parse_int(v, &o->value) ? "an integer" : NULL;
  }
}

int wr_sockopt_parse(const char *text, wr_sockopt *opts, size_t max, char *err,
                     size_t errlen) {
  size_t n = 0;
  int item = 0;
  const char *p = text ? text : "";
  for (;;) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      return (int)n;
    const char *end = p;
    /* "\ " inside a value is an escaped space (line_delimiter=\ ). */
    while (*end && *end != ' ' && *end != '\t')
      end += (end[0] == '\\' && end[1]) ? 2 : 1;
    char tok[128];
    size_t tl = (size_t)(end - p);
    item++;
    if (tl >= sizeof tok) {
      snprintf(err, errlen, "option item %d: longer than %zu characters", item,
               sizeof tok - 1);
      return WR_EINVAL;
    }
    memcpy(tok, p, tl);
    tok[tl] = 0;
    p = end;
    char *eq = strchr(tok, '=');
    if (!eq) {
      snprintf(err, errlen, "option item %d '%s': expected NAME=VALUE", item,
               tok);
      return WR_EINVAL;
    }
    *eq = 0;
    int name = wr_sockopt_from_name(tok);
    if (name < 0) {
      snprintf(err, errlen, "option item %d '%s=%s': unknown option '%s'", item,
               tok, eq + 1, tok);
      return WR_EINVAL;
    }
    if (n == max) {
      snprintf(err, errlen, "option item %d: more than %zu options", item, max);
      return WR_EINVAL;
    }
    wr_sockopt o = {(wr_sockopt_name)name, 0, 0};
    const char *want = parse_value(&o, eq + 1);
    char why[160];
    if (!want && wr_sockopt_check(&o, why, sizeof why) != 0) {
      snprintf(err, errlen, "option item %d '%s=%s': %s", item, tok, eq + 1,
               why);
      return WR_EINVAL;
    }
    if (want) {
      snprintf(err, errlen,
               "option item %d '%s=%s': %s: expected %s, found '%s'", item, tok,
               eq + 1, tok, want, eq + 1);
      return WR_EINVAL;
    }
    opts[n++] = o;
  }
}

int wr_sockopt_format(const wr_sockopt *o, char *buf, size_t len) {
  const char *name = wr_sockopt_name_str(o->name);
  if (!name)
    return snprintf(buf, len, "?");
  switch (o->name) {
  case WR_OPT_ACTIVE: {
    static const char *const m[] = {"false", "true", "once"};
    if (o->value == WR_ACTIVE_N)
      return snprintf(buf, len, "active=%" PRId64, o->value2);
    return snprintf(buf, len, "active=%s",
                    o->value >= 0 && o->value < 3 ? m[o->value] : "?");
  }
  case WR_OPT_PACKET:
    return snprintf(buf, len, "packet=%s",
                    wr_packet_type_name((wr_packet_type)o->value));
  case WR_OPT_SEND_TIMEOUT:
    if (o->value == WR_SEND_TIMEOUT_INFINITY)
      return snprintf(buf, len, "send_timeout=infinity");
    break;
  case WR_OPT_LINGER:
    return snprintf(buf, len, "linger=%s,%" PRId64, o->value ? "true" : "false",
                    o->value2);
  case WR_OPT_EXIT_ON_CLOSE:
  case WR_OPT_SHOW_ECONNRESET:
  case WR_OPT_SEND_TIMEOUT_CLOSE:
  case WR_OPT_DELAY_SEND:
  case WR_OPT_NODELAY:
  case WR_OPT_REUSEADDR:
    return snprintf(buf, len, "%s=%s", name, o->value ? "true" : "false");
  default:
    break;
  }
  return snprintf(buf, len, "%s=%" PRId64, name, o->value);
}

int wr_sockopt_equal(const wr_sockopt *a, const wr_sockopt *b) {
  if (a->name != b->name)
    return 0;
  switch (a->name) {
  case WR_OPT_ACTIVE:
    if (a->value != b->value)
      return 0;
    return a->value != WR_ACTIVE_N || a->value2 == b->value2;
  case WR_OPT_LINGER:
    /* Any nonzero on flag is true, as the text form prints it. */
    return !a->value == !b->value && a->value2 == b->value2;
  default:
    return a->value == b->value;
  }
}
