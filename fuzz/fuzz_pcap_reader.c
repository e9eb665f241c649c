/* The capture reader and TCP reassembly (harness/pcap) on arbitrary files.
 *
 * The input is the capture file itself, opened through fmemopen as libpcap
 * would read a file. It is read twice: with default options, and with the
 * smallest stream cap and a tiny flush size with checksums off, so that the
 * memory-cap and partial-consumption paths run too. A third read opens it
 * by path from a memfd, because files opened by path take another route:
 * classic pcap records are then read in place from a mapping
 * (harness/pcap/reader.c), and that parser needs fuzzing as much.
 *
 * Besides the sanitizers, a sink checks the reassembler's promises for
 * every flow direction: chunks and gaps arrive in stream order with no
 * overlap and no hole between them, the pieces of a chunk cover it exactly,
 * and at close the bytes and gaps seen add up to the flow's counters.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wirerig/pcapflows.h"

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c)) {                                                                \
      fprintf(stderr, "fuzz_pcap_reader: %s:%d: %s\n", __FILE__, __LINE__,     \
              #c);                                                             \
      abort();                                                                 \
    }                                                                          \
  } while (0)

typedef struct dir_track {
  uint64_t next, bytes, gaps, gap_bytes;
} dir_track;

typedef struct track {
  dir_track d[2];
} track;

static int on_open(void *ctx, wr_tcp_flow *f) {
  (void)ctx;
  f->user = calloc(1, sizeof(track));
  return f->user == NULL; /* no memory: skip its data */
}

static size_t on_data(void *ctx, wr_tcp_flow *f, int dir,
                      const wr_tcp_chunk *c) {
  (void)ctx;
  track *t = f->user;
  CHECK(t && (dir == 0 || dir == 1) && c->len > 0);
  dir_track *d = &t->d[dir];
  CHECK(c->offset == d->next); /* streams start at 0 and never skip */
  uint64_t at = c->offset;
  for (size_t i = 0; i < c->npieces; i++) {
    CHECK(c->pieces[i].offset == at && c->pieces[i].len > 0);
    at += c->pieces[i].len;
  }
  CHECK(at == c->offset + c->len);
  /* Take a varying part unless final, to exercise what is left behind. */
  size_t k = c->final ? c->len : (c->len * (c->data[0] & 3)) / 3;
  d->next = c->offset + k;
  d->bytes += k;
  return k;
}

static void on_gap(void *ctx, wr_tcp_flow *f, int dir, uint64_t off,
                   uint64_t len, wr_gap_reason reason) {
  (void)ctx;
  track *t = f->user;
  CHECK(t && len > 0 && reason <= WR_GAP_CAP);
  dir_track *d = &t->d[dir];
  CHECK(off == d->next);
  d->next = off + len;
  d->gaps++;
  d->gap_bytes += len;
}

static void on_close(void *ctx, wr_tcp_flow *f) {
  (void)ctx;
  track *t = f->user;
  if (!t)
    return;
  for (int i = 0; i < 2; i++) {
    CHECK(t->d[i].bytes == f->dir[i].bytes);
    CHECK(t->d[i].gaps == f->dir[i].gaps);
    CHECK(t->d[i].gap_bytes == f->dir[i].gap_bytes);
  }
  free(t);
  f->user = NULL;
}

static void run(const uint8_t *data, size_t size, const wr_pcap_options *po,
                const wr_tcp_options *to) {
  FILE *fp = fmemopen((void *)data, size, "rb");
  if (!fp)
    return;
  wr_pcap_reader *rd;
  char err[512];
  if (wr_pcap_reader_create_stream(fp, "fuzz.pcap", po, &rd, err, sizeof err) !=
      0) {
    CHECK(strncmp(err, "fuzz.pcap: ", 11) == 0); /* errors name the file */
    return;
  }
  wr_tcp_sink sink = {NULL, on_open, on_data, on_gap, on_close};
  wr_tcp_stats ts;
  int rc = wr_pcap_run_reader(rd, to, &sink, &ts, err, sizeof err);
  if (rc != 0 && rc != WR_ENOMEM)
    CHECK(strncmp(err, "fuzz.pcap: record ", 18) == 0);
  wr_pcap_reader_destroy(rd);
}

/* The same input opened by path, through a memfd (a regular file). */
static void run_by_path(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz.pcap", 0);
  if (fd < 0)
    return;
  size_t done = 0;
  while (done < size) {
    ssize_t w = write(fd, data + done, size - done);
    if (w <= 0) {
      close(fd);
      return;
    }
    done += (size_t)w;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  size_t plen = strlen(path);
  wr_pcap_reader *rd;
  char err[512];
  wr_pcap_options po = {0};
  if (wr_pcap_reader_create(path, &po, &rd, err, sizeof err) != 0) {
    CHECK(strncmp(err, path, plen) == 0); /* errors name the file */
    close(fd);
    return;
  }
  wr_tcp_sink sink = {NULL, on_open, on_data, on_gap, on_close};
  wr_tcp_stats ts;
  int rc = wr_pcap_run_reader(rd, NULL, &sink, &ts, err, sizeof err);
  if (rc != 0 && rc != WR_ENOMEM)
    CHECK(strncmp(err, path, plen) == 0);
  wr_pcap_reader_destroy(rd);
  close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  wr_pcap_options po = {0};
  run(data, size, &po, NULL);
  po.no_checksum = 1;
  po.frag_mem = 1 << 16;
  wr_tcp_options to = {.stream_cap = 4096, .flush_size = 100};
  run(data, size, &po, &to);
  run_by_path(data, size);
  return 0;
}
