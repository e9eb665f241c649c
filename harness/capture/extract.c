/* wr_pcap_extract (pcaptools.h), the engine of `wirerig pcap extract`:
 * each flow direction into a file, and DIR/manifest.json describing them.
 *
 * The reassembler hands over data in large in-order chunks (flush_size,
 * and once more when a direction ends), so each chunk is one open, one
 * write and one close: no descriptor stays open per flow, however many
 * flows there are, and the writes are large. They happen on a second
 * thread (extract_writer.c) while this one goes on reading. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "extract_writer.h"
#include "tools_internal.h"
#include "wirerig/error.h"

/* Data waiting for the writer thread, at most. */
#define WRITE_QUEUE ((size_t)64 << 20)

typedef struct ex_flow {
  wr_flowrec rec;
  int created[2];
} ex_flow;

typedef struct ex_ctx {
  int dirfd;
  wr_cap_writer *writer;
  const char *dir;
  wr_flowrec *recs;
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
  if (wr_cap_writer_put(c->writer, x->rec.file[d], !x->created[d], p, n))
    return -1;
  x->created[d] = 1;
  x->rec.written[d] += n;
  return 0;
}

/* A final chunk's storage handed to the writer thread as it is: the
 * reassembler gives it up (wr_tcp_chunk_take), so the bytes are not copied
 * into the queue. Returns 1 when given (0 or -1 as put), 0 when the
 * storage could not be taken. */
static int give(ex_ctx *c, ex_flow *x, int d, const wr_tcp_chunk *ch) {
  void *block = wr_tcp_chunk_take(ch);
  if (!block)
    return 0;
  if (wr_cap_writer_give(c->writer, x->rec.file[d], !x->created[d], block,
                         ch->data, ch->len))
    return -1;
  x->created[d] = 1;
  x->rec.written[d] += ch->len;
  return 1;
}

static size_t ex_data(void *ctx, wr_tcp_flow *f, int dir,
                      const wr_tcp_chunk *ch) {
  ex_ctx *c = ctx;
  ex_flow *x = f->user;
  /* A whole direction in one piece whose file does not exist yet has
   * nothing queued before it, so it may skip the queue. When the writer
   * thread lags (no core free for it), writing it here saves the wait
   * for room in the queue. */
  if (ch->final && ch->offset == 0 && !x->created[dir] && !c->failed &&
      wr_cap_writer_busy(c->writer)) {
    if (write_now(c, x, dir, ch->data, ch->len)) {
      c->failed = 1;
      return WR_TCP_SINK_ABORT;
    }
    return ch->len;
  }
  /* Else, the usual case: a direction ends (or a gap follows) and its bytes go
   * to the writer without a copy (docs/benchmarks.md, bench_pcap). */
  if (!c->failed && ch->final) {
    int g = give(c, x, dir, ch);
    if (g < 0) {
      c->failed = 1;
      return WR_TCP_SINK_ABORT;
    }
    if (g > 0)
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
  if (wr_flowrec_add_gap(&x->rec, dir, off, len, reason)) {
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
    wr_flowrec *nr = realloc(c->recs, n * sizeof *nr);
    if (!nr) {
      c->failed = 1;
      snprintf(c->err, sizeof c->err, "out of memory");
      wr_flowrec_free(&x->rec);
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

static int write_manifest(ex_ctx *c, const char *file, const wr_pcap_stats *ps,
                          const wr_tcp_stats *ts) {
  wr_json_writer w;
  wr_jw_init(&w);
  wr_cap_json_flows(&w, c->recs, c->count, 1, file, ps, ts);
  wr_jw_raw(&w, "\n", 1);
  int rc = 0;
  if (w.failed) {
    snprintf(c->err, sizeof c->err, "out of memory writing the manifest");
    rc = -1;
  } else if (wr_atomic_write_at(c->dirfd, c->dir, "manifest.json", w.buf, w.len,
                                c->err, sizeof c->err) != 0) {
    /* Written under a temporary name and renamed: a full disk leaves no
     * 0-byte manifest that looks like an empty capture. */
    rc = -1;
  }
  wr_jw_free(&w);
  return rc;
}

int wr_pcap_extract(const char *path, const wr_pcap_options *popt,
                    const wr_tcp_options *topt, const char *dir,
                    wr_flow_list *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  /* The input is opened (and its header checked) before the folder is
   * made: a missing or unreadable capture leaves nothing behind. */
  wr_pcap_reader *rd;
  int rc = wr_pcap_reader_create(path, popt, &rd, err, errlen);
  if (rc != 0)
    return rc;
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    int e = errno;
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(e));
    wr_pcap_reader_destroy(rd);
    return wr_err_from_errno(e);
  }
  ex_ctx c = {0};
  c.dir = dir;
  c.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c.dirfd < 0) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", dir, strerror(e));
    wr_pcap_reader_destroy(rd);
    return wr_err_from_errno(e);
  }
  /* The manifest is the mark of a complete extract: it is written last,
   * atomically, once every flow file is. An earlier extract's manifest is
   * removed first, so that a run that fails (or is interrupted) leaves no
   * manifest beside its new flow files that would describe other data. */
  if (unlinkat(c.dirfd, "manifest.json", 0) != 0 && errno != ENOENT) {
    int e = errno;
    snprintf(err, errlen, "%s/manifest.json: cannot remove the earlier one: %s",
             dir, strerror(e));
    close(c.dirfd);
    return wr_err_from_errno(e);
  }
  c.writer = wr_cap_writer_start(c.dirfd, dir, WRITE_QUEUE);
  if (!c.writer) {
    snprintf(err, errlen, "cannot start the writer thread");
    close(c.dirfd);
    wr_pcap_reader_destroy(rd);
    return WR_ENOMEM;
  }
  wr_tcp_sink sink = {&c, ex_open, ex_data, ex_gap, ex_close};
  rc = wr_pcap_run_reader(rd, topt, &sink, &out->tcp, err, errlen);
  out->pcap = *wr_pcap_get_stats(rd);
  wr_pcap_reader_destroy(rd);
  char werr[600] = "";
  if (wr_cap_writer_finish(c.writer, werr, sizeof werr)) {
    c.failed = 1;
    snprintf(c.err, sizeof c.err, "%s", werr);
  }
  if (c.failed) {
    snprintf(err, errlen, "%s", c.err);
    rc = WR_EIO;
  } else if (rc == 0) {
    wr_cap_sort_recs(c.recs, c.count);
    if (write_manifest(&c, path, &out->pcap, &out->tcp)) {
      snprintf(err, errlen, "%s", c.err);
      rc = WR_EIO;
    }
  }
  close(c.dirfd);
  if (rc != 0) {
    for (size_t i = 0; i < c.count; i++)
      wr_flowrec_free(&c.recs[i]);
    free(c.recs);
    return rc;
  }
  out->recs = c.recs;
  out->count = c.count;
  return 0;
}
