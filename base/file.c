#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int wr_read_fd(int fd, size_t max, uint8_t **out, size_t *len, char *err,
               size_t errlen) {
  size_t cap = 64 << 10, n = 0;
  if (cap > max)
    cap = max;
  uint8_t *buf = malloc(cap + 1);
  if (!buf) {
    snprintf(err, errlen, "out of memory reading it");
    return -1;
  }
  for (;;) {
    if (n == cap) {
      /* One more byte than the limit tells "exactly max" from "more". */
      if (cap > max || cap == max) {
        uint8_t probe;
        ssize_t r;
        do
          r = read(fd, &probe, 1);
        while (r < 0 && errno == EINTR);
        if (r == 0)
          break;
        if (r < 0) {
          snprintf(err, errlen, "cannot read: %s", strerror(errno));
          free(buf);
          return -1;
        }
        snprintf(err, errlen, "file too large: over %zu bytes", max);
        free(buf);
        return -1;
      }
      size_t ncap = cap > max / 2 ? max : cap * 2;
      uint8_t *nb = realloc(buf, ncap + 1);
      if (!nb) {
        snprintf(err, errlen, "out of memory reading it (%zu bytes so far)", n);
        free(buf);
        return -1;
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      snprintf(err, errlen, "cannot read: %s", strerror(errno));
      free(buf);
      return -1;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

int wr_read_file(const char *path, size_t max, int regular_only, uint8_t **out,
                 size_t *len, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | (regular_only ? O_NONBLOCK : 0));
  if (fd < 0) {
    snprintf(err, errlen, "cannot open: %s", strerror(errno));
    return -1;
  }
  if (regular_only) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      snprintf(err, errlen, "cannot read: not a regular file");
      close(fd);
      return -1;
    }
    if ((uint64_t)st.st_size > max) {
      snprintf(err, errlen, "file too large: %lld bytes, the limit is %zu",
               (long long)st.st_size, max);
      close(fd);
      return -1;
    }
  }
  int rc = wr_read_fd(fd, max, out, len, err, errlen);
  close(fd);
  return rc;
}
