/* The decoder from fuzz input to scenario text, its reverse, and the
 * scenario writer (statefuzz.h).
 *
 * Input layout (docs/fuzzing.md, "Stateful targets"):
 *   byte 0           seed - 1
 *   byte             number of server options (mod 4), then 2 bytes each
 *   byte             number of client options (mod 4), then 2 bytes each
 *   operations       opcode byte (bit 0: 0 client, 1 server; the rest mod
 *                    SF_NKIND: the kind), then the kind's argument bytes
 * An option is (name byte mod the table, value byte mod its values). A
 * byte past the end reads as 0, so every input decodes; decoding stops
 * after WR_SF_MAX_OPS operations.
 *
 * Text, not the AST, is generated: the parser then does the checks the
 * runner relies on, and the case is a scenario file as it stands.
 */
#include <stdlib.h>
#include <string.h>

#include "sf_int.h"
#include "wirerig/error.h"
#include "wirerig/sockopt.h"

/* ---- the tables ---------------------------------------------------------- */

static const char *const packet_v[] = {
    "raw",  "0",    "1",    "2",    "4",     "asn1",     "sunrm",    "cdr",
    "fcgi", "tpkt", "line", "http", "httph", "http_bin", "httph_bin"};
static const char *const active_v[] = {"false", "true", "once", "-2", "-1",
                                       "0",     "1",    "2",    "3",  "5"};
static const char *const buffer_v[] = {"1",  "2",    "4",    "16",
                                       "64", "1460", "65536"};
/* No 0 (no limit): with packet=4 a header such as "GET " announces a
 * 1.2 GiB packet, which the socket model, as inet_drv does, would try to
 * allocate -- found by stateful_model as an out-of-memory. Every endpoint
 * also starts with SF_PACKET_SIZE, so sizes stay bounded whatever the
 * input picks. */
static const char *const psize_v[] = {"1", "3", "8", "64", "1024"};
#define SF_PACKET_SIZE " packet_size=1048576"
static const char *const high_v[] = {"1", "16", "1024", "8192"};
static const char *const low_v[] = {"0", "8", "512", "4096"};
static const char *const stimeout_v[] = {"0", "1", "10", "infinity"};
static const char *const bool_v[] = {"false", "true"};
static const char *const linger_v[] = {"true,0", "true,1", "false,0", "true,5"};
static const char *const delim_v[] = {"10", "59", "0"};
static const char *const header_v[] = {"0", "1", "2"};

#define N_(a) (sizeof(a) / sizeof((a)[0]))

const wr_sf_opt_kind wr_sf_opts_[] = {
    {"packet", packet_v, N_(packet_v)},
    {"active", active_v, N_(active_v)},
    {"buffer", buffer_v, N_(buffer_v)},
    {"packet_size", psize_v, N_(psize_v)},
    {"high_watermark", high_v, N_(high_v)},
    {"low_watermark", low_v, N_(low_v)},
    {"send_timeout", stimeout_v, N_(stimeout_v)},
    {"send_timeout_close", bool_v, N_(bool_v)},
    {"exit_on_close", bool_v, N_(bool_v)},
    {"show_econnreset", bool_v, N_(bool_v)},
    {"linger", linger_v, N_(linger_v)},
    {"delay_send", bool_v, N_(bool_v)},
    {"line_delimiter", delim_v, N_(delim_v)},
    {"header", header_v, N_(header_v)},
    {"nodelay", bool_v, N_(bool_v)},
};
const size_t wr_sf_nopts_ = N_(wr_sf_opts_);

/* recv lengths, durations (ms) of timeouts and waits */
static const unsigned recv_n[] = {0, 0, 1, 2, 3, 5, 8, 100};
static const unsigned to_ms[] = {0, 1, 10, 100, 1000};
static const unsigned wait_ms[] = {1, 10, 100, 1000};
static const char *const frame_t[] = {"1", "2", "4", "line"};
static const char *const shut_v[] = {"read", "write", "read_write"};
static const unsigned bufsz[] = {1, 64, 1024, 65536};

/* ---- reading ------------------------------------------------------------- */

typedef struct rd {
  const uint8_t *p;
  size_t n, i;
} rd;

/* The next byte, 0 past the end (so no input is too short). */
static unsigned next(rd *r) { return r->i < r->n ? r->p[r->i++] : (r->i++, 0); }

/* ---- writing text -------------------------------------------------------- */

