/* `wirerig pcap extract FILE --out DIR`: each flow direction into a file,
 * and DIR/manifest.json describing them.
 *
 * The reassembler hands over data in large in-order chunks (flush_size,
 * and once more when a direction ends), so each chunk is one open, one
 * write and one close: no descriptor stays open per flow, however many
 * flows there are, and the writes are large. They happen on a second
 * thread (pcap_writer.c) while this one goes on reading. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcap_cli.h"
#include "pcap_writer.h"

/* Data waiting for the writer thread, at most. */
#define WRITE_QUEUE ((size_t)64 << 20)

#define PROG WR_PCAP_PROG " extract"

typedef struct ex_flow {
  pcap_flowrec rec;
  int created[2];
} ex_flow;

typedef struct ex_ctx {
  int dirfd;
  pcap_writer *writer;
  const char *dir;
  pcap_flowrec *recs;
  size_t count, cap;
  int failed;
  char err[600];
} ex_ctx;

static int ex_open(void *ctx, wr_tcp_flow *f) {
  ex_ctx *c = ctx;
  ex_flow *x = calloc(1, sizeof *x);
  if (!x) {
    c->failed = 1;
    snprintf(c->err, sizeof c->err, "out of memory");
    return 1;
  }
  for (int d = 0; d < 2; d++)
    snprintf(x->rec.file[d], sizeof x->rec.file[d], "flow%" PRIu64 "-%s.bin",
             f->id, wr_tcp_dir_name(d));
  f->user = x;
  return 0;
}

/* Appends p[0..n) to the direction's file (creating it the first time),
 * here and now. */
static int write_now(ex_ctx *c, ex_flow *x, int d, const uint8_t *p, size_t n) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  flags |= x->created[d] ? O_APPEND : O_TRUNC;
  int fd = openat(c->dirfd, x->rec.file[d], flags, 0644);
  if (fd < 0) {
    snprintf(c->err, sizeof c->err, "%s/%s: %s", c->dir, x->rec.file[d],
             strerror(errno));
    return -1;
  }
  x->created[d] = 1;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      snprintf(c->err, sizeof c->err, "%s/%s: %s", c->dir, x->rec.file[d],
               w < 0 ? strerror(errno) : "short write");
      close(fd);
      return -1;
    }
    p += w;
    n -= (size_t)w;
    x->rec.written[d] += (uint64_t)w;
  }
  if (close(fd) != 0) {
    snprintf(c->err, sizeof c->err, "%s/%s: %s", c->dir, x->rec.file[d],
             strerror(errno));
    return -1;
  }
  return 0;
}

/* The same through the writer thread. */
static int put(ex_ctx *c, ex_flow *x, int d, const uint8_t *p, size_t n) {
  if (wr_pcap_writer_put(c->writer, x->rec.file[d], !x->created[d], p, n))
    return -1;
  x->created[d] = 1;
  x->rec.written[d] += n;
  return 0;
}

static size_t ex_data(void *ctx, wr_tcp_flow *f, int dir,
                      const wr_tcp_chunk *ch) {
  ex_ctx *c = ctx;
  ex_flow *x = f->user;
  /* A whole direction in one piece whose file does not exist yet has
   * nothing queued before it, so it may skip the queue. When the writer
   * thread lags (no core free for it), writing it here saves the copy
   * into the queue and the wait for room. */
  if (ch->final && ch->offset == 0 && !x->created[dir] && !c->failed &&
      wr_pcap_writer_busy(c->writer)) {
    if (write_now(c, x, dir, ch->data, ch->len)) {
      c->failed = 1;
      return WR_TCP_SINK_ABORT;
    }
    return ch->len;
  }
  if (c->failed || put(c, x, dir, ch->data, ch->len)) {
    c->failed = 1;
    return WR_TCP_SINK_ABORT;
  }
  return ch->len;
}

static void ex_gap(void *ctx, wr_tcp_flow *f, int dir, uint64_t off,
                   uint64_t len, wr_gap_reason reason) {
  ex_ctx *c = ctx;
  ex_flow *x = f->user;
  if (wr_pcap_rec_gap(&x->rec, dir, off, len, reason)) {
    c->failed = 1;
    snprintf(c->err, sizeof c->err, "out of memory");
  }
}

