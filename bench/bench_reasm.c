/* Reassembly under attack (docs/pcap.md, "Limits"): the same bytes read
 * from a capture in order and shuffled, in the same run.
 *
 *   fragments  100,000 IPv4 fragments of 8 bytes (14 datagrams of up to
 *              60 KiB, each one TCP segment of one flow) in random order,
 *              against the same fragments datagram by datagram in order
 *   segments   80,000 TCP segments of 100 bytes of one flow in random
 *              order, against the same segments in order
 *
 * Each capture is built in memory (raw-IP pcap) and read through
 * fmemopen, the reader and the reassembler; the sink hashes every byte it
 * is handed, so both sides must deliver the same stream. Checksums are not
 * verified (no_checksum), on either side: their cost is the same per byte
 * and says nothing about ordering. The goal is shuffled <= 2x the time in
 * order: the table shows in-order time / shuffled time, goal >= 0.5.
 * `--pass CASE` runs one untimed pass, for counting one side on its own
 * under callgrind (docs/benchmarks.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "wirerig/pcapflows.h"
#include "wirerig/prng.h"

#ifndef WR_BENCH_BUILD_TYPE
#define WR_BENCH_BUILD_TYPE "unknown"
#endif

/* ---- building captures in memory ---------------------------------------- */

typedef struct rec {
  uint8_t b[160];
  size_t n;
} rec;

static void be16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v) {
  be16(p, v >> 16);
  be16(p + 2, v);
}

/* An IPv4 header at p for a payload of plen bytes. */
static void ip4(uint8_t *p, size_t plen, uint16_t id, uint32_t frag_off,
                int more) {
  memset(p, 0, 20);
  p[0] = 0x45;
  be16(p + 2, (uint32_t)(20 + plen));
  be16(p + 4, id);
  be16(p + 6, frag_off / 8 | (more ? 0x2000u : 0));
  p[8] = 64;
  p[9] = 6;
  be32(p + 12, 0x0A000001);
  be32(p + 16, 0x0A000002);
}

/* A TCP header (no options) at p, client 40000 -> server 80. */
static void tcp(uint8_t *p, uint32_t seq, uint8_t flags) {
  memset(p, 0, 20);
  be16(p, 40000);
  be16(p + 2, 80);
  be32(p + 4, seq);
  p[12] = 5 << 4;
  p[13] = flags;
  be16(p + 14, 65535);
}

/* The pcap file: header, then records in `order`. */
static uint8_t *write_pcap(const rec *r, const size_t *order, size_t n,
                           size_t *len) {
  size_t total = 24;
  for (size_t i = 0; i < n; i++)
    total += 16 + r[i].n;
  uint8_t *out = malloc(total);
  if (!out)
    return NULL;
  uint32_t h[6] = {0xa1b2c3d4u, 2 | 4u << 16, 0, 0, 262144, 101};
  memcpy(out, h, sizeof h);
  uint8_t *p = out + 24;
  for (size_t i = 0; i < n; i++) {
    size_t k = order[i];
    const uint8_t *b = r[k].b;
    uint32_t bl = (uint32_t)r[k].n;
    uint32_t rh[4] = {1700000000u + (uint32_t)(i / 1000000),
                      (uint32_t)(i % 1000000), bl, bl};
    memcpy(p, rh, sizeof rh);
    memcpy(p + 16, b, bl);
    p += 16 + bl;
  }
  *len = total;
  return out;
}

static void shuffle(size_t *v, size_t n, uint64_t seed) {
  wr_prng r;
  wr_prng_seed(&r, seed);
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)wr_prng_below(&r, i);
    size_t t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

/* ---- one pass: the capture through reader and reassembler --------------- */

typedef struct hash_sink {
  uint64_t bytes, h;
} hash_sink;

static size_t on_data(void *ctx, wr_tcp_flow *f, int dir,
                      const wr_tcp_chunk *c) {
  (void)f;
  (void)dir;
  hash_sink *s = ctx;
  for (size_t i = 0; i < c->len; i++)
    s->h = (s->h ^ c->data[i]) * 0x100000001b3ULL;
  s->bytes += c->len;
  return c->len;
}