static int put(wr_sf_buf *b, const char *s, size_t n) {
  if (b->oom)
    return -1;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return -1;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

static void puts_(wr_sf_buf *b, const char *s) { put(b, s, strlen(s)); }

/* pre, the number, post (formats are literals: -Wformat-nonliteral) */
static void putn(wr_sf_buf *b, const char *pre, unsigned v, const char *post) {
  char t[16];
  int n = snprintf(t, sizeof t, "%u", v);
  puts_(b, pre);
  put(b, t, (size_t)n);
  puts_(b, post);
}

static void hex(wr_sf_buf *b, const uint8_t *d, size_t n) {
  if (!n) {
    puts_(b, "\"\"");
    return;
  }
  static const char dig[] = "0123456789abcdef";
  puts_(b, "x\"");
  for (size_t i = 0; i < n; i++) {
    char t[3] = {dig[d[i] >> 4], dig[d[i] & 15], ' '};
    put(b, t, i + 1 < n ? 3 : 2);
  }
  puts_(b, "\"");
}

/* One option; on listen, line_delimiter (which gen_tcp:listen refuses,
 * and so does the parser) reads as packet=line. */
static void opt(rd *r, wr_sf_buf *b, int listen) {
  const wr_sf_opt_kind *k = &wr_sf_opts_[next(r) % wr_sf_nopts_];
  if (listen && !strcmp(k->name, "line_delimiter")) {
    next(r);
    puts_(b, " packet=line");
    return;
  }
  puts_(b, " ");
  puts_(b, k->name);
  puts_(b, "=");
  puts_(b, k->v[next(r) % k->nv]);
}

static const char *ep_name(unsigned op) { return op & 1 ? "s" : "c"; }

/* One operation: its line (or nothing when it is the ignored kind) into b.
 * Returns 1 when it uses a simnet-only fault. */
static int one_op(rd *r, wr_sf_buf *b, const wr_sf_decode_opts *o) {
  unsigned op = next(r);
  const char *e = ep_name(op), *peer = op & 1 ? "c" : "s";
  unsigned kind = (op >> 1) % SF_NKIND;
  int lo = o && o->loopback;
  switch (kind) {
  case SF_SEND_RAW:
  case SF_SEND_FRAME: {
    const char *t = kind == SF_SEND_FRAME ? frame_t[next(r) % 4] : NULL;
    size_t n = next(r) % (WR_SF_MAX_DATA + 1);
    uint8_t d[WR_SF_MAX_DATA];
    for (size_t i = 0; i < n; i++) {
      d[i] = (uint8_t)next(r);
      /* frame(line, ...) refuses a delimiter inside its payload */
      if (t && !strcmp(t, "line") && d[i] == '\n')
        d[i] = ' ';
    }
    puts_(b, e);
    puts_(b, " send ");
    if (t) {
      puts_(b, "frame(");
      puts_(b, t);
      puts_(b, ", ");
    }
    hex(b, d, n);
    puts_(b, t ? ")\n" : "\n");
    return 0;
  }
  case SF_RECV: {
    unsigned n = recv_n[next(r) % N_(recv_n)];
    unsigned t = to_ms[next(r) % N_(to_ms)];
    puts_(b, e);
    putn(b, " recv ", n, "");
    putn(b, " timeout=", lo ? 50 : t, "ms -> any\n");
    return 0;
  }
  case SF_MESSAGE: {
    unsigned t = to_ms[next(r) % N_(to_ms)];
    puts_(b, e);
    putn(b, " message timeout=", lo ? 50 : t, "ms -> tcp any\n");
    return 0;
  }
  case SF_SETOPTS: {
    unsigned k = 1 + next(r) % 2;
    puts_(b, e);
    puts_(b, " setopts");
    for (unsigned i = 0; i < k; i++)
      opt(r, b, 0);
    puts_(b, "\n");
    return 0;
  }
  case SF_SHUTDOWN:
    puts_(b, e);
    puts_(b, " shutdown ");
    puts_(b, shut_v[next(r) % 3]);
    puts_(b, "\n");
    return 0;
  case SF_CLOSE:
    puts_(b, e);
    puts_(b, " close\n");
    return 0;
  case SF_WAIT:
    putn(b, "wait ", lo ? 1 : wait_ms[next(r) % N_(wait_ms)], "ms\n");
    return 0;
  case SF_POLICY: {
    unsigned item = next(r) % 6, v = 1 + next(r) % 8;
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    switch (item) {
    case 0:
      puts_(b, " whole\n");
      break;
    case 1:
      putn(b, " fixed:", v, "\n");
      break;
    case 2:
      putn(b, " random:1-", v, "\n");
      break;
    case 3:
      putn(b, " cuts:", v, "\n");
      break;
    case 4:
      putn(b, " latency:", lo ? 0 : v, "ms\n");
      break;
    default:
      putn(b, " jitter:0ms-", lo ? 0 : v, "ms\n");
      break;
    }
    return 0;
  }
  case SF_RESET:
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    putn(b, " reset after ", next(r) % 64, "\n");
    return 1;
  case SF_DROP:
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    puts_(b, " drop\n");
    return 1;
  case SF_STALL: {
    unsigned v = next(r);
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    if (v & 1)
      puts_(b, " release\n");
    else
      putn(b, " stall ", wait_ms[(v >> 1) % N_(wait_ms)], "ms\n");
    return 1;
  }
  case SF_BUFFERS: {
    unsigned v = next(r);
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    putn(b, " sndbuf=", bufsz[v % 4], "");
    putn(b, " rcvbuf=", bufsz[(v >> 2) % 4], "\n");
    return 0;
  }
  default: /* SF_NOTHING */
    puts_(b, e);
    putn(b, " nothing within ", lo ? 1 : wait_ms[next(r) % N_(wait_ms)],
         "ms\n");
    return 0;
  }
}

void wr_sf_split(const uint8_t *data, size_t len, wr_sf_layout *out) {
  rd r = {data, len, 0};
  wr_sf_buf b = {0};
  memset(out, 0, sizeof *out);
  next(&r);
  for (int side = 0; side < 2; side++) {
    unsigned k = next(&r) % 4;
    for (unsigned i = 0; i < k; i++)
      opt(&r, &b, side == 0);
  }
  out->header = r.i < len ? r.i : len;
  while (r.i < len && out->nops < WR_SF_MAX_OPS) {
    out->start[out->nops] = r.i;
    b.len = 0;
    one_op(&r, &b, NULL);
    out->end[out->nops++] = r.i < len ? r.i : len;
  }
  free(b.p);
}

/* Drops the lines the parser reported (errors are rare: the tables hold
 * values it accepts; an option combination can still be refused).
 * Returns 1 when something was dropped. */
static int drop_error_lines(wr_sf_buf *b, const wr_scenario *s) {
  int dropped = 0;
  size_t w = 0, line = 1, i = 0;
  while (i < b->len) {
    size_t e = i;
    while (e < b->len && b->p[e] != '\n')
      e++;
    if (e < b->len)
      e++;
    int bad = 0;
    for (size_t k = 0; k < s->nerrors; k++)
      if (s->errors[k].line == line || s->errors[k].line == 0)
        bad = 1;
    if (bad && line <= 2) {
      /* the endpoints stay, without their options: every later line
       * names them */
      const char *bare = line == 1 ? "s listen" SF_PACKET_SIZE "\n"
                                   : "c connect s" SF_PACKET_SIZE "\n";
      memcpy(b->p + w, bare, strlen(bare));
      w += strlen(bare);
      dropped = 1;
    } else if (!bad) {
      memmove(b->p + w, b->p + i, e - i);
      w += e - i;
    } else {
      dropped = 1;
    }
    i = e;
    line++;
  }
  b->len = w;
  b->p[w] = '\0';
  return dropped;
}

int wr_sf_decode(const uint8_t *data, size_t len, const wr_sf_decode_opts *o,
                 wr_sf_case *out) {
  memset(out, 0, sizeof *out);
  rd r = {data, len, 0};
  wr_sf_buf b = {0};
  out->seed = (uint64_t)next(&r) + 1;
  for (int side = 0; side < 2; side++) {
    unsigned k = next(&r) % 4;
    puts_(&b, side ? "c connect s" SF_PACKET_SIZE : "s listen" SF_PACKET_SIZE);
    for (unsigned i = 0; i < k; i++)
      opt(&r, &b, side == 0);
    puts_(&b, "\n");
  }
  while (r.i < len && out->nops < WR_SF_MAX_OPS) {
    out->sim_only |= one_op(&r, &b, o);
    out->nops++;
  }
  if (b.oom) {
    free(b.p);
    return WR_ENOMEM;
  }
  /* Steps without `->` expect ok: the runner's observe mode logs what
   * happens instead of judging it (statefuzz.h). */
  wr_scn_config cfg = {.max_data = 64 * 1024, .no_files = 1};
  for (int round = 0; round < 4; round++) {
    wr_scenario *s = wr_scn_parse("statefuzz.scn", b.p, b.len, &cfg);
    if (!s) {
      free(b.p);
      return WR_ENOMEM;
    }
    if (s->nerrors == 0) {
      out->scn = s;
      out->text = b.p;
      out->len = b.len;
      return 0;
    }
    int dropped = drop_error_lines(&b, s);
    wr_scn_free(s);
    if (!dropped)
      break;
  }
  /* Never rejected: the smallest case stands in for an input whose lines
   * the parser kept refusing (a bug of the tables, caught by the tests). */
  b.len = 0;
  puts_(&b, "s listen\nc connect s\n");
  out->nops = 0;
  out->sim_only = 0;
  out->scn = b.oom ? NULL : wr_scn_parse("statefuzz.scn", b.p, b.len, &cfg);
  if (!out->scn || out->scn->nerrors) {
    wr_scn_free(out->scn);
    free(b.p);
    memset(out, 0, sizeof *out);
    return WR_ENOMEM;
  }
  out->text = b.p;
  out->len = b.len;
  return 0;
}

void wr_sf_case_free(wr_sf_case *c) {
  if (!c)
    return;
  wr_scn_free(c->scn);
  free(c->text);
  memset(c, 0, sizeof *c);
}

int wr_sf_write_scenario(FILE *f, const wr_sf_case *c, const char *comment,
                         int loopback) {
  const char *p = comment ? comment : "";
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    fprintf(f, "# %.*s\n", (int)n, p);
    p += n + (nl ? 1 : 0);
  }
  fprintf(f, "scenario \"statefuzz seed %llu\"\nseeds 1\n",
          (unsigned long long)c->seed);
  if (!loopback || c->sim_only)
    fputs("transports sim\n", f);
  fputs("exhaustive off\n", f);
  fwrite(c->text, 1, c->len, f);
  return ferror(f) ? -1 : 0;
}

