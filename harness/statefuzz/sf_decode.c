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
 * Each operation is written twice at once: as a line of scenario text
 * (what a finding is saved as) and as the step the parser would make of
 * that line (sf_ast). Parsing the text per case was a third of a case's
 * time under ASan (bench_statefuzz); tests/test_statefuzz.c parses the
 * text of thousands of inputs and requires the parser's AST to be the one
 * built here, field for field (scn_dump), so the case run is still exactly
 * the file a finding writes.
 */
#include <stdlib.h>
#include <string.h>

#include "sf_int.h"
#include "wirerig/error.h"
#include "wirerig/framing.h"
#include "wirerig/policy.h"
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

/* ---- the AST, built beside the text ------------------------------------- */

/* Steps: listen, connect, and per operation its step and (loopback) the
 * settling wait. */
#define SF_MAX_STEPS (2 + 2 * WR_SF_MAX_OPS)
/* Options: packet_size, up to 3 and (loopback) nodelay per endpoint, up to
 * 2 per setopts. */
#define SF_MAX_OPTS (2 * 5 + 2 * WR_SF_MAX_OPS)
/* A send's bytes: the data, a 4-byte header or a line's delimiter. */
#define SF_MAX_FRAME (WR_SF_MAX_DATA + 4)

typedef struct sf_ast {
  wr_scenario scn;
  wr_scn_endpoint eps[2];
  wr_scn_step steps[SF_MAX_STEPS];
  wr_sockopt opts[SF_MAX_OPTS];
  size_t nopts;
  uint8_t data[WR_SF_MAX_OPS][SF_MAX_FRAME];
  wr_policy pol[WR_SF_MAX_OPS];
  size_t ndata, npol;
  uint32_t line; /* of the line being written */
  int bad;       /* a value the tables should never give was refused */
} sf_ast;

#define SF_FILE "statefuzz.scn"
enum { SF_EP_S = 0, SF_EP_C = 1 };

/* The next step, as wr_scnp_step_init makes it. */
static wr_scn_step *step_new(sf_ast *a, wr_scn_kind k, int ep) {
  wr_scn_step *st = &a->steps[a->scn.steps.n++];
  memset(st, 0, sizeof *st);
  st->kind = k;
  st->pos.file = SF_FILE;
  st->pos.line = a->line;
  st->pos.col = 1;
  st->ep = ep;
  st->peer = st->acc = -1;
  return st;
}

/* The implied `-> ok` of send, setopts, shutdown, listen, connect. */
static void implied_ok(wr_scn_step *st) {
  st->expect.kind = WR_SCN_EXPECT_OK;
  st->expect.pos = st->pos;
}

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

/* The option text just written at b->p[at..] (" name=value"), typed by
 * the sockets' own parser as the scenario parser types it. */
static size_t add_opts(sf_ast *a, const wr_sf_buf *b, size_t at) {
  if (!a || b->oom)
    return 0;
  char err[128];
  int n = wr_sockopt_parse(b->p + at + 1, a->opts + a->nopts,
                           SF_MAX_OPTS - a->nopts, err, sizeof err);
  if (n <= 0) {
    a->bad = 1;
    return 0;
  }
  a->nopts += (size_t)n;
  return (size_t)n;
}

/* One option; on listen, line_delimiter (which gen_tcp:listen refuses,
 * and so does the parser) reads as packet=line.
 *
 * Loopback cases keep nodelay true (the endpoints say it last, and a
 * setopts of nodelay sets it true): simnet cuts segments as TCP_NODELAY
 * does, while Linux with Nagle holds a small write until the previous one
 * is acknowledged -- with delayed ACKs, tens of milliseconds, past the
 * settling wait. stateful_loopback found that: two 1-byte sends 5 ms
 * apart arrived in one segment on loopback, so a raw active socket got
 * one message where simnet gave two (fuzz/corpus/stateful_loopback/
 * crash-fe33bb7c...). */
static void opt(rd *r, wr_sf_buf *b, int listen, sf_ast *a, int lo) {
  const wr_sf_opt_kind *k = &wr_sf_opts_[next(r) % wr_sf_nopts_];
  size_t at = b->len;
  if (listen && !strcmp(k->name, "line_delimiter")) {
    next(r);
    puts_(b, " packet=line");
  } else {
    const char *v = k->v[next(r) % k->nv];
    if (lo && !strcmp(k->name, "nodelay"))
      v = "true";
    puts_(b, " ");
    puts_(b, k->name);
    puts_(b, "=");
    puts_(b, v);
  }
  add_opts(a, b, at);
}

