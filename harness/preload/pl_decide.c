/* The shim's decisions as pure functions (pl_decide.h). No I/O, no global
 * state, no floating point: a seed must mean the same cuts on every
 * machine and in every process of a run. */
#include "pl_decide.h"

#include "base/errtext.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

void wr_pl_cfg_init(wr_pl_cfg *c) {
  memset(c, 0, sizeof *c);
  wr_policy_init(&c->reads);
  wr_policy_init(&c->writes);
}

int wr_pl_policy_parse(const char *text, wr_policy *out, char *err,
                       size_t errlen) {
  wr_policy p;
  if (wr_policy_parse(text, &p, err, errlen) < 0)
    return WR_EINVAL;
  if (p.latency || p.jitter_max || p.bandwidth)
    return wr_errf(err, errlen, WR_EINVAL,
                   "policy '%s': latency, jitter and bandwidth are not "
                   "supported here (the shim cuts calls, it does not delay "
                   "bytes); use whole, fixed:N, random:A-B or cuts:LIST",
                   text);
  *out = p;
  return 0;
}

/* Unsigned decimal of a whole token [s, e); -1 if not all digits or
 * overflowing. */
static int u64_of(const char *s, const char *e, uint64_t *out) {
  uint64_t v = 0;
  if (s == e)
    return -1;
  for (; s < e; s++) {
    if (!isdigit((unsigned char)*s))
      return -1;
    unsigned d = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

/* "0.25" -> 250000 parts per million, exactly; "1" -> 1000000. */
static int ppm_of(const char *s, const char *e, uint32_t *out) {
  uint64_t ip = 0, frac = 0;
  const char *dot = memchr(s, '.', (size_t)(e - s));
  if (u64_of(s, dot ? dot : e, &ip) < 0)
    return -1;
  if (dot) {
    int nd = 0;
    for (const char *q = dot + 1; q < e; q++, nd++) {
      if (!isdigit((unsigned char)*q) || nd >= 6)
        return -1;
      frac = frac * 10 + (uint64_t)(*q - '0');
    }
    if (nd == 0)
      return -1;
    for (; nd < 6; nd++)
      frac *= 10;
  }
  if (ip > 1 || (ip == 1 && frac))
    return -1;
  *out = (uint32_t)(ip * 1000000u + frac);
  return 0;
}

/* "3,7,9" into list (at most WR_PL_MAX_LIST). */
static int list_of(const char *s, const char *e, uint64_t *list, uint32_t *n) {
  uint32_t k = 0;
  while (s < e) {
    const char *c = memchr(s, ',', (size_t)(e - s));
    const char *end = c ? c : e;
    if (k >= WR_PL_MAX_LIST || u64_of(s, end, &list[k]) < 0)
      return -1;
    k++;
    s = c ? c + 1 : e;
    if (c && s == e)
      return -1;
  }
  if (k == 0)
    return -1;
  *n = k;
  return 0;
}

int wr_pl_faults_parse(const char *text, wr_pl_cfg *c, char *err,
                       size_t errlen) {
  wr_pl_cfg t = *c;
  t.nfaults = 0;
  t.neintr_calls = 0;
  t.eintr_ppm = 0;
  const char *p = text;
  int item = 0;
  for (;;) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      break;
    const char *s = p;
    while (*p && *p != ' ' && *p != '\t')
      p++;
    const char *e = p;
    item++;
    int len = (int)(e - s);
    const char *colon = memchr(s, ':', (size_t)(e - s));
    if (!colon)
      return wr_errf(err, errlen, WR_EINVAL,
                     "fault item %d '%.*s': expected NAME:VALUE (eintr:P, "
                     "eintr-calls:N,..., reset:N[@C], eof:N[@C], refuse:C,...)",
                     item, len, s);
    size_t nl = (size_t)(colon - s);
    const char *v = colon + 1;
    if (nl == 5 && memcmp(s, "eintr", 5) == 0) {
      if (ppm_of(v, e, &t.eintr_ppm) < 0)
        return wr_errf(err, errlen, WR_EINVAL,
                       "fault item %d '%.*s': probability must be a decimal "
                       "0..1 with at most 6 digits after the point",
                       item, len, s);
    } else if (nl == 11 && memcmp(s, "eintr-calls", 11) == 0) {
      if (list_of(v, e, t.eintr_calls, &t.neintr_calls) < 0)
        return wr_errf(err, errlen, WR_EINVAL,
                       "fault item %d '%.*s': expected call numbers N,M,... "
                       "(at most %d)",
                       item, len, s, WR_PL_MAX_LIST);
      for (uint32_t i = 0; i < t.neintr_calls; i++)
        if (t.eintr_calls[i] == 0)
          return wr_errf(err, errlen, WR_EINVAL,
                         "fault item %d '%.*s': call numbers start at 1", item,
                         len, s);
    } else if ((nl == 5 && memcmp(s, "reset", 5) == 0) ||
               (nl == 3 && memcmp(s, "eof", 3) == 0)) {
      wr_pl_fault f = {s[0] == 'r' ? WR_PL_FAULT_RESET : WR_PL_FAULT_EOF,
                       WR_PL_ANY_CONN, 0};
      const char *at = memchr(v, '@', (size_t)(e - v));
      if (u64_of(v, at ? at : e, &f.bytes) < 0 ||
          (at && u64_of(at + 1, e, &f.conn) < 0))
        return wr_errf(err, errlen, WR_EINVAL,
                       "fault item %d '%.*s': expected %.*s:BYTES or "
                       "%.*s:BYTES@CONNECTION",
                       item, len, s, (int)nl, s, (int)nl, s);
      if (t.nfaults >= WR_PL_MAX_FAULTS)
        return wr_errf(err, errlen, WR_EINVAL,
                       "fault item %d: more than %d faults", item,
                       WR_PL_MAX_FAULTS);
      t.faults[t.nfaults++] = f;
    } else if (nl == 6 && memcmp(s, "refuse", 6) == 0) {
      uint64_t l[WR_PL_MAX_LIST];
      uint32_t n;
      if (list_of(v, e, l, &n) < 0)
        return wr_errf(err, errlen, WR_EINVAL,
                       "fault item %d '%.*s': expected connection numbers "
                       "C,D,... (0 is the first connection)",
                       item, len, s);
      for (uint32_t i = 0; i < n; i++) {
        if (t.nfaults >= WR_PL_MAX_FAULTS)
          return wr_errf(err, errlen, WR_EINVAL,
                         "fault item %d: more than %d faults", item,
                         WR_PL_MAX_FAULTS);
        t.faults[t.nfaults++] = (wr_pl_fault){WR_PL_FAULT_REFUSE, l[i], 0};
      }
    } else {
      return wr_errf(err, errlen, WR_EINVAL,
                     "fault item %d '%.*s': unknown fault '%.*s' (expected "
                     "eintr, eintr-calls, reset, eof or refuse)",
                     item, len, s, (int)nl, s);
    }
  }
  *c = t;
  return 0;
}

int wr_pl_ports_parse(const char *text, wr_pl_cfg *c, char *err,
                      size_t errlen) {
  uint64_t l[WR_PL_MAX_LIST];
  uint32_t n = 0;
  if (*text && list_of(text, text + strlen(text), l, &n) < 0)
    return wr_errf(err, errlen, WR_EINVAL,
                   "ports '%s': expected a comma-separated list of port "
                   "numbers (at most %d)",
                   text, WR_PL_MAX_LIST);
  for (uint32_t i = 0; i < n; i++) {
    if (l[i] == 0 || l[i] > 65535)
      return wr_errf(err, errlen, WR_EINVAL,
                     "ports '%s': %llu is not a port (1..65535)", text,
                     (unsigned long long)l[i]);
    c->ports[i] = (uint16_t)l[i];
  }
  c->nports = n;
  return 0;
}

int wr_pl_cfg_from_env(wr_pl_cfg *c, const char *(*get)(const char *name),
                       char *err, size_t errlen) {
  char m[300];
  const char *v;
  wr_pl_cfg t = *c;
  if ((v = get("WIRERIG_PRELOAD_SEED")) && *v) {
    if (u64_of(v, v + strlen(v), &t.seed) < 0)
      return wr_errf(err, errlen, WR_EINVAL,
                     "WIRERIG_PRELOAD_SEED '%s': expected an unsigned decimal "
                     "integer",
                     v);
  }
  if ((v = get("WIRERIG_PRELOAD_READS")) && *v &&
      wr_pl_policy_parse(v, &t.reads, m, sizeof m) < 0)
    return wr_errf(err, errlen, WR_EINVAL, "WIRERIG_PRELOAD_READS: %s", m);
  if ((v = get("WIRERIG_PRELOAD_WRITES")) && *v &&
      wr_pl_policy_parse(v, &t.writes, m, sizeof m) < 0)
    return wr_errf(err, errlen, WR_EINVAL, "WIRERIG_PRELOAD_WRITES: %s", m);
  if ((v = get("WIRERIG_PRELOAD_CONN_READS")) &&
      wr_conn_policies_parse(v, &t.conn_reads, m, sizeof m) < 0)
    return wr_errf(err, errlen, WR_EINVAL, "WIRERIG_PRELOAD_CONN_READS: %s", m);
  if ((v = get("WIRERIG_PRELOAD_FAULTS")) &&
      wr_pl_faults_parse(v, &t, m, sizeof m) < 0)
    return wr_errf(err, errlen, WR_EINVAL, "WIRERIG_PRELOAD_FAULTS: %s", m);
  if ((v = get("WIRERIG_PRELOAD_PORTS")) &&
      wr_pl_ports_parse(v, &t, m, sizeof m) < 0)
    return wr_errf(err, errlen, WR_EINVAL, "WIRERIG_PRELOAD_PORTS: %s", m);
  *c = t;
  return 0;
}

const wr_policy *wr_pl_reads_for(const wr_pl_cfg *c, uint64_t conn) {
  const wr_policy *p = wr_conn_policies_find(&c->conn_reads, conn);
  return p ? p : &c->reads;
}

int wr_pl_cfg_is_passive(const wr_pl_cfg *c) {
  for (uint32_t i = 0; i < c->conn_reads.n; i++)
    if (c->conn_reads.v[i].seg.seg != WR_SEG_WHOLE)
      return 0;
  return c->reads.seg == WR_SEG_WHOLE && c->writes.seg == WR_SEG_WHOLE &&
         c->nfaults == 0 && c->eintr_ppm == 0 && c->neintr_calls == 0;
}

static uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t wr_pl_hash(uint64_t seed, uint64_t conn, unsigned dir, uint64_t off,
                    uint64_t salt) {
  uint64_t h = mix(seed ^ 0x77697265726967ull); /* "wirerig" */
  h = mix(h ^ conn);
  h = mix(h ^ ((uint64_t)dir << 32 | (salt & 0xffffffffu)));
  return mix(h ^ off);
}

#define SALT_CUT 1
#define SALT_EINTR 2

uint64_t wr_pl_piece(const wr_policy *p, uint64_t seed, uint64_t conn,
                     unsigned dir, wr_pl_cursor *cur) {
  uint64_t off = cur->off;
  switch (p->seg) {
  case WR_SEG_FIXED: {
    /* Boundaries at multiples of N from the start of the stream, so a
     * read the kernel cut short is completed up to the same boundary. */
    uint64_t n = p->seg_min;
    return n - off % n;
  }
  case WR_SEG_RANDOM: {
    /* Boundaries b0 = 0, b(k+1) = b(k) + A + hash(b(k)) mod (B-A+1): each
     * one depends only on the one before, so the sequence is the same
     * however the stream is read; the cursor caches the current one. */
    uint64_t span = (uint64_t)p->seg_max - p->seg_min + 1;
    if (cur->next_cut == 0)
      cur->next_cut =
          p->seg_min + wr_pl_hash(seed, conn, dir, 0, SALT_CUT) % span;
    while (cur->next_cut <= off)
      cur->next_cut +=
          p->seg_min +
          wr_pl_hash(seed, conn, dir, cur->next_cut, SALT_CUT) % span;
    return cur->next_cut - off;
  }
  case WR_SEG_CUTS:
    while (cur->cut_idx < p->ncuts && p->cuts[cur->cut_idx] <= off)
      cur->cut_idx++;
    if (cur->cut_idx < p->ncuts)
      return p->cuts[cur->cut_idx] - off;
    return WR_PL_UNLIMITED;
  case WR_SEG_WHOLE:
  default:
    return WR_PL_UNLIMITED;
  }
}

uint64_t wr_pl_fault_at(const wr_pl_cfg *c, wr_pl_fault_kind kind,
                        uint64_t conn) {
  uint64_t at = WR_PL_UNLIMITED;
  for (uint32_t i = 0; i < c->nfaults; i++) {
    const wr_pl_fault *f = &c->faults[i];
    if (f->kind == kind && (f->conn == WR_PL_ANY_CONN || f->conn == conn) &&
        f->bytes < at)
      at = f->bytes;
  }
  return at;
}

int wr_pl_refused(const wr_pl_cfg *c, uint64_t conn) {
  for (uint32_t i = 0; i < c->nfaults; i++)
    if (c->faults[i].kind == WR_PL_FAULT_REFUSE && c->faults[i].conn == conn)
      return 1;
  return 0;
}

int wr_pl_eintr(const wr_pl_cfg *c, uint64_t conn, unsigned dir, uint64_t off,
                uint64_t callno) {
  for (uint32_t i = 0; i < c->neintr_calls; i++)
    if (c->eintr_calls[i] == callno)
      return 1;
  if (c->eintr_ppm == 0)
    return 0;
  return wr_pl_hash(c->seed, conn, dir, off, SALT_EINTR) % 1000000u <
         c->eintr_ppm;
}

int wr_pl_port_wanted(const wr_pl_cfg *c, uint16_t port) {
  if (c->nports == 0)
    return 1;
  for (uint32_t i = 0; i < c->nports; i++)
    if (c->ports[i] == port)
      return 1;
  return 0;
}

const char *wr_pl_errno_name(int e, char *tmp, size_t tmplen) {
  switch (e) {
  case EAGAIN:
    return "EAGAIN";
  case EINTR:
    return "EINTR";
  case ECONNRESET:
    return "ECONNRESET";
  case EPIPE:
    return "EPIPE";
  case ECONNABORTED:
    return "ECONNABORTED";
  case ECONNREFUSED:
    return "ECONNREFUSED";
  case ENOTCONN:
    return "ENOTCONN";
  case EBADF:
    return "EBADF";
  case EINVAL:
    return "EINVAL";
  case ETIMEDOUT:
    return "ETIMEDOUT";
  default:
    snprintf(tmp, tmplen, "E%d", e);
    return tmp;
  }
}

int wr_pl_trace_io(char *buf, size_t len, uint64_t conn, unsigned dir,
                   const char *call, uint64_t asked, long long result,
                   int injected) {
  char tmp[16];
  const char *d = dir == WR_PL_IN ? "in" : "out";
  if (result >= 0)
    return snprintf(buf, len, "conn=%llu %s %s ask=%llu got=%lld\n",
                    (unsigned long long)conn, d, call,
                    (unsigned long long)asked, result);
  return snprintf(buf, len, "conn=%llu %s %s ask=%llu err=%s%s\n",
                  (unsigned long long)conn, d, call, (unsigned long long)asked,
                  wr_pl_errno_name((int)-result, tmp, sizeof tmp),
                  injected ? " injected" : "");
}