static bench_result run(const uint8_t *buf, size_t n) {
  bench_result res = {0, 0, 0};
  FILE *fp = fmemopen((void *)buf, n, "r");
  if (!fp)
    return res;
  wr_pcap_options po = {.no_checksum = 1};
  wr_pcap_reader *rd;
  char err[256];
  if (wr_pcap_reader_create_stream(fp, "bench", &po, &rd, err, sizeof err))
    return res;
  hash_sink s = {0, 0xcbf29ce484222325ULL};
  wr_tcp_sink sink = {.ctx = &s, .data = on_data};
  wr_tcp_stats ts;
  int rc = wr_pcap_run_reader(rd, NULL, &sink, &ts, err, sizeof err);
  const wr_pcap_stats *ps = wr_pcap_get_stats(rd);
  /* Dropped data would make a fast shuffled side meaningless. */
  if (rc == 0 && ps->frag_dropped == 0 && ts.stream_cap_hits == 0 &&
      ts.queue_cap_hits == 0 && ts.total_cap_hits == 0)
    res.consumed = n;
  wr_pcap_reader_destroy(rd);
  res.packets = s.bytes;
  res.checksum = s.h;
  return res;
}

static const uint8_t *in_order;
static bench_result run_in_order(const uint8_t *buf, size_t n) {
  (void)buf;
  return run(in_order, n);
}

/* ---- the captures ------------------------------------------------------- */

#define FRAG 8
#define DGRAM_PAYLOAD 61440 /* 7680 fragments of 8 bytes */

/* The flow's SYN, every case's record 0. */
static void syn_record(rec *r) {
  ip4(r->b, 20, 1, 0, 0);
  tcp(r->b + 20, 999, 0x02);
  r->n = 40;
}

/* SYN, then nfrag fragments of 8 bytes carrying datagrams of one flow.
 * rec 0 is the SYN; the fragments follow. */
static rec *fragment_records(size_t nfrag, size_t *nrec, uint64_t seed) {
  size_t per = DGRAM_PAYLOAD / FRAG;
  size_t ndg = (nfrag + per - 1) / per;
  rec *r = calloc(nfrag + 1, sizeof *r);
  if (!r)
    return NULL;
  syn_record(&r[0]);
  uint64_t st = seed;
  static uint8_t dg[DGRAM_PAYLOAD];
  size_t k = 1;
  uint32_t seq = 1000;
  for (size_t d = 0; d < ndg && k <= nfrag; d++) {
    size_t frags = nfrag + 1 - k < per ? nfrag + 1 - k : per;
    size_t plen = frags * FRAG; /* TCP header + data */
    tcp(dg, seq, 0x18);
    for (size_t i = 20; i < plen; i++)
      dg[i] = (uint8_t)bench_rand(&st);
    seq += (uint32_t)(plen - 20);
    for (size_t f = 0; f < frags; f++, k++) {
      ip4(r[k].b, FRAG, (uint16_t)(100 + d), (uint32_t)(f * FRAG),
          f + 1 < frags);
      memcpy(r[k].b + 20, dg + f * FRAG, FRAG);
      r[k].n = 20 + FRAG;
    }
  }
  *nrec = k;
  return r;
}

#define SEG 100

static rec *segment_records(size_t nseg, size_t *nrec, uint64_t seed) {
  rec *r = calloc(nseg + 1, sizeof *r);
  if (!r)
    return NULL;
  syn_record(&r[0]);
  uint64_t st = seed;
  for (size_t i = 0; i < nseg; i++) {
    rec *x = &r[i + 1];
    ip4(x->b, 20 + SEG, 0, 0, 0);
    tcp(x->b + 20, 1000 + (uint32_t)(i * SEG), 0x18);
    for (size_t j = 0; j < SEG; j++)
      x->b[40 + j] = (uint8_t)bench_rand(&st);
    x->n = 40 + SEG;
  }
  *nrec = nseg + 1;
  return r;
}

/* The two captures of recs: in order, and with everything after the SYN
 * shuffled. */
static int captures(const rec *r, size_t n, uint8_t **ordered,
                    uint8_t **shuffled, size_t *len) {
  if (n == 0) /* also tells gcc -O3 that order[] is written below */
    return -1;
  size_t *order = malloc(n * sizeof *order);
  if (!order)
    return -1;
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  size_t l1, l2;
  *ordered = write_pcap(r, order, n, &l1);
  shuffle(order + 1, n - 1, 42);
  *shuffled = write_pcap(r, order, n, &l2);
  free(order);
  *len = l1;
  return *ordered && *shuffled && l1 == l2 ? 0 : -1;
}

/* --pass CASE: one pass over one capture (frags, frags-shuffled, segs,
 * segs-shuffled) and its checksum, nothing timed: for instruction and
 * cache-miss counts under callgrind or cachegrind, which do not depend on
 * the machine's load (docs/benchmarks.md). */
