/* wr_pcap_traffic: known TCP traffic on loopback, and checks that what a
 * tool extracted from a capture of it is exactly that traffic.
 *
 *   run --addr A --port P --flows N [--concurrency K] [--max BYTES]
 *       [--seed S] [--client-base C] --expect FILE
 *       N connections to A:P, at most K at a time. Connection i sends
 *       c2s bytes, shuts its side down, and the server answers with s2c
 *       bytes and closes. Sizes (0..BYTES) and bytes follow from (S, i);
 *       FILE gets one line per connection: "client-port i c2s s2c".
 *       With --client-base, connection i uses client port C + i.
 *   verify-manifest DIR FILE   `wirerig pcap extract` output (gap-aware)
 *   verify-tcpflow DIR FILE    `tcpflow -r` output
 *   verify-tshark FIELDS FILE  tshark -T fields -e tcp.srcport
 *                              -e tcp.dstport -e tcp.seq -e tcp.payload
 *
 * Every loop is bounded: run gives up after 120 s. Exit status 0 when all
 * is as expected, 1 when something differs, 2 on usage or system errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/hex.h"
#include "json.h"

/* ---- content ------------------------------------------------------------ */

typedef struct gen {
  uint64_t x;
} gen;

static uint64_t next64(uint64_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

static void gen_init(gen *g, uint64_t seed, uint64_t i, int dir) {
  g->x = (seed * 0x9E3779B97F4A7C15ULL) ^ (i * 0xBF58476D1CE4E5B9ULL) ^
         (uint64_t)(dir + 1) * 0x94D049BB133111EBULL;
  if (!g->x)
    g->x = 1;
  for (int k = 0; k < 4; k++)
    next64(&g->x);
}

static void gen_fill(gen *g, uint8_t *p, size_t n) {
  for (size_t k = 0; k < n; k++)
    p[k] = (uint8_t)(next64(&g->x) >> 56);
}

/* Sizes are spread so that small, empty and large streams all occur. */
static void sizes(uint64_t seed, uint64_t i, uint64_t max, uint64_t out[2]) {
  uint64_t x = seed * 31 + i * 7919 + 12345;
  for (int d = 0; d < 2; d++) {
    uint64_t r = next64(&x);
    switch (r % 8) {
    case 0:
      out[d] = 0;
      break;
    case 1:
      out[d] = 1 + r % 100;
      break;
    default:
      out[d] = max ? (r >> 8) % (max + 1) : 0;
    }
  }
}

/* ---- run ------------------------------------------------------------------
 */

typedef struct conn {
  int cfd, sfd;
  uint64_t idx;
  uint64_t len[2], done[2]; /* c2s: sent by client / read by server */
  gen g[2];
  int cstate, sstate;
  uint16_t cport;
} conn;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int set_nb(int fd) {
  return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int cmd_run(int argc, char **argv) {
  const char *addr = "127.0.0.1", *expect = NULL;
  unsigned port = 0;
  uint64_t flows = 10, conc = 8, max = 65536, seed = 1, client_base = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--addr"))
      addr = argv[i + 1];
    else if (!strcmp(argv[i], "--port"))
      port = (unsigned)strtoul(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--flows"))
      flows = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--concurrency"))
      conc = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--max"))
      max = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--seed"))
      seed = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--expect"))
      expect = argv[i + 1];
    else if (!strcmp(argv[i], "--client-base"))
      client_base = strtoull(argv[i + 1], NULL, 10);
  }
  if (!port || !expect || !conc) {
    fprintf(stderr, "wr_pcap_traffic run: --port and --expect are needed\n");
    return 2;
  }
  int v6 = strchr(addr, ':') != NULL;
  struct sockaddr_storage sa = {0};
  socklen_t salen;
  if (v6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    inet_pton(AF_INET6, addr, &s6->sin6_addr);
    salen = sizeof *s6;
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, addr, &s4->sin_addr);
    salen = sizeof *s4;
  }
  int lfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, salen) != 0 ||
      listen(lfd, 1024) != 0 || set_nb(lfd) != 0) {
    fprintf(stderr, "wr_pcap_traffic: listen on %s:%u: %s\n", addr, port,
            strerror(errno));
    return 2;
  }
  FILE *ex = fopen(expect, "w");
  if (!ex) {
    fprintf(stderr, "wr_pcap_traffic: %s: %s\n", expect, strerror(errno));
    return 2;
  }
  conn *c = calloc(conc, sizeof *c);
  struct pollfd *pf = calloc(2 * conc + 1, sizeof *pf);
  static uint8_t buf[1 << 16];
  uint64_t started = 0, finished = 0;
  double deadline = now_s() + 120;
  for (size_t k = 0; k < conc; k++)
    c[k].cfd = c[k].sfd = -1;
  int rc = 0;
  while (finished < flows) {
    if (now_s() > deadline) {
      fprintf(stderr, "wr_pcap_traffic: gave up after 120 s\n");
      rc = 2;
      break;
    }
    /* Start connections into free slots. */
    for (size_t k = 0; k < conc && started < flows; k++) {
      if (c[k].cfd >= 0 || c[k].sfd >= 0)
        continue;
      conn *x = &c[k];
      memset(x, 0, sizeof *x);
      x->idx = started++;
      sizes(seed, x->idx, max, x->len);
      gen_init(&x->g[0], seed, x->idx, 0);
      gen_init(&x->g[1], seed, x->idx, 1);
      x->sfd = -1;
      x->cfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
      if (x->cfd >= 0 && client_base) {
        /* One port per connection: tools that name outputs by port (and
         * the checks here) never see a four-tuple twice. */
        struct sockaddr_storage me = sa;
        uint16_t cp = htons((uint16_t)(client_base + x->idx));
        if (v6)
          ((struct sockaddr_in6 *)&me)->sin6_port = cp;
        else
          ((struct sockaddr_in *)&me)->sin_port = cp;
        setsockopt(x->cfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(x->cfd, (struct sockaddr *)&me, salen) != 0) {
          fprintf(stderr, "wr_pcap_traffic: bind to client port %u: %s\n",
                  (unsigned)(client_base + x->idx), strerror(errno));
          return 2;
        }
      }
      if (x->cfd < 0 || connect(x->cfd, (struct sockaddr *)&sa, salen) != 0) {
        fprintf(stderr, "wr_pcap_traffic: connect: %s\n", strerror(errno));
        return 2;
      }
      set_nb(x->cfd);
      struct sockaddr_storage me;
      socklen_t ml = sizeof me;
      getsockname(x->cfd, (struct sockaddr *)&me, &ml);
      x->cport = ntohs(v6 ? ((struct sockaddr_in6 *)&me)->sin6_port
                          : ((struct sockaddr_in *)&me)->sin_port);
      fprintf(ex, "%u %llu %llu %llu\n", x->cport, (unsigned long long)x->idx,
              (unsigned long long)x->len[0], (unsigned long long)x->len[1]);
    }
    /* Accept: match the server side to its client by the peer's port. */
    for (;;) {
      struct sockaddr_storage peer;
      socklen_t pl = sizeof peer;
      int fd = accept(lfd, (struct sockaddr *)&peer, &pl);
      if (fd < 0)
        break;
      uint16_t pp = ntohs(v6 ? ((struct sockaddr_in6 *)&peer)->sin6_port
                             : ((struct sockaddr_in *)&peer)->sin_port);
      set_nb(fd);
      size_t k = 0;
      while (k < conc && !(c[k].cfd >= 0 && c[k].cport == pp && c[k].sfd < 0))
        k++;
      if (k == conc) {
        close(fd);
        continue;
      }
      c[k].sfd = fd;
    }
    size_t n = 0;
    pf[n++] = (struct pollfd){lfd, POLLIN, 0};
    for (size_t k = 0; k < conc; k++) {
      conn *x = &c[k];
      if (x->cfd >= 0)
        pf[n++] = (struct pollfd){
            x->cfd, (short)(x->cstate == 0 ? POLLOUT : POLLIN), 0};
      if (x->sfd >= 0)
        pf[n++] = (struct pollfd){
            x->sfd, (short)(x->sstate == 0 ? POLLIN : POLLOUT), 0};
    }
    poll(pf, n, 100);
    for (size_t k = 0; k < conc; k++) {
      conn *x = &c[k];
      if (x->cfd >= 0) {
        if (x->cstate == 0) { /* client sends, then shuts down */
          while (x->done[0] < x->len[0]) {
            size_t want = x->len[0] - x->done[0];
            if (want > sizeof buf)
              want = sizeof buf;
            gen g = x->g[0];
            gen_fill(&g, buf, want);
            ssize_t w = send(x->cfd, buf, want, MSG_NOSIGNAL);
            if (w <= 0)
              break;
            gen_fill(&x->g[0], buf, (size_t)w); /* advance by what left */
            x->done[0] += (uint64_t)w;
          }
          if (x->done[0] == x->len[0]) {
            shutdown(x->cfd, SHUT_WR);
            x->cstate = 1;
          }
        } else { /* client reads to the end */
          ssize_t r;
          while ((r = recv(x->cfd, buf, sizeof buf, 0)) > 0)
            ;
          if (r == 0 || (r < 0 && errno != EAGAIN)) {
            close(x->cfd);
            x->cfd = -1;
          }
        }
      }
      if (x->sfd >= 0) {
        if (x->sstate == 0) { /* server reads to the client's FIN */
          ssize_t r;
          while ((r = recv(x->sfd, buf, sizeof buf, 0)) > 0)
            ;
          if (r == 0)
            x->sstate = 1;
        }
        if (x->sstate == 1) { /* then answers and closes */
          while (x->done[1] < x->len[1]) {
            size_t want = x->len[1] - x->done[1];
            if (want > sizeof buf)
              want = sizeof buf;
            gen g = x->g[1];
            gen_fill(&g, buf, want);
            ssize_t w = send(x->sfd, buf, want, MSG_NOSIGNAL);
            if (w <= 0)
              break;
            gen_fill(&x->g[1], buf, (size_t)w);
            x->done[1] += (uint64_t)w;
          }
          if (x->done[1] == x->len[1]) {
            close(x->sfd);
            x->sfd = -2; /* done, not to be matched again */
          }
        }
      }
      if (x->cfd == -1 && x->sfd == -2) {
        x->sfd = -1;
        finished++;
      }
    }
  }
  free(c);
  free(pf);
  close(lfd);
  if (fclose(ex) != 0)
    rc = 2;
  return rc;
}

