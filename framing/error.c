#include "wirerig/error.h"

#include <errno.h>
#include <string.h>

typedef struct {
  int code;
  const char *name;
  const char *msg;
} err_entry;

static const err_entry err_table[] = {
#define WR_ERR_ROW_(name, str, msg) {WR_##name, str, msg},
    WR_ERRNO_MAP(WR_ERR_ROW_)
#undef WR_ERR_ROW_
};

static const err_entry *err_find(int rc) {
  for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
    if (err_table[i].code == rc)
      return &err_table[i];
  return NULL;
}

const char *wr_err_name(int rc) {
  if (rc >= 0)
    return "ok";
  const err_entry *e = err_find(rc);
  return e ? e->name : "unknown";
}

const char *wr_strerror(int rc) {
  if (rc >= 0)
    return "success";
  const err_entry *e = err_find(rc);
  return e ? e->msg : "unknown error";
}

int wr_err_from_name(const char *name) {
  for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
    if (strcmp(err_table[i].name, name) == 0)
      return err_table[i].code;
  return 0;
}

int wr_err_from_errno(int errnum) {
  switch (errnum) {
  case 0:
    return WR_OK;
  case EINVAL:
    return WR_EINVAL;
  case EMSGSIZE:
    return WR_EMSGSIZE;
  case ENOMEM:
  case ENOBUFS:
    return WR_ENOMEM;
  /* gen_tcp's own atoms for these: the process or the system is out of
   * descriptors (the harness's resource, not the peer's behaviour). */
  case EMFILE:
    return WR_EMFILE;
  case ENFILE:
    return WR_ENFILE;
  case ECONNRESET:
    return WR_ECONNRESET;
  case ENOTCONN:
    return WR_ENOTCONN;
  case EALREADY:
  case EINPROGRESS:
    return WR_EALREADY;
#if EAGAIN != EWOULDBLOCK
  case EWOULDBLOCK:
#endif
  case EAGAIN:
    return WR_EAGAIN;
  case ECONNREFUSED:
    return WR_ECONNREFUSED;
  case EADDRINUSE:
    return WR_EADDRINUSE;
  case EADDRNOTAVAIL:
    return WR_EADDRNOTAVAIL;
  case EPIPE:
    return WR_EPIPE;
  case ETIMEDOUT:
    return WR_ETIMEDOUT;
  case EHOSTUNREACH:
  case ENETUNREACH:
    return WR_EHOSTUNREACH;
  case EBADF:
    return WR_EBADF;
  case EIO:
    return WR_EIO;
  case ENOENT:
    return WR_ENOENT;
  case EACCES:
  case EPERM:
    return WR_EACCES;
  case EOPNOTSUPP:
    return WR_ENOTSUP;
  case EOVERFLOW:
  case ERANGE:
    return WR_EOVERFLOW;
  default:
    return WR_UNKNOWN;
  }
}