/* ---- the reverse: scenario to input ------------------------------------- */

typedef struct wr_sf_out {
  uint8_t *p;
  size_t len, cap;
} wr_sf_out;

static void out1(wr_sf_out *o, unsigned v) {
  if (o->len < o->cap)
    o->p[o->len] = (uint8_t)v;
  o->len++;
}

/* The table position of a typed option, or -1 when the tables cannot say
 * it: each table entry is parsed with the sockets' own parser and compared
 * typed, so the tables and the encoder cannot drift apart. */
static int opt_index(const wr_sockopt *want, unsigned *k, unsigned *v) {
  for (size_t i = 0; i < wr_sf_nopts_; i++)
    for (size_t j = 0; j < wr_sf_opts_[i].nv; j++) {
      char text[64], err[128];
      wr_sockopt o[2];
      snprintf(text, sizeof text, "%s=%s", wr_sf_opts_[i].name,
               wr_sf_opts_[i].v[j]);
      if (wr_sockopt_parse(text, o, 2, err, sizeof err) == 1 &&
          wr_sockopt_equal(&o[0], want)) {
        *k = (unsigned)i;
        *v = (unsigned)j;
        return 0;
      }
    }
  return -1;
}

/* Writes up to max mapped options of st (count byte first). */
static unsigned put_opts(wr_sf_out *o, const wr_scn_step *st, unsigned max,
                         int count_byte) {
  unsigned ks[4], vs[4], n = 0;
  for (size_t i = 0; st && i < st->nopts && n < max; i++)
    if (opt_index(&st->opts[i], &ks[n], &vs[n]) == 0)
      n++;
  if (count_byte)
    out1(o, n);
  for (unsigned i = 0; i < n; i++) {
    out1(o, ks[i]);
    out1(o, vs[i]);
  }
  return n;
}