/* ---- expectations
 * ------------------------------------------------------------ */

typedef struct expect {
  unsigned port;
  uint64_t idx, len[2];
  int seen;
} expect;

typedef struct expectations {
  expect *v;
  size_t n;
  uint64_t seed;
} expectations;

static int load(const char *path, uint64_t seed, expectations *e) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "wr_pcap_traffic: %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 0;
  e->n = 0;
  e->v = NULL;
  e->seed = seed;
  unsigned port;
  unsigned long long idx, a, b;
  while (fscanf(f, "%u %llu %llu %llu", &port, &idx, &a, &b) == 4) {
    if (e->n == cap) {
      cap = cap ? cap * 2 : 256;
      e->v = realloc(e->v, cap * sizeof *e->v);
    }
    for (size_t k = 0; k < e->n; k++)
      if (e->v[k].port == port) {
        fprintf(stderr, "wr_pcap_traffic: client port %u used twice\n", port);
        fclose(f);
        return -1;
      }
    e->v[e->n++] = (expect){port, idx, {a, b}, 0};
  }
  fclose(f);
  return 0;
}

static expect *find(expectations *e, unsigned port) {
  for (size_t k = 0; k < e->n; k++)
    if (e->v[k].port == port)
      return &e->v[k];
  return NULL;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 16, n = 0;
  uint8_t *p = malloc(cap);
  size_t r;
  /* n < cap after the loop, so the text can end in a NUL that is not
   * counted in *len */
  while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      uint8_t *q = realloc(p, cap *= 2);
      if (!q)
        free(p);
      p = q;
    }
  }
  fclose(f);
  if (!p) {
    errno = ENOMEM;
    return NULL;
  }
  p[n] = 0;
  *len = n;
  return p;
}