static void ex_close(void *ctx, wr_tcp_flow *f) {
  ex_ctx *c = ctx;
  ex_flow *x = f->user;
  if (!x)
    return;
  /* Every direction gets its file, empty ones included, so the manifest
   * never names a file that is not there. */
  for (int d = 0; d < 2; d++)
    if (!x->created[d] && !c->failed && put(c, x, d, NULL, 0))
      c->failed = 1;
  if (c->count == c->cap) {
    size_t n = c->cap ? c->cap * 2 : 64;
    pcap_flowrec *nr = realloc(c->recs, n * sizeof *nr);
    if (!nr) {
      c->failed = 1;
      snprintf(c->err, sizeof c->err, "out of memory");
      wr_pcap_rec_free(&x->rec);
      free(x);
      return;
    }
    c->recs = nr;
    c->cap = n;
  }
  x->rec.flow = *f;
  x->rec.flow.user = NULL;
  c->recs[c->count++] = x->rec;
  free(x);
}

static int by_id(const void *a, const void *b) {
  const pcap_flowrec *x = a, *y = b;
  return x->flow.id < y->flow.id ? -1 : x->flow.id > y->flow.id;
}

static int write_manifest(ex_ctx *c, const char *file, const wr_pcap_stats *ps,
                          const wr_tcp_stats *ts) {
  wr_json_writer w;
  wr_jw_init(&w);
  wr_jw_object_begin(&w);
  wr_jw_key(&w, "flows");
  wr_jw_array_begin(&w);
  for (size_t i = 0; i < c->count; i++)
    wr_pcap_json_flow(&w, &c->recs[i], 1);
  wr_jw_array_end(&w);
  wr_jw_key(&w, "capture");
  wr_pcap_json_capture(&w, file, ps, ts);
  wr_jw_object_end(&w);
  wr_jw_raw(&w, "\n", 1);
  int rc = 0;
  if (w.failed) {
    snprintf(c->err, sizeof c->err, "out of memory writing the manifest");
    rc = -1;
  } else {
    ex_flow tmp = {0};
    snprintf(tmp.rec.file[0], sizeof tmp.rec.file[0], "manifest.json");
    rc = write_now(c, &tmp, 0, (const uint8_t *)w.buf, w.len);
  }
  wr_jw_free(&w);
  return rc;
}

int wr_pcap_cmd_extract(pcap_opts *o) {
  if (!o->out)
    return wr_pcap_usage_error(o, "--out DIR is required");
  /* The chunks queued for the writer and the stream buffers are a few
   * hundred KiB each, allocated and freed thousands of times: from the
   * heap, kept between uses, rather than fresh zeroed pages from mmap
   * every time (a page fault per 4 KiB; a tenth of the run). */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  if (mkdir(o->out, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, PROG ": cannot create %s: %s\n", o->out, strerror(errno));
    return 2;
  }
  ex_ctx c = {0};
  c.dir = o->out;
  c.dirfd = open(o->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c.dirfd < 0) {
    fprintf(stderr, PROG ": %s: %s\n", o->out, strerror(errno));
    return 2;
  }
  c.writer = wr_pcap_writer_start(c.dirfd, o->out, WRITE_QUEUE);
  if (!c.writer) {
    fprintf(stderr, PROG ": cannot start the writer thread\n");
    close(c.dirfd);
    return 2;
  }
  wr_tcp_sink sink = {&c, ex_open, ex_data, ex_gap, ex_close};
  wr_pcap_stats ps;
  wr_tcp_stats ts;
  char err[600] = "";
  int rc = wr_pcap_run(o->file, &o->popt, &o->topt, &sink, &ps, &ts, err,
                       sizeof err);
  char werr[600] = "";
  if (wr_pcap_writer_finish(c.writer, werr, sizeof werr)) {
    c.failed = 1;
    snprintf(c.err, sizeof c.err, "%s", werr);
  }
  int status = 0;
  if (c.failed) {
    fprintf(stderr, PROG ": %s\n", c.err);
    status = 2;
  } else if (rc != 0) {
    fprintf(stderr, PROG ": %s\n", err);
    status = 2;
  } else {
    if (c.count > 1)
      qsort(c.recs, c.count, sizeof *c.recs, by_id);
    if (write_manifest(&c, o->file, &ps, &ts)) {
      fprintf(stderr, PROG ": %s\n", c.err);
      status = 2;
    } else {
      uint64_t bytes = 0;
      for (size_t i = 0; i < c.count; i++)
        bytes += c.recs[i].written[0] + c.recs[i].written[1];
      fprintf(stderr, PROG ": %zu flows, %" PRIu64 " bytes into %s\n", c.count,
              bytes, o->out);
      wr_pcap_print_capture_notes(stderr, PROG ": ", &ps, &ts);
    }
  }
  for (size_t i = 0; i < c.count; i++)
    wr_pcap_rec_free(&c.recs[i]);
  free(c.recs);
  close(c.dirfd);
  return status;
}