/* The table position of the largest entry <= v (0 when none is). */
static unsigned le_index(const unsigned *t, size_t n, uint64_t v) {
  unsigned best = 0;
  for (size_t i = 0; i < n; i++)
    if (t[i] <= v && t[i] > t[best])
      best = (unsigned)i;
  return best;
}

size_t wr_sf_encode(const wr_scenario *s, uint64_t seed, uint8_t *buf,
                    size_t cap) {
  wr_sf_out o = {buf, 0, cap};
  const wr_scn_block *b = &s->steps;
  const wr_scn_step *listen = NULL, *connect = NULL;
  int srv = -1, acc = -1, cli = -1;
  for (size_t i = 0; i < b->n; i++) {
    const wr_scn_step *st = &b->steps[i];
    if (st->kind == WR_SCN_LISTEN && !listen) {
      listen = st;
      srv = st->ep;
    } else if (st->kind == WR_SCN_CONNECT && !connect && listen &&
               st->peer == srv && st->acc >= 0) {
      connect = st;
      cli = st->ep;
      acc = st->acc;
    }
  }
  out1(&o, (unsigned)((seed - 1) & 0xff));
  put_opts(&o, listen, 3, 1);
  put_opts(&o, connect, 3, 1);
  size_t nops = 0;
  for (size_t i = 0; i < b->n && nops < WR_SF_MAX_OPS; i++) {
    const wr_scn_step *st = &b->steps[i];
    int side = st->ep == cli ? 0 : (st->ep == srv || st->ep == acc) ? 1 : -1;
    if (st == listen || st == connect)
      continue;
    if (side < 0 && st->kind != WR_SCN_WAIT)
      continue;
    if (st->kind >= WR_SCN_NET_POLICY && st->kind <= WR_SCN_NET_RELEASE &&
        !((st->ep == cli && (st->peer == srv || st->peer == acc)) ||
          (side == 1 && st->peer == cli)))
      continue;
#define OP(k) out1(&o, (unsigned)(((k) << 1) | (side > 0)))
    switch (st->kind) {
    case WR_SCN_SEND: {
      size_t n = st->data.len < WR_SF_MAX_DATA ? st->data.len : WR_SF_MAX_DATA;
      OP(SF_SEND_RAW);
      out1(&o, (unsigned)n);
      for (size_t k = 0; k < n; k++)
        out1(&o, st->data.ptr[k]);
      break;
    }
    case WR_SCN_RECV: {
      uint64_t ms = st->has_timeout ? st->timeout / WR_NS_PER_MS : 5000;
      OP(SF_RECV);
      out1(&o, le_index(recv_n, N_(recv_n), st->has_n ? st->n : 0));
      out1(&o, le_index(to_ms, N_(to_ms), ms));
      break;
    }
    case WR_SCN_MESSAGE:
    case WR_SCN_MESSAGES: {
      uint64_t ms = st->has_timeout ? st->timeout / WR_NS_PER_MS : 5000;
      uint64_t k = st->kind == WR_SCN_MESSAGES ? st->n : 1;
      for (uint64_t j = 0; j < k && nops < WR_SF_MAX_OPS; j++, nops++) {
        OP(SF_MESSAGE);
        out1(&o, le_index(to_ms, N_(to_ms), ms));
      }
      continue;
    }
    case WR_SCN_SETOPTS: {
      size_t at = o.len;
      OP(SF_SETOPTS);
      out1(&o, 0); /* the count, fixed below */
      unsigned n = put_opts(&o, st, 2, 0);
      if (n == 0) {
        o.len = at;
        continue;
      }
      if (at + 1 < o.cap)
        o.p[at + 1] = (uint8_t)(n - 1);
      break;
    }
    case WR_SCN_SHUTDOWN:
      OP(SF_SHUTDOWN);
      out1(&o, st->how == WR_SHUT_RD ? 0 : st->how == WR_SHUT_WR ? 1 : 2);
      break;
    case WR_SCN_CLOSE:
      OP(SF_CLOSE);
      break;
    case WR_SCN_WAIT:
      side = 0;
      OP(SF_WAIT);
      out1(&o, le_index(wait_ms, N_(wait_ms), st->t / WR_NS_PER_MS));
      break;
    case WR_SCN_NOTHING:
      OP(SF_NOTHING);
      out1(&o, le_index(wait_ms, N_(wait_ms), st->t / WR_NS_PER_MS));
      break;
    case WR_SCN_NET_RESET:
      if (!st->has_n || st->n >= 64 || st->both)
        continue;
      OP(SF_RESET);
      out1(&o, (unsigned)st->n);
      break;
    case WR_SCN_NET_DROP:
      if (st->both)
        continue;
      OP(SF_DROP);
      break;
    case WR_SCN_NET_STALL:
    case WR_SCN_NET_RELEASE:
      if (st->both || (st->kind == WR_SCN_NET_STALL && st->t == 0))
        continue;
      OP(SF_STALL);
      out1(&o, st->kind == WR_SCN_NET_RELEASE
                   ? 1
                   : le_index(wait_ms, N_(wait_ms), st->t / WR_NS_PER_MS) << 1);
      break;
    case WR_SCN_NET_BUFFERS:
      if (st->both || !st->sndbuf || !st->rcvbuf)
        continue;
      OP(SF_BUFFERS);
      out1(&o, le_index(bufsz, 4, st->sndbuf) |
                   (le_index(bufsz, 4, st->rcvbuf) << 2));
      break;
    default:
      continue;
    }
#undef OP
    nops++;
  }
  return o.len < cap ? o.len : cap;
}