/* Compares got[0..n) with the expected stream less the given gaps. */
static int compare(const expectations *e, const expect *x, int dir,
                   const uint8_t *got, size_t n, const uint64_t (*gaps)[2],
                   size_t ngaps, const char *what) {
  gen g;
  gen_init(&g, e->seed, x->idx, dir);
  uint8_t b;
  size_t at = 0, gi = 0;
  for (uint64_t off = 0; off < x->len[dir]; off++) {
    gen_fill(&g, &b, 1);
    while (gi < ngaps && off >= gaps[gi][0] + gaps[gi][1])
      gi++;
    if (gi < ngaps && off >= gaps[gi][0])
      continue;
    if (at >= n || got[at] != b) {
      fprintf(stderr, "%s: %s differs at stream offset %llu (file %zu)\n", what,
              dir ? "s2c" : "c2s", (unsigned long long)off, at);
      return 1;
    }
    at++;
  }
  if (at != n) {
    fprintf(stderr, "%s: %s has %zu bytes, expected %zu\n", what,
            dir ? "s2c" : "c2s", n, at);
    return 1;
  }
  return 0;
}

static int missing(expectations *e) {
  int bad = 0;
  for (size_t k = 0; k < e->n; k++)
    if (!e->v[k].seen) {
      fprintf(stderr, "connection from port %u not found\n", e->v[k].port);
      bad = 1;
    }
  return bad;
}