static const char *ep_name(unsigned op) { return op & 1 ? "s" : "c"; }

/* `-> ` written: the expectation's token starts here (1-based column). */
static void expect_at(sf_ast *a, const wr_sf_buf *b, size_t line_start,
                      wr_scn_step *st) {
  st->expect.pos.file = SF_FILE;
  st->expect.pos.line = a->line;
  st->expect.pos.col = (uint32_t)(b->len - line_start + 1);
}

static wr_scn_step *net_step(sf_ast *a, wr_scn_kind k, unsigned op) {
  wr_scn_step *st = step_new(a, k, op & 1 ? SF_EP_S : SF_EP_C);
  st->peer = op & 1 ? SF_EP_C : SF_EP_S;
  return st;
}

/* One operation: its line into b and, when a is given, its step into a.
 * Returns 1 when it uses a simnet-only fault. */
static int one_op(rd *r, wr_sf_buf *b, const wr_sf_decode_opts *o, sf_ast *a) {
  unsigned op = next(r);
  const char *e = ep_name(op), *peer = op & 1 ? "c" : "s";
  int ep = op & 1 ? SF_EP_S : SF_EP_C;
  unsigned kind = (op >> 1) % SF_NKIND;
  int lo = o && o->loopback;
  size_t line_start = b->len;
  switch (kind) {
  case SF_SEND_RAW:
  case SF_SEND_FRAME: {
    static const wr_packet_type ftype[] = {WR_PACKET_1, WR_PACKET_2,
                                           WR_PACKET_4, WR_PACKET_LINE};
    unsigned ti = kind == SF_SEND_FRAME ? next(r) % 4 : 0;
    const char *t = kind == SF_SEND_FRAME ? frame_t[ti] : NULL;
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
    if (a) {
      wr_scn_step *st = step_new(a, WR_SCN_SEND, ep);
      uint8_t *p = a->data[a->ndata++];
      size_t len = n;
      if (t) {
        long long m = wr_frame_build(ftype[ti], '\n', d, n, p, SF_MAX_FRAME);
        if (m < 0 || m > SF_MAX_FRAME)
          a->bad = 1;
        len = m < 0 ? 0 : (size_t)m;
      } else if (n) {
        memcpy(p, d, n);
      }
      st->data.ptr = len ? p : NULL;
      st->data.len = len;
      implied_ok(st);
    }
    return 0;
  }
  case SF_RECV: {
    unsigned n = recv_n[next(r) % N_(recv_n)];
    unsigned t = to_ms[next(r) % N_(to_ms)];
    if (lo)
      t = 50; /* long enough for real sockets to deliver */
    puts_(b, e);
    putn(b, " recv ", n, "");
    putn(b, " timeout=", t, "ms -> ");
    if (a) {
      wr_scn_step *st = step_new(a, WR_SCN_RECV, ep);
      st->n = n;
      st->has_n = 1;
      st->timeout = (wr_time)t * WR_NS_PER_MS;
      st->has_timeout = 1;
      st->expect.kind = WR_SCN_EXPECT_ANY;
      expect_at(a, b, line_start, st);
    }
    puts_(b, "any\n");
    return 0;
  }
  case SF_MESSAGE: {
    unsigned t = to_ms[next(r) % N_(to_ms)];
    if (lo)
      t = 50;
    puts_(b, e);
    putn(b, " message timeout=", t, "ms -> ");
    if (a) {
      wr_scn_step *st = step_new(a, WR_SCN_MESSAGE, ep);
      st->timeout = (wr_time)t * WR_NS_PER_MS;
      st->has_timeout = 1;
      st->expect.kind = WR_SCN_EXPECT_ANY;
      st->expect.msg = WR_SCN_MSG_TCP;
      expect_at(a, b, line_start, st);
    }
    puts_(b, "tcp any\n");
    return 0;
  }
  case SF_SETOPTS: {
    unsigned k = 1 + next(r) % 2;
    puts_(b, e);
    puts_(b, " setopts");
    size_t first = a ? a->nopts : 0;
    for (unsigned i = 0; i < k; i++)
      opt(r, b, 0, a, lo);
    puts_(b, "\n");
    if (a) {
      wr_scn_step *st = step_new(a, WR_SCN_SETOPTS, ep);
      st->opts = a->opts + first;
      st->nopts = a->nopts - first;
      implied_ok(st);
    }
    return 0;
  }
  case SF_SHUTDOWN: {
    static const int how[] = {WR_SHUT_RD, WR_SHUT_WR, WR_SHUT_RDWR};
    unsigned h = next(r) % 3;
    puts_(b, e);
    puts_(b, " shutdown ");
    puts_(b, shut_v[h]);
    puts_(b, "\n");
    if (a) {
      wr_scn_step *st = step_new(a, WR_SCN_SHUTDOWN, ep);
      st->how = how[h];
      implied_ok(st);
    }
    return 0;
  }
  case SF_CLOSE:
    puts_(b, e);
    puts_(b, " close\n");
    if (a)
      step_new(a, WR_SCN_CLOSE, ep);
    return 0;
  case SF_WAIT: {
    unsigned ms = wait_ms[next(r) % N_(wait_ms)];
    if (lo)
      ms = 1;
    putn(b, "wait ", ms, "ms\n");
    if (a)
      step_new(a, WR_SCN_WAIT, -1)->t = (wr_time)ms * WR_NS_PER_MS;
    return 0;
  }
  case SF_POLICY: {
    unsigned item = next(r) % 6, v = 1 + next(r) % 8;
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    puts_(b, " ");
    size_t at = b->len;
    switch (item) {
    case 0:
      puts_(b, "whole");
      break;
    case 1:
      putn(b, "fixed:", v, "");
      break;
    case 2:
      putn(b, "random:1-", v, "");
      break;
    case 3:
      putn(b, "cuts:", v, "");
      break;
    case 4:
      putn(b, "latency:", lo ? 0 : v, "ms");
      break;
    default:
      putn(b, "jitter:0ms-", lo ? 0 : v, "ms");
      break;
    }
    if (a && !b->oom) {
      wr_policy *pol = &a->pol[a->npol++];
      char err[128];
      if (wr_policy_parse(b->p + at, pol, err, sizeof err) != 0)
        a->bad = 1;
      net_step(a, WR_SCN_NET_POLICY, op)->policy = pol;
    }
    puts_(b, "\n");
    return 0;
  }
  case SF_RESET: {
    unsigned n = next(r) % 64;
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    putn(b, " reset after ", n, "\n");
    if (a) {
      wr_scn_step *st = net_step(a, WR_SCN_NET_RESET, op);
      st->n = n;
      st->has_n = 1;
    }
    return 1;
  }
  case SF_DROP:
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    puts_(b, " drop\n");
    if (a)
      net_step(a, WR_SCN_NET_DROP, op);
    return 1;
  case SF_STALL: {
    unsigned v = next(r);
    unsigned ms = wait_ms[(v >> 1) % N_(wait_ms)];
    puts_(b, "net ");
    puts_(b, e);
    puts_(b, "->");
    puts_(b, peer);
    if (v & 1)
      puts_(b, " release\n");
    else
      putn(b, " stall ", ms, "ms\n");
    if (a) {
      wr_scn_step *st =
          net_step(a, v & 1 ? WR_SCN_NET_RELEASE : WR_SCN_NET_STALL, op);
      if (!(v & 1))
        st->t = (wr_time)ms * WR_NS_PER_MS;
    }
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
    if (a) {
      wr_scn_step *st = net_step(a, WR_SCN_NET_BUFFERS, op);
      st->sndbuf = bufsz[v % 4];
      st->rcvbuf = bufsz[(v >> 2) % 4];
    }
    /* A buffer below what Linux allows (SO_SNDBUF 4608, SO_RCVBUF 2304 at
     * the least) exists on simnet only: a kernel never holds a byte back
     * for it (stateful_loopback found simnet trickling a 2-byte send
     * through a 1-byte buffer while loopback sent both at once). */
    return bufsz[v % 4] < 4608 || bufsz[(v >> 2) % 4] < 2304;
  }
  default: { /* SF_NOTHING */
    unsigned ms = wait_ms[next(r) % N_(wait_ms)];
    if (lo)
      ms = 1;
    puts_(b, e);
    putn(b, " nothing within ", ms, "ms\n");
    if (a)
      step_new(a, WR_SCN_NOTHING, ep)->t = (wr_time)ms * WR_NS_PER_MS;
    return 0;
  }
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
      opt(&r, &b, side == 0, NULL, 0);
  }
  out->header = r.i < len ? r.i : len;
  while (r.i < len && out->nops < WR_SF_MAX_OPS) {
    out->start[out->nops] = r.i;
    b.len = 0;
    one_op(&r, &b, NULL, NULL);
    out->end[out->nops++] = r.i < len ? r.i : len;
  }
  free(b.p);
}

