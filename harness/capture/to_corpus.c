/* wr_pcap_to_corpus (pcaptools.h), the engine of `wirerig pcap
 * to-corpus`: each whole packet of the chosen flows as a file, named by its
 * bytes, in a directory (fuzzing seeds). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wirerig/error.h"
#include "wirerig/pcaptools.h"

/* FNV-1a, 64 bits: file names that repeat for repeated packets, so the
 * corpus holds each packet once. */
static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

int wr_pcap_to_corpus(const wr_pcap_capture *cap, const wr_framing *cfg,
                      int dirs, const char *dir, wr_corpus_stats *st, char *err,
                      size_t errlen) {
  memset(st, 0, sizeof *st);
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    int e = errno;
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(e));
    return wr_err_from_errno(e);
  }
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", dir, strerror(e));
    return wr_err_from_errno(e);
  }
  wr_pcap_events ev = {0};
  int rc = 0;
  for (size_t i = 0; i < cap->count && rc == 0; i++) {
    const wr_pcap_flow *pf = &cap->flows[i];
    if ((rc = wr_pcap_cut_flow(pf, cfg, dirs, &ev)) != 0) {
      snprintf(err, errlen, "out of memory");
      break;
    }
    for (size_t k = 0; k < ev.n; k++) {
      const wr_pcap_event *e = &ev.v[k];
      if (e->kind != WR_PCAP_EV_PACKET)
        continue;
      st->packets++;
      /* The seed is the packet as it was on the wire: header and all. */
      const uint8_t *p = pf->dir[e->dir].data + e->at;
      char name[32];
      snprintf(name, sizeof name, "%016" PRIx64, fnv1a(p, e->consumed));
      int fd =
          openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0 && errno == EEXIST) {
        st->dups++;
        continue;
      }
      ssize_t w = fd < 0 ? -1 : write(fd, p, e->consumed);
      if (fd < 0 || w != (ssize_t)e->consumed || close(fd) != 0) {
        int en = errno;
        snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(en));
        rc = en ? wr_err_from_errno(en) : WR_EIO;
        break;
      }
      st->written++;
    }
  }
  wr_pcap_events_free(&ev);
  close(dirfd);
  return rc;
}