/* The string member key of v, or "" when it is missing or not a string. */
static const char *member_str(const json_t *v, const char *key) {
  const char *s = json_string_value(json_object_get(v, key));
  return s ? s : "";
}

static int cmd_verify_manifest(const char *dir, expectations *e) {
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.json", dir);
  size_t len;
  uint8_t *text = read_file(path, &len);
  if (!text) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return 2;
  }
  json_error_t jerr;
  json_t *root = wr_json_load((const char *)text, len, &jerr);
  if (!root) {
    fprintf(stderr, "%s: line %d, column %d: %s\n", path, jerr.line,
            jerr.column, jerr.text);
    free(text);
    return 1;
  }
  const json_t *flows = json_object_get(root, "flows");
  int bad = 0;
  uint64_t bytes = 0;
  for (size_t i = 0; i < json_array_size(flows); i++) {
    const json_t *f = json_array_get(flows, i);
    const char *client = member_str(f, "client");
    const char *colon = strrchr(client, ':');
    expect *x = find(e, colon ? (unsigned)atoi(colon + 1) : 0);
    if (!x) {
      fprintf(stderr, "flow from %s was not made by this run\n", client);
      bad = 1;
      continue;
    }
    x->seen++;
    const json_t *gaps = json_object_get(f, "gaps");
    for (int d = 0; d < 2; d++) {
      uint64_t gv[64][2];
      size_t ng = 0;
      for (size_t k = 0; k < json_array_size(gaps) && ng < 64; k++) {
        const json_t *g = json_array_get(gaps, k);
        if (strcmp(member_str(g, "dir"), d ? "s2c" : "c2s"))
          continue;
        gv[ng][0] = (uint64_t)json_integer_value(json_object_get(g, "offset"));
        gv[ng][1] = (uint64_t)json_integer_value(json_object_get(g, "length"));
        ng++;
      }
      snprintf(path, sizeof path, "%s/%s", dir,
               member_str(f, d ? "s2c" : "c2s"));
      size_t n;
      uint8_t *got = read_file(path, &n);
      if (!got) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        bad = 1;
        continue;
      }
      bad |= compare(e, x, d, got, n, (const uint64_t(*)[2])gv, ng, client);
      bytes += n;
      free(got);
    }
  }
  bad |= missing(e);
  json_decref(root);
  free(text);
  if (!bad)
    printf("verified %zu flows, %llu bytes\n", e->n, (unsigned long long)bytes);
  return bad;
}

