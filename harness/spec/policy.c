/* Segmentation and delay policies: text form, checks, the cut iterator.
 * Everything is integer arithmetic: a policy must mean the same schedule on
 * every machine, so no floating point touches it. */
#include "wirerig/policy.h"

#include "base/errtext.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void wr_policy_init(wr_policy *p) {
  memset(p, 0, sizeof *p);
  p->seg = WR_SEG_WHOLE;
}

/* Parses an unsigned decimal integer at *s (no sign, no spaces); 0 on
 * success, -1 if there is no digit or it overflows. */
static int parse_u64(const char **s, uint64_t *out) {
  const char *p = *s;
  uint64_t v = 0;
  if (!isdigit((unsigned char)*p))
    return -1;
  while (isdigit((unsigned char)*p)) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
    p++;
  }
  *s = p;
  *out = v;
  return 0;
}

/* A decimal number with an optional fraction, scaled by `unit` exactly:
 * "1.5" with unit 1000000 is 1500000. Digits beyond the unit's precision
 * must be zero, so nothing is silently rounded. */
static int scaled(const char *num, size_t len, uint64_t unit, uint64_t *out) {
  uint64_t ip = 0, frac = 0, fscale = 1;
  size_t i = 0;
  int digits = 0;
  for (; i < len && isdigit((unsigned char)num[i]); i++, digits++) {
    unsigned d = (unsigned)(num[i] - '0');
    if (ip > (UINT64_MAX - d) / 10)
      return -1;
    ip = ip * 10 + d;
  }
  if (i < len && num[i] == '.') {
    i++;
    for (; i < len && isdigit((unsigned char)num[i]); i++, digits++) {
      unsigned d = (unsigned)(num[i] - '0');
      if (fscale >= unit) {
        if (d)
          return -2; /* finer than the unit allows */
        continue;
      }
      frac = frac * 10 + d;
      fscale *= 10;
    }
  }
  if (i != len || !digits)
    return -1;
  if (ip > UINT64_MAX / unit)
    return -1;
  uint64_t v = ip * unit;
  uint64_t f = frac * (unit / fscale);
  if (v > UINT64_MAX - f)
    return -1;
  *out = v + f;
  return 0;
}

static size_t numlen(const char *s) {
  size_t i = 0;
  while (isdigit((unsigned char)s[i]) || s[i] == '.')
    i++;
  return i;
}

int wr_parse_time(const char *text, wr_time *out, char *err, size_t errlen) {
  static const struct {
    const char *suffix;
    uint64_t ns;
  } units[] = {
      {"ns", 1}, {"us", 1000}, {"ms", WR_NS_PER_MS}, {"s", WR_NS_PER_SEC}};
  size_t nl = numlen(text);
  const char *suf = text + nl;
  uint64_t unit = 0;
  if (!*suf && nl == 1 && text[0] == '0') {
    *out = 0;
    return 0;
  }
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(suf, units[i].suffix) == 0)
      unit = units[i].ns;
  if (!nl || !unit)
    return wr_errf(err, errlen, WR_EINVAL,
                   "expected a time like 250us, 1.5ms or 2s, found '%s'", text);
  uint64_t v;
  int rc = scaled(text, nl, unit, &v);
  if (rc == -2)
    return wr_errf(err, errlen, WR_EINVAL, "time '%s' is finer than 1ns", text);
  if (rc < 0 || v > WR_POLICY_MAX_DELAY)
    return wr_errf(err, errlen, WR_EINVAL, "time '%s' must be at most 3600s",
                   text);
  *out = v;
  return 0;
}

