#include "base/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void clear(wr_atomic_file *af) {
  free(af->path);
  free(af->tmp);
  af->fp = NULL;
  af->path = af->tmp = NULL;
}

/* "DIR/.NAME.tmp-XXXXXX": hidden, in the same directory (so rename is
 * atomic: one file system) and plainly not a result. */
static char *tmp_name(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
  const char *base = path + dlen;
  size_t n = dlen + 1 + strlen(base) + 12 + 1;
  char *t = malloc(n);
  if (t)
    snprintf(t, n, "%.*s.%s.tmp-XXXXXX", (int)dlen, path, base);
  return t;
}

int wr_atomic_open(wr_atomic_file *af, const char *path, char *err,
                   size_t errlen) {
  af->fp = NULL;
  af->tmp = NULL;
  af->path = strdup(path);
  if (!af->path) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -ENOMEM;
  }
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    af->fp = fopen(path, "w");
    if (!af->fp) {
      int e = errno;
      snprintf(err, errlen, "%s: cannot open for writing: %s", path,
               strerror(e));
      clear(af);
      return -e;
    }
    return 0;
  }
  af->tmp = tmp_name(path);
  if (!af->tmp) {
    snprintf(err, errlen, "%s: out of memory", path);
    clear(af);
    return -ENOMEM;
  }
  int fd = mkostemp(af->tmp, O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    snprintf(err, errlen, "%s: cannot create: %s", path, strerror(e));
    clear(af);
    return -e;
  }
  /* mkostemp makes it 0600; an output file gets the usual 0644 less the
   * umask, as fopen would have given it. */
  mode_t um = umask(0);
  umask(um);
  fchmod(fd, 0666 & ~um);
  af->fp = fdopen(fd, "w");
  if (!af->fp) {
    int e = errno;
    close(fd);
    unlink(af->tmp);
    snprintf(err, errlen, "%s: cannot open for writing: %s", path, strerror(e));
    clear(af);
    return -e;
  }
  return 0;
}

int wr_atomic_commit(wr_atomic_file *af, int sync, char *err, size_t errlen) {
  int e = 0;
  if (fflush(af->fp) != 0 || ferror(af->fp))
    e = errno ? errno : EIO;
  if (!e && sync && af->tmp && fsync(fileno(af->fp)) != 0)
    e = errno;
  if (fclose(af->fp) != 0 && !e)
    e = errno ? errno : EIO;
  af->fp = NULL;
  if (!e && af->tmp && rename(af->tmp, af->path) != 0)
    e = errno;
  if (e) {
    snprintf(err, errlen, "%s: cannot write: %s", af->path, strerror(e));
    if (af->tmp)
      unlink(af->tmp);
  }
  clear(af);
  return e ? -e : 0;
}

void wr_atomic_abort(wr_atomic_file *af) {
  if (af->fp)
    fclose(af->fp);
  if (af->tmp)
    unlink(af->tmp);
  clear(af);
}

int wr_atomic_write(const char *path, const void *p, size_t n, char *err,
                    size_t errlen) {
  wr_atomic_file af;
  int rc = wr_atomic_open(&af, path, err, errlen);
  if (rc)
    return rc;
  errno = 0;
  if (n && fwrite(p, 1, n, af.fp) != n) {
    int e = errno ? errno : EIO;
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(e));
    wr_atomic_abort(&af);
    return -e;
  }
  return wr_atomic_commit(&af, 0, err, errlen);
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0)
      return errno;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

int wr_atomic_write_at(int dirfd, const char *dirname, const char *name,
                       const void *p, size_t n, char *err, size_t errlen) {
  char tmp[300];
  unsigned long salt = (unsigned long)getpid();
  int fd = -1, e = 0;
  for (int tries = 0; tries < 100 && fd < 0; tries++) {
    snprintf(tmp, sizeof tmp, ".%s.tmp-%lu-%d", name, salt, tries);
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0) {
    e = errno;
    snprintf(err, errlen, "%s/%s: cannot create: %s", dirname, name,
             strerror(e));
    return -e;
  }
  e = write_all(fd, p, n);
  if (close(fd) != 0 && !e)
    e = errno;
  if (!e && renameat(dirfd, tmp, dirfd, name) != 0)
    e = errno;
  if (e) {
    unlinkat(dirfd, tmp, 0);
    snprintf(err, errlen, "%s/%s: cannot write: %s", dirname, name,
             strerror(e));
    return -e;
  }
  return 0;
}