static int cmd_verify_tcpflow(const char *dir, expectations *e,
                              unsigned server_port) {
  int bad = 0;
  uint64_t bytes = 0;
  for (size_t k = 0; k < e->n; k++) {
    expect *x = &e->v[k];
    x->seen = 1;
    for (int d = 0; d < 2; d++) {
      char path[4096];
      unsigned a = d ? server_port : x->port, b = d ? x->port : server_port;
      snprintf(path, sizeof path,
               "%s/127.000.000.001.%05u-127.000.000.001.%05u", dir, a, b);
      size_t n = 0;
      uint8_t *got = read_file(path, &n);
      if (!got && x->len[d] == 0)
        continue; /* tcpflow writes no file for an empty direction */
      if (!got) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        bad = 1;
        continue;
      }
      char what[64];
      snprintf(what, sizeof what, "tcpflow port %u", x->port);
      bad |= compare(e, x, d, got, n, NULL, 0, what);
      bytes += n;
      free(got);
    }
  }
  if (!bad)
    printf("verified %zu flows, %llu bytes\n", e->n, (unsigned long long)bytes);
  return bad;
}

/* Lines "srcport<TAB>dstport<TAB>relative-seq<TAB>hex", in capture order.
 * A capture can hold a later segment before an earlier one (loopback
 * captures on several CPUs do), so the payloads are first put in stream
 * order (flow, direction, sequence; the capture order among equals) and
 * then each is checked at its place: new bytes must continue the stream,
 * and bytes sent again (a tail loss probe, say) must equal what they
 * repeat. */
typedef struct tshark_payload {
  size_t flow;  /* index into the expectations */
  int dir;      /* 1: server to client */
  uint64_t off; /* stream offset of the first byte */
  size_t line;  /* the line's number, for equal offsets */
  const char *hex;
} tshark_payload;