int wr_parse_rate(const char *text, uint64_t *out, char *err, size_t errlen) {
  static const struct {
    const char *suffix;
    uint64_t bps;
  } units[] = {{"B/s", 1},           {"kB/s", 1000},       {"KB/s", 1000},
               {"KiB/s", 1024},      {"MB/s", 1000000},    {"MiB/s", 1048576},
               {"GB/s", 1000000000}, {"GiB/s", 1073741824}};
  size_t nl = numlen(text);
  const char *suf = text + nl;
  uint64_t unit = 0;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(suf, units[i].suffix) == 0)
      unit = units[i].bps;
  if (!nl || !unit)
    return wr_errf(err, errlen, WR_EINVAL,
                   "expected a rate like 500kB/s, 1MB/s or 2GiB/s, found '%s'",
                   text);
  uint64_t v;
  int rc = scaled(text, nl, unit, &v);
  if (rc == -2)
    return wr_errf(err, errlen, WR_EINVAL, "rate '%s' is finer than 1B/s",
                   text);
  if (rc < 0 || v == 0 || v > 1000000000000ull)
    return wr_errf(err, errlen, WR_EINVAL, "rate '%s' must be 1B/s..1000GB/s",
                   text);
  *out = v;
  return 0;
}

static int parse_size(const char *s, const char *end, uint32_t *out) {
  uint64_t v;
  const char *p = s;
  if (parse_u64(&p, &v) < 0 || p != end || v < 1 || v > WR_POLICY_MAX_SEG)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

/* One item "key:value" (or "whole") of length len, applied to *p. */
static int apply_item(wr_policy *p, const char *item, size_t len, int idx,
                      char *err, size_t errlen) {
  char buf[1024];
  if (len >= sizeof buf)
    return wr_errf(err, errlen, WR_EINVAL,
                   "policy item %d is too long (%zu characters)", idx, len);
  memcpy(buf, item, len);
  buf[len] = 0;
  char *colon = strchr(buf, ':');
  char *val = colon ? colon + 1 : NULL;
  if (colon)
    *colon = 0;
  char sub[512], why[256];
  const char *key = buf;
#define ITEM_ERR(...)                                                          \
  (snprintf(sub, sizeof sub, __VA_ARGS__),                                     \
   wr_errf(err, errlen, WR_EINVAL, "policy item %d '%.*s': %s", idx,           \
           (int)(len > 80 ? 80 : len), item, sub))

  if (strcmp(key, "whole") == 0) {
    if (val)
      return ITEM_ERR("'whole' takes no value");
    p->seg = WR_SEG_WHOLE;
    return 0;
  }
  if (!val)
    return ITEM_ERR("expected one of whole, fixed:N, random:A-B, "
                    "cuts:N,N,..., latency:T, jitter:T-T, bandwidth:R");
  if (strcmp(key, "fixed") == 0) {
    uint32_t n;
    if (parse_size(val, val + strlen(val), &n) < 0)
      return ITEM_ERR("segment size must be 1..%u, found '%.64s'",
                      WR_POLICY_MAX_SEG, val);
    p->seg = WR_SEG_FIXED;
    p->seg_min = p->seg_max = n;
    return 0;
  }
  if (strcmp(key, "random") == 0) {
    char *dash = strchr(val, '-');
    uint32_t a, b;
    if (!dash)
      return ITEM_ERR("expected random:A-B, found '%.64s'", val);
    if (parse_size(val, dash, &a) < 0 ||
        parse_size(dash + 1, dash + 1 + strlen(dash + 1), &b) < 0)
      return ITEM_ERR("segment sizes must be 1..%u, found '%.64s'",
                      WR_POLICY_MAX_SEG, val);
    if (a > b)
      return ITEM_ERR("the smaller size comes first, found %u > %u", a, b);
    p->seg = WR_SEG_RANDOM;
    p->seg_min = a;
    p->seg_max = b;
    return 0;
  }
  if (strcmp(key, "cuts") == 0) {
    wr_policy tmp = *p;
    const char *s = val;
    tmp.ncuts = 0;
    for (;;) {
      uint64_t c;
      if (parse_u64(&s, &c) < 0)
        return ITEM_ERR("expected a byte offset at '%.64s'", s);
      if (c == 0)
        return ITEM_ERR("a cut at offset 0 would make an empty segment");
      if (tmp.ncuts && c <= tmp.cuts[tmp.ncuts - 1])
        return ITEM_ERR("cuts must be strictly increasing, found %llu after "
                        "%llu",
                        (unsigned long long)c,
                        (unsigned long long)tmp.cuts[tmp.ncuts - 1]);
      if (tmp.ncuts == WR_POLICY_MAX_CUTS)
        return ITEM_ERR("at most %d cuts", WR_POLICY_MAX_CUTS);
      tmp.cuts[tmp.ncuts++] = c;
      if (!*s)
        break;
      if (*s != ',')
        return ITEM_ERR("expected ',' or the end, found '%.64s'", s);
      s++;
    }
    tmp.seg = WR_SEG_CUTS;
    *p = tmp;
    return 0;
  }
  if (strcmp(key, "latency") == 0)
    return wr_parse_time(val, &p->latency, why, sizeof why) < 0
               ? ITEM_ERR("%s", why)
               : 0;
  if (strcmp(key, "jitter") == 0) {
    /* The separator is the '-' that follows a unit letter. */
    char *dash = NULL;
    for (char *q = val; *q; q++)
      if (*q == '-' && q > val && isalpha((unsigned char)q[-1])) {
        dash = q;
        break;
      }
    if (!dash && (dash = strchr(val, '-')) == NULL)
      return ITEM_ERR("expected jitter:MIN-MAX like 1ms-5ms, found '%.64s'",
                      val);
    *dash = 0;
    wr_time a, b;
    if (wr_parse_time(val, &a, why, sizeof why) < 0 ||
        wr_parse_time(dash + 1, &b, why, sizeof why) < 0)
      return ITEM_ERR("%s", why);
    if (a > b)
      return ITEM_ERR("the smaller time comes first");
    p->jitter_min = a;
    p->jitter_max = b;
    return 0;
  }
  if (strcmp(key, "bandwidth") == 0)
    return wr_parse_rate(val, &p->bandwidth, why, sizeof why) < 0
               ? ITEM_ERR("%s", why)
               : 0;
  return ITEM_ERR(
      "unknown policy '%.64s'; expected whole, fixed, random, cuts, "
      "latency, jitter or bandwidth",
      key);
#undef ITEM_ERR
}

int wr_policy_apply(wr_policy *p, const char *text, char *err, size_t errlen) {
  if (!p || !text)
    return wr_errf(err, errlen, WR_EINVAL, "no policy given");
  wr_policy tmp = *p;
  const char *s = text;
  int idx = 0;
  for (;;) {
    while (isspace((unsigned char)*s))
      s++;
    if (!*s)
      break;
    const char *e = s;
    while (*e && !isspace((unsigned char)*e))
      e++;
    int rc = apply_item(&tmp, s, (size_t)(e - s), ++idx, err, errlen);
    if (rc < 0)
      return rc;
    s = e;
  }
  *p = tmp;
  return 0;
}

int wr_policy_parse(const char *text, wr_policy *p, char *err, size_t errlen) {
  wr_policy tmp;
  wr_policy_init(&tmp);
  int rc = wr_policy_apply(&tmp, text, err, errlen);
  if (rc == 0 && p)
    *p = tmp;
  return rc;
}

int wr_policy_check(const wr_policy *p, char *err, size_t errlen) {
  if (!p)
    return wr_errf(err, errlen, WR_EINVAL, "no policy given");
  switch (p->seg) {
  case WR_SEG_WHOLE:
    break;
  case WR_SEG_FIXED:
  case WR_SEG_RANDOM:
    if (p->seg_min < 1 || p->seg_max > WR_POLICY_MAX_SEG ||
        p->seg_min > p->seg_max)
      return wr_errf(err, errlen, WR_EINVAL,
                     "segment sizes must satisfy 1 <= min <= max <= %u, found "
                     "%u..%u",
                     WR_POLICY_MAX_SEG, p->seg_min, p->seg_max);
    if (p->seg == WR_SEG_FIXED && p->seg_min != p->seg_max)
      return wr_errf(err, errlen, WR_EINVAL,
                     "fixed segments need min == max, found %u..%u", p->seg_min,
                     p->seg_max);
    break;
  case WR_SEG_CUTS:
    if (p->ncuts > WR_POLICY_MAX_CUTS)
      return wr_errf(err, errlen, WR_EINVAL, "at most %d cuts, found %u",
                     WR_POLICY_MAX_CUTS, p->ncuts);
    for (uint32_t i = 0; i < p->ncuts; i++) {
      if (p->cuts[i] == 0)
        return wr_errf(err, errlen, WR_EINVAL, "cut %u is at offset 0", i + 1);
      if (i && p->cuts[i] <= p->cuts[i - 1])
        return wr_errf(
            err, errlen, WR_EINVAL,
            "cuts must be strictly increasing, found %llu after %llu",
            (unsigned long long)p->cuts[i], (unsigned long long)p->cuts[i - 1]);
    }
    break;
  default:
    return wr_errf(err, errlen, WR_EINVAL, "unknown segmentation policy %d",
                   (int)p->seg);
  }
  if (p->latency > WR_POLICY_MAX_DELAY || p->jitter_max > WR_POLICY_MAX_DELAY)
    return wr_errf(err, errlen, WR_EINVAL, "delays must be at most 3600s");
  if (p->jitter_min > p->jitter_max)
    return wr_errf(
        err, errlen, WR_EINVAL, "jitter min %llu ns is above max %llu ns",
        (unsigned long long)p->jitter_min, (unsigned long long)p->jitter_max);
  if (p->bandwidth > 1000000000000ull)
    return wr_errf(err, errlen, WR_EINVAL,
                   "bandwidth must be at most 1000GB/s");
  return 0;
}

int wr_policy_check_stream(const wr_policy *p, uint64_t stream_len, char *err,
                           size_t errlen) {
  int rc = wr_policy_check(p, err, errlen);
  if (rc < 0)
    return rc;
  if (p->seg == WR_SEG_CUTS)
    for (uint32_t i = 0; i < p->ncuts; i++)
      if (p->cuts[i] >= stream_len)
        return wr_errf(
            err, errlen, WR_EINVAL,
            "cut %u at offset %llu is beyond the stream: cuts must be "
            "1..%llu for a %llu-byte stream",
            i + 1, (unsigned long long)p->cuts[i],
            (unsigned long long)(stream_len ? stream_len - 1 : 0),
            (unsigned long long)stream_len);
  return 0;
}

static int fmt_time(char *buf, size_t len, wr_time t) {
  if (t == 0)
    return snprintf(buf, len, "0");
  if (t % WR_NS_PER_SEC == 0)
    return snprintf(buf, len, "%llus", (unsigned long long)(t / WR_NS_PER_SEC));
  if (t % WR_NS_PER_MS == 0)
    return snprintf(buf, len, "%llums", (unsigned long long)(t / WR_NS_PER_MS));
  if (t % 1000 == 0)
    return snprintf(buf, len, "%lluus", (unsigned long long)(t / 1000));
  return snprintf(buf, len, "%lluns", (unsigned long long)t);
}

int wr_policy_format(const wr_policy *p, char *buf, size_t len) {
  char tmp[2048];
  size_t used = 0;
#define PUT(...)                                                               \
  do {                                                                         \
    int w_ = snprintf(tmp + used, sizeof tmp - used, __VA_ARGS__);             \
    if (w_ > 0)                                                                \
      used +=                                                                  \
          (size_t)w_ < sizeof tmp - used ? (size_t)w_ : sizeof tmp - used - 1; \
  } while (0)
  switch (p->seg) {
  case WR_SEG_FIXED:
    PUT("fixed:%u", p->seg_min);
    break;
  case WR_SEG_RANDOM:
    PUT("random:%u-%u", p->seg_min, p->seg_max);
    break;
  case WR_SEG_CUTS:
    PUT("cuts:");
    for (uint32_t i = 0; i < p->ncuts && i < WR_POLICY_MAX_CUTS; i++)
      PUT("%s%llu", i ? "," : "", (unsigned long long)p->cuts[i]);
    if (!p->ncuts) { /* "cuts:" alone would not parse back */
      used -= 5;
      PUT("whole");
    }
    break;
  default:
    PUT("whole");
    break;
  }
  char t1[32], t2[32];
  if (p->latency) {
    fmt_time(t1, sizeof t1, p->latency);
    PUT(" latency:%s", t1);
  }
  if (p->jitter_max) {
    fmt_time(t1, sizeof t1, p->jitter_min);
    fmt_time(t2, sizeof t2, p->jitter_max);
    PUT(" jitter:%s-%s", t1, t2);
  }
  if (p->bandwidth)
    PUT(" bandwidth:%lluB/s", (unsigned long long)p->bandwidth);
#undef PUT
  return snprintf(buf, len, "%s", tmp);
}

/* ---- the cut iterator --------------------------------------------------- */

int wr_cut_iter_init(wr_cut_iter *it, uint64_t len, uint32_t max_cuts,
                     char *err, size_t errlen) {
  if (!it)
    return wr_errf(err, errlen, WR_EINVAL, "no iterator given");
  if (len < 1)
    return wr_errf(err, errlen, WR_EINVAL,
                   "a cut schedule needs a stream of at least 1 "
                   "byte, found 0");
  if (max_cuts > len - 1)
    max_cuts = (uint32_t)(len - 1);
  if (max_cuts > WR_POLICY_MAX_CUTS)
    return wr_errf(err, errlen, WR_EINVAL,
                   "at most %d cuts per schedule, found %u", WR_POLICY_MAX_CUTS,
                   max_cuts);
  memset(it, 0, sizeof *it);
  it->len = len;
  it->max_cuts = max_cuts;
  return 0;
}

/* Advances pos[0..k) to the next k-combination of 1..len-1 in
 * lexicographic order; 0 when there is none. */
static int next_comb(uint64_t *pos, uint32_t k, uint64_t len) {
  for (uint32_t j = k; j-- > 0;) {
    /* pos[j] may go up to len - 1 - (k - 1 - j). */
    if (pos[j] < len - 1 - (k - 1 - j)) {
      pos[j]++;
      for (uint32_t i = j + 1; i < k; i++)
        pos[i] = pos[i - 1] + 1;
      return 1;
    }
  }
  return 0;
}

int wr_cut_iter_next(wr_cut_iter *it, const wr_policy *base, wr_policy *out) {
  if (it->state == 2)
    return 0;
  if (it->state == 0) {
    it->state = 1;
    it->k = 0;
  } else if (!next_comb(it->pos, it->k, it->len)) {
    if (it->k == it->max_cuts) {
      it->state = 2;
      return 0;
    }
    it->k++;
    for (uint32_t i = 0; i < it->k; i++)
      it->pos[i] = i + 1;
  }
  if (base)
    *out = *base;
  else
    wr_policy_init(out);
  out->seg = WR_SEG_CUTS;
  out->ncuts = it->k;
  memcpy(out->cuts, it->pos, it->k * sizeof it->pos[0]);
  return 1;
}

uint64_t wr_cut_iter_count(uint64_t len, uint32_t max_cuts) {
  if (len < 1)
    return 0;
  uint64_t n = len - 1, total = 0, c = 1; /* c = C(n, k) */
  if (max_cuts > n)
    max_cuts = (uint32_t)n;
  for (uint64_t k = 0; k <= max_cuts; k++) {
    if (total > UINT64_MAX - c)
      return UINT64_MAX;
    total += c;
    if (k == n)
      break;
    /* C(n, k+1) = C(n, k) * (n - k) / (k + 1), exact in 128 bits. */
    unsigned __int128 next = (unsigned __int128)c * (n - k) / (k + 1);
    if (next > UINT64_MAX)
      return UINT64_MAX;
    c = (uint64_t)next;
  }
  return total;
}
