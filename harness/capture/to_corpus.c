/* wr_pcap_to_corpus (pcaptools.h), the engine of `wirerig pcap
 * to-corpus`: captured traffic as fuzzing seeds, in the layout of the
 * target they are for, each file named by the SHA-1 of its content as
 * libFuzzer names the inputs it keeps. */
#include <errno.h>
#include <fcntl.h>
#include <sha1.h> /* libmd */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "wirerig/error.h"
#include "wirerig/pcaptools.h"

int wr_corpus_layout_parse(const char *name) {
  static const char *const names[] = {"packets", "check", "split"};
  for (int i = 0; i < 3; i++)
    if (name && strcmp(name, names[i]) == 0)
      return i;
  return -1;
}

typedef struct corpus {
  int dirfd;
  const char *dir;
  wr_corpus_stats *st;
  char *err;
  size_t errlen;
} corpus;

/* Writes one input (two pieces: a layout header and the bytes). */
static int put(corpus *c, const uint8_t *head, size_t hlen, const uint8_t *p,
               size_t n) {
  SHA1_CTX ctx;
  char name[SHA1_DIGEST_STRING_LENGTH];
  SHA1Init(&ctx);
  SHA1Update(&ctx, head, hlen);
  SHA1Update(&ctx, p, n);
  SHA1End(&ctx, name);
  c->st->packets++;
  /* An input already there (same name: same bytes) is a duplicate. A new
   * one is written under a temporary name and renamed, so that a full disk
   * or a kill never leaves a half input under a name that claims a hash. */
  if (faccessat(c->dirfd, name, F_OK, 0) == 0) {
    c->st->dups++;
    return 0;
  }
  uint8_t *all = malloc(hlen + n + 1);
  if (!all) {
    snprintf(c->err, c->errlen, "%s/%s: out of memory", c->dir, name);
    return WR_ENOMEM;
  }
  if (hlen)
    memcpy(all, head, hlen);
  if (n)
    memcpy(all + hlen, p, n);
  int arc = wr_atomic_write_at(c->dirfd, c->dir, name, all, hlen + n, c->err,
                               c->errlen);
  free(all);
  if (arc != 0)
    return wr_err_from_errno(-arc);
  c->st->written++;
  return 0;
}

/* The stream of one direction up to its first gap, its captured pieces
 * as the schedule of the check layout. */
static int put_check(corpus *c, const wr_tcp_stream *s) {
  size_t len = s->ngaps ? s->gaps[0].at : s->len;
  if (len == 0)
    return 0;
  uint8_t head[256];
  size_t k = 0, at = 0;
  for (size_t i = 0; i < s->npieces && k < 255; i++) {
    const wr_stream_piece *pc = &s->pieces[i];
    if (pc->at != at || pc->len == 0 || pc->len > 256 || at + pc->len >= len)
      break; /* the layout cannot say more: the rest is one chunk */
    head[1 + k++] = (uint8_t)(pc->len - 1);
    at += pc->len;
  }
  head[0] = (uint8_t)k;
  return put(c, head, 1 + k, s->data, len);
}

int wr_pcap_to_corpus(const wr_pcap_capture *cap, const wr_framing *cfg,
                      int dirs, wr_corpus_layout layout, const char *dir,
                      wr_corpus_stats *st, char *err, size_t errlen) {
  memset(st, 0, sizeof *st);
  if ((unsigned)layout > WR_CORPUS_SPLIT) {
    snprintf(err, errlen, "unknown corpus layout %d", (int)layout);
    return WR_EINVAL;
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    int e = errno;
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(e));
    return wr_err_from_errno(e);
  }
  corpus c = {open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dir, st, err,
              errlen};
  if (c.dirfd < 0) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", dir, strerror(e));
    return wr_err_from_errno(e);
  }
  /* split.c's header: packet_size and line length codes 0 (no limit), the
   * default delimiter, no chunk sizes (a byte at a time). */
  static const uint8_t split_head[4] = {0, 0, 0, 0};
  wr_pcap_events ev = {0};
  int rc = 0;
  for (size_t i = 0; i < cap->count && rc == 0; i++) {
    const wr_pcap_flow *pf = &cap->flows[i];
    if (layout == WR_CORPUS_CHECK) {
      for (int d = 0; d < 2 && rc == 0; d++)
        if (dirs & (1 << d))
          rc = put_check(&c, &pf->dir[d]);
      continue;
    }
    if ((rc = wr_pcap_cut_flow(pf, cfg, dirs, &ev)) != 0) {
      snprintf(err, errlen, "out of memory");
      break;
    }
    for (size_t k = 0; k < ev.n && rc == 0; k++) {
      const wr_pcap_event *e = &ev.v[k];
      if (e->kind != WR_PCAP_EV_PACKET)
        continue;
      /* The packet as it was on the wire: header and all. */
      const uint8_t *p = pf->dir[e->dir].data + e->at;
      if (layout == WR_CORPUS_SPLIT)
        rc = put(&c, split_head, sizeof split_head, p, e->consumed);
      else
        rc = put(&c, NULL, 0, p, e->consumed);
    }
  }
  wr_pcap_events_free(&ev);
  close(c.dirfd);
  return rc;
}