static int one_pass(const char *which, const uint8_t *const caps[4],
                    size_t len1, size_t len2) {
  static const char *const names[4] = {"frags", "frags-shuffled", "segs",
                                       "segs-shuffled"};
  for (int i = 0; i < 4; i++)
    if (strcmp(which, names[i]) == 0) {
      bench_result r = run(caps[i], i < 2 ? len1 : len2);
      printf("%s: %llu bytes, checksum %016llx%s\n", which,
             (unsigned long long)r.packets, (unsigned long long)r.checksum,
             r.consumed ? "" : ", FAILED (data dropped or an error)");
      return r.consumed ? 0 : 1;
    }
  fprintf(stderr,
          "bench_reasm: --pass expects frags, frags-shuffled, segs or "
          "segs-shuffled, found '%s'\n",
          which);
  return 2;
}

/* The two timed cases, each against its records in order; 0, or 1 when
 * the two sides of a case disagree. */
static int timed_cases(const bench_opts *o, size_t nfrag, size_t nseg,
                       const uint8_t *f_ord, const uint8_t *f_shuf, size_t len1,
                       const uint8_t *s_ord, const uint8_t *s_shuf,
                       size_t len2) {
  char n1[64], n2[64];
  snprintf(n1, sizeof n1, "%zuk frags", nfrag / 1000);
  snprintf(n2, sizeof n2, "%zuk segs", nseg / 1000);
  bench_case cases[2] = {
      {n1, "B", "same fragments in order", 0.5, f_shuf, len1, run,
       run_in_order},
      {n2, "B", "same segments in order", 0.5, s_shuf, len2, run, run_in_order},
  };
  const uint8_t *ordered[2] = {f_ord, s_ord};
  bench_row rows[2];
  int rc = 0;
  for (int i = 0; i < 2; i++) {
    in_order = ordered[i];
    if (bench_run_case(&cases[i], o, &rows[i]) != 0) {
      rc = 1;
      break;
    }
  }
  if (rc == 0) {
    printf("wirerig = the capture shuffled, baseline = the same records in "
           "order; ratio = in-order time / shuffled time (goal >= 0.5, i.e. "
           "shuffled <= 2x)\n");
    bench_print_table(stdout, rows, 2);
    for (int i = 0; i < 2; i++)
      printf("%s: shuffled takes %.2fx the in-order time (goal <= 2x)\n",
             cases[i].name, rows[i].wirerig_s / rows[i].baseline_s);
  }
  return rc;
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  const char *pass = NULL;
  if (argc > 1 && strcmp(argv[1], "--pass") == 0) {
    if (argc != 3) {
      fprintf(stderr, "bench_reasm: --pass expects one case name\n");
      return 2;
    }
    pass = argv[2];
  } else if (argc > 1 && !quick) {
    fprintf(stderr,
            "bench_reasm: expected --quick or --pass CASE, found '%s'\n",
            argv[1]);
    return 2;
  }
  size_t nfrag = quick ? 10000 : 100000, nseg = quick ? 8000 : 80000;
  bench_opts o = {quick ? 2 : 5, quick ? 0.05 : 0.3, quick ? 2.0 : 20.0};
  printf("bench_reasm (%s build)%s\n", WR_BENCH_BUILD_TYPE,
         quick ? ", quick" : "");

  size_t nr1, nr2, len1, len2;
  rec *fr = fragment_records(nfrag, &nr1, 1);
  rec *sr = segment_records(nseg, &nr2, 2);
  uint8_t *f_ord, *f_shuf, *s_ord, *s_shuf;
  if (!fr || !sr || captures(fr, nr1, &f_ord, &f_shuf, &len1) ||
      captures(sr, nr2, &s_ord, &s_shuf, &len2)) {
    fprintf(stderr, "bench_reasm: out of memory building the captures\n");
    return 1;
  }
  int rc = 0;
  if (pass) {
    const uint8_t *const caps[4] = {f_ord, f_shuf, s_ord, s_shuf};
    rc = one_pass(pass, caps, len1, len2);
  } else {
    rc = timed_cases(&o, nfrag, nseg, f_ord, f_shuf, len1, s_ord, s_shuf, len2);
  }
  free(fr);
  free(sr);
  free(f_ord);
  free(f_shuf);
  free(s_ord);
  free(s_shuf);
  return rc;
}