/* The scenario of the two endpoints, before any step. */
static void ast_init(sf_ast *a) {
  memset(&a->scn, 0, sizeof a->scn);
  memset(a->eps, 0, sizeof a->eps);
  a->nopts = a->ndata = a->npol = 0;
  a->bad = 0;
  a->line = 1;
  a->scn.file = SF_FILE;
  a->scn.title = SF_FILE; /* the parser's: the file's base name */
  a->scn.endpoints = a->eps;
  a->scn.nendpoints = 2;
  a->scn.steps.steps = a->steps;
  a->eps[SF_EP_S] = (wr_scn_endpoint){.name = "s",
                                      .kind = WR_SCN_EP_LISTENER,
                                      .pos = {SF_FILE, 1, 1},
                                      .listener_named_conn = 1};
  a->eps[SF_EP_C] = (wr_scn_endpoint){
      .name = "c", .kind = WR_SCN_EP_SOCKET, .pos = {SF_FILE, 2, 1}};
}

/* `s listen ...` (side 0) or `c connect s ...` (side 1) and its options. */
static void endpoint_line(rd *r, wr_sf_buf *b, sf_ast *a, int side, int lo) {
  unsigned k = next(r) % 4;
  size_t first = a->nopts;
  puts_(b, side ? "c connect s" : "s listen");
  size_t at = b->len;
  puts_(b, SF_PACKET_SIZE);
  add_opts(a, b, at);
  for (unsigned i = 0; i < k; i++)
    opt(r, b, side == 0, a, lo);
  if (lo) {
    at = b->len;
    puts_(b, " nodelay=true"); /* last: it wins (see opt) */
    add_opts(a, b, at);
  }
  puts_(b, "\n");
  a->line = (uint32_t)side + 1;
  wr_scn_step *st =
      step_new(a, side ? WR_SCN_CONNECT : WR_SCN_LISTEN, side ? SF_EP_C : 0);
  if (side)
    st->peer = st->acc = SF_EP_S;
  st->opts = a->opts + first;
  st->nopts = a->nopts - first;
  implied_ok(st);
}