static int payload_order(const void *a, const void *b) {
  const tshark_payload *x = a, *y = b;
  if (x->flow != y->flow)
    return x->flow < y->flow ? -1 : 1;
  if (x->dir != y->dir)
    return x->dir < y->dir ? -1 : 1;
  if (x->off != y->off)
    return x->off < y->off ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

/* Reads the fields file whole and collects its payload lines (the hex
 * strings point into *text). */
static tshark_payload *tshark_payloads(const char *fields, expectations *e,
                                       unsigned server_port, char **text,
                                       size_t *count) {
  size_t len = 0;
  *text = (char *)read_file(fields, &len);
  if (!*text) {
    fprintf(stderr, "%s: %s\n", fields, strerror(errno));
    return NULL;
  }
  tshark_payload *v = NULL;
  size_t n = 0, cap = 0, lineno = 0;
  for (char *line = *text; line < *text + len; lineno++) {
    char *eol = memchr(line, '\n', (size_t)(*text + len - line));
    if (eol)
      *eol = 0;
    char *next = eol ? eol + 1 : *text + len;
    unsigned sp, dp;
    unsigned long long seq;
    char *hex = line;
    for (int tabs = 0; tabs < 3 && hex; tabs++)
      hex = strchr(hex, '\t') ? strchr(hex, '\t') + 1 : NULL;
    expect *x = NULL;
    /* no payload: the FIN and later ACKs sit past the end */
    if (sscanf(line, "%u\t%u\t%llu", &sp, &dp, &seq) == 3 && hex && seq != 0 &&
        wr_hexval(hex[0]) >= 0)
      x = find(e, sp == server_port ? dp : sp);
    if (x) {
      if (n == cap) {
        cap = cap ? cap * 2 : 4096;
        tshark_payload *w = realloc(v, cap * sizeof *v);
        if (!w) {
          fprintf(stderr, "verify-tshark: out of memory\n");
          free(v);
          return NULL;
        }
        v = w;
      }
      v[n++] =
          (tshark_payload){(size_t)(x - e->v), sp == server_port,
                           seq - 1 /* relative: the SYN is 0 */, lineno, hex};
    }
    line = next;
  }
  qsort(v, n, sizeof *v, payload_order);
  *count = n;
  return v ? v : malloc(1);
}

static int cmd_verify_tshark(const char *fields, expectations *e,
                             unsigned server_port) {
  char *text = NULL;
  size_t n = 0;
  tshark_payload *v = tshark_payloads(fields, e, server_port, &text, &n);
  if (!v) {
    free(text);
    return 2;
  }
  typedef struct pos {
    gen g;
    uint64_t at;
  } pos;
  pos *p = calloc(e->n * 2, sizeof *p);
  for (size_t k = 0; k < e->n; k++)
    for (int d = 0; d < 2; d++)
      gen_init(&p[k * 2 + d].g, e->seed, e->v[k].idx, d);
  int bad = 0;
  uint64_t bytes = 0, again = 0;
  for (size_t i = 0; i < n && !bad; i++) {
    int d = v[i].dir;
    expect *x = &e->v[v[i].flow];
    x->seen = 1;
    pos *q = &p[v[i].flow * 2 + (size_t)d];
    uint64_t off = v[i].off;
    gen back; /* for bytes sent again */
    if (off < q->at) {
      gen_init(&back, e->seed, x->idx, d);
      for (uint64_t k = 0; k < off; k++) {
        uint8_t skip;
        gen_fill(&back, &skip, 1);
      }
    } else if (off > q->at) {
      fprintf(stderr, "tshark port %u %s: a hole at %llu\n", x->port,
              d ? "s2c" : "c2s", (unsigned long long)q->at);
      bad = 1;
      break;
    }
    for (const char *h = v[i].hex; *h;) {
      if (*h == ':') {
        h++;
        continue;
      }
      int hi = wr_hexval(h[0]), lo = wr_hexval(h[1]);
      if (hi < 0 || lo < 0)
        break;
      uint8_t want;
      int old = off < q->at;
      gen_fill(old ? &back : &q->g, &want, 1);
      if ((uint8_t)(hi << 4 | lo) != want || off >= x->len[d]) {
        fprintf(stderr, "tshark port %u %s differs at %llu\n", x->port,
                d ? "s2c" : "c2s", (unsigned long long)off);
        bad = 1;
        break;
      }
      if (old) {
        again++;
      } else {
        q->at++;
        bytes++;
      }
      off++;
      h += 2;
    }
  }
  for (size_t k = 0; k < e->n && !bad; k++)
    for (int d = 0; d < 2; d++)
      if (p[k * 2 + d].at != e->v[k].len[d]) {
        fprintf(stderr, "tshark port %u %s: %llu of %llu bytes\n", e->v[k].port,
                d ? "s2c" : "c2s", (unsigned long long)p[k * 2 + d].at,
                (unsigned long long)e->v[k].len[d]);
        bad = 1;
        break;
      }
  free(v);
  free(text);
  free(p);
  if (!bad)
    printf("verified %zu flows, %llu bytes (%llu sent again)\n", e->n,
           (unsigned long long)bytes, (unsigned long long)again);
  return bad;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "run"))
    return cmd_run(argc, argv);
  if (argc < 4) {
    fprintf(stderr,
            "usage: wr_pcap_traffic run ... | verify-manifest DIR EXPECT "
            "[SEED] | verify-tcpflow DIR EXPECT PORT [SEED] | verify-tshark "
            "FIELDS EXPECT PORT [SEED]\n");
    return 2;
  }
  int is_manifest = !strcmp(argv[1], "verify-manifest");
  int seed_at = is_manifest ? 4 : 5;
  uint64_t seed = argc > seed_at ? strtoull(argv[seed_at], NULL, 10) : 1;
  expectations e;
  if (load(argv[3], seed, &e))
    return 2;
  int rc;
  if (is_manifest)
    rc = cmd_verify_manifest(argv[2], &e);
  else if (argc >= 5 && !strcmp(argv[1], "verify-tcpflow"))
    rc = cmd_verify_tcpflow(argv[2], &e, (unsigned)atoi(argv[4]));
  else if (argc >= 5 && !strcmp(argv[1], "verify-tshark"))
    rc = cmd_verify_tshark(argv[2], &e, (unsigned)atoi(argv[4]));
  else {
    fprintf(stderr, "wr_pcap_traffic: unknown command %s\n", argv[1]);
    rc = 2;
  }
  free(e.v);
  return rc;
}
