/* A segmentation policy per connection (policy.h, "one policy per
 * connection"): the preload shim reads it from its environment and the
 * scenario parser checks a target's `shim_conn=` with it, so both agree on
 * one syntax. Pure: no I/O. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "wirerig/policy.h"

static int conn_number(const char *s, size_t n, uint64_t *out) {
  uint64_t v = 0;
  if (n == 0 || n > 19)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return 0;
}

int wr_conn_policies_parse(const char *text, wr_conn_policies *out, char *err,
                           size_t errlen) {
  wr_conn_policies t;
  memset(&t, 0, sizeof t);
  const char *p = text;
  int item = 0;
  while (*p) {
    const char *semi = strchr(p, ';');
    size_t n = semi ? (size_t)(semi - p) : strlen(p);
    item++;
    char one[WR_POLICY_MAX_CUTS * 24 + 64];
    if (n >= sizeof one) {
      snprintf(err, errlen, "connection policy item %d: longer than %zu bytes",
               item, sizeof one - 1);
      return WR_EINVAL;
    }
    memcpy(one, p, n);
    one[n] = '\0';
    const char *eq = strchr(one, '=');
    uint64_t conn;
    if (!eq || conn_number(one, (size_t)(eq - one), &conn) < 0) {
      snprintf(err, errlen,
               "connection policy item %d '%s': expected CONN=POLICY with "
               "CONN a connection number (0 is the first), e.g. 0=cuts:3,7",
               item, one);
      return WR_EINVAL;
    }
    for (uint32_t i = 0; i < t.n; i++)
      if (t.v[i].conn == conn) {
        snprintf(err, errlen,
                 "connection policy item %d '%s': connection %llu given "
                 "twice",
                 item, one, (unsigned long long)conn);
        return WR_EINVAL;
      }
    if (t.n == WR_CONN_POLICIES_MAX) {
      snprintf(err, errlen,
               "connection policy item %d: more than %d connections", item,
               WR_CONN_POLICIES_MAX);
      return WR_EINVAL;
    }
    wr_policy pol;
    char perr[300];
    if (wr_policy_parse(eq + 1, &pol, perr, sizeof perr) < 0) {
      snprintf(err, errlen, "connection policy item %d: %s", item, perr);
      return WR_EINVAL;
    }
    if (pol.latency || pol.jitter_max || pol.bandwidth) {
      snprintf(err, errlen,
               "connection policy item %d '%s': latency, jitter and "
               "bandwidth do not apply (the shim cuts calls)",
               item, one);
      return WR_EINVAL;
    }
    t.v[t.n].conn = conn;
    t.v[t.n].seg = pol;
    t.n++;
    if (!semi)
      break;
    p = semi + 1;
    if (!*p) {
      snprintf(err, errlen, "connection policy: nothing after the last ';'");
      return WR_EINVAL;
    }
  }
  *out = t;
  return 0;
}

int wr_conn_policies_format(const wr_conn_policies *l, char *buf, size_t len) {
  size_t n = 0;
  if (len)
    buf[0] = '\0';
  for (uint32_t i = 0; i < l->n; i++) {
    char pol[WR_POLICY_MAX_CUTS * 24 + 64];
    wr_policy q = l->v[i].seg;
    if (q.seg == WR_SEG_CUTS && q.ncuts == 0)
      q.seg = WR_SEG_WHOLE; /* "cuts:" with no cut is not valid text */
    wr_policy_format(&q, pol, sizeof pol);
    int k =
        snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0, "%s%llu=%s",
                 i ? ";" : "", (unsigned long long)l->v[i].conn, pol);
    if (k > 0)
      n += (size_t)k;
  }
  return (int)n;
}

const wr_policy *wr_conn_policies_find(const wr_conn_policies *l,
                                       uint64_t conn) {
  for (uint32_t i = 0; i < l->n; i++)
    if (l->v[i].conn == conn)
      return &l->v[i].seg;
  return NULL;
}