int wr_sf_decode(const uint8_t *data, size_t len, const wr_sf_decode_opts *o,
                 wr_sf_case *out) {
  memset(out, 0, sizeof *out);
  rd r = {data, len, 0};
  wr_sf_buf b = {0};
  sf_ast *a = malloc(sizeof *a);
  if (!a)
    return WR_ENOMEM;
  ast_init(a);
  int lo = o && o->loopback;
  out->rerun = 1;
  if (o && o->rerun_every > 1) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
      h = (h ^ data[i]) * 16777619u;
    out->rerun = h % o->rerun_every == 0;
  }
  out->seed = (uint64_t)next(&r) + 1;
  endpoint_line(&r, &b, a, 0, lo);
  endpoint_line(&r, &b, a, 1, lo);
  a->line = 3;
  while (r.i < len && out->nops < WR_SF_MAX_OPS) {
    out->sim_only |= one_op(&r, &b, o, a);
    out->nops++;
    a->line++;
    if (lo) {
      /* Loopback: the network settles after every operation, so that no
       * step's result depends on how fast the kernel and the event loop
       * run. gen_tcp itself answers a racing sequence either way (a recv
       * on an active socket just after the peer's close: OTP 25 gave
       * einval 29 times and closed once in 30 tries, docs/fuzzing.md),
       * and simnet and loopback took different sides of such races. */
      putn(&b, "wait ", WR_SF_SETTLE_MS, "ms\n");
      step_new(a, WR_SCN_WAIT, -1)->t = (wr_time)WR_SF_SETTLE_MS * WR_NS_PER_MS;
      a->line++;
    }
  }
  if (b.oom) {
    free(b.p);
    free(a);
    return WR_ENOMEM;
  }
  if (a->bad) {
    /* Never rejected: the smallest case stands in for an input the tables
     * could not say (a bug of the tables, caught by the tests). */
    b.len = 0;
    puts_(&b, "s listen\nc connect s\n");
    ast_init(a);
    step_new(a, WR_SCN_LISTEN, SF_EP_S);
    implied_ok(&a->steps[0]);
    a->line = 2;
    wr_scn_step *st = step_new(a, WR_SCN_CONNECT, SF_EP_C);
    st->peer = st->acc = SF_EP_S;
    implied_ok(st);
    out->nops = 0;
    out->sim_only = 0;
    if (b.oom) {
      free(b.p);
      free(a);
      memset(out, 0, sizeof *out);
      return WR_ENOMEM;
    }
  }
  out->scn = &a->scn;
  out->ast_ = a;
  out->text = b.p;
  out->len = b.len;
  return 0;
}

void wr_sf_case_free(wr_sf_case *c) {
  if (!c)
    return;
  if (c->ast_)
    free(c->ast_); /* the scenario lives in it */
  else
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
