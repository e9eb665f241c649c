/* wirerig result codes: one closed set, shared by every layer.
 *
 * Success is 0 (or a positive count where a call says so); failures are the
 * negative values below. The names are gen_tcp's where gen_tcp has one, so a
 * test can compare wr_err_name(rc) with what Erlang printed. The table is an
 * X-macro so the enum, the names and the messages cannot drift apart.
 */
#ifndef WIRERIG_ERROR_H
#define WIRERIG_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define WR_ERRNO_MAP(X)                                                        \
  X(EINVAL, "einval", "invalid argument")                                      \
  X(EMSGSIZE, "emsgsize", "packet framing error or packet too large")          \
  X(ENOMEM, "enomem", "out of memory or request too large")                    \
  X(CLOSED, "closed", "connection closed")                                     \
  X(TIMEOUT, "timeout", "timed out")                                           \
  X(ECONNRESET, "econnreset", "connection reset by peer")                      \
  X(ENOTCONN, "enotconn", "socket is not connected")                           \
  X(EALREADY, "ealready", "operation already in progress")                     \
  X(EAGAIN, "eagain", "operation would block")                                 \
  X(ECONNREFUSED, "econnrefused", "connection refused")                        \
  X(EADDRINUSE, "eaddrinuse", "address already in use")                        \
  X(EADDRNOTAVAIL, "eaddrnotavail", "address not available")                   \
  X(EPIPE, "epipe", "broken pipe")                                             \
  X(ETIMEDOUT, "etimedout", "connection timed out")                            \
  X(EHOSTUNREACH, "ehostunreach", "host unreachable")                          \
  X(EBADF, "ebadf", "bad descriptor or handle")                                \
  X(EIO, "eio", "input/output error")                                          \
  X(ENOENT, "enoent", "no such file or directory")                             \
  X(EACCES, "eacces", "permission denied")                                     \
  X(ENOTSUP, "enotsup", "operation not supported")                             \
  X(EPROTO, "eproto", "malformed input")                                       \
  X(EOVERFLOW, "eoverflow", "value out of range")                              \
  X(EOF, "eof", "end of input")                                                \
  X(UNKNOWN, "unknown", "unknown system error")                                \
  X(EMFILE, "emfile", "too many open files in this process")                   \
  X(ENFILE, "enfile", "too many open files in the system")                     \
  X(NOT_OWNER, "not_owner", "the calling process does not own the socket")     \
  X(KILLED, "killed", "the waiting process was killed")                        \
  X(LIVELOCK, "livelock", "the event loop spun: ready events, nothing changed")

/* Positions in the table; the codes are their negations, -1 onwards. */
enum wr_err_index_ {
#define WR_ERR_INDEX_(name, str, msg) WR_ERRIDX_##name,
  WR_ERRNO_MAP(WR_ERR_INDEX_) WR_ERRIDX_COUNT_
#undef WR_ERR_INDEX_
};

typedef enum wr_err {
  WR_OK = 0,
#define WR_ERR_ENUM_(name, str, msg) WR_##name = -(WR_ERRIDX_##name + 1),
  WR_ERRNO_MAP(WR_ERR_ENUM_)
#undef WR_ERR_ENUM_
} wr_err;

/* The gen_tcp-style name of a result code ("einval", "closed", ...); "ok" for
 * 0 and positive values, "unknown" for anything outside the table. */
const char *wr_err_name(int rc);

/* A sentence describing the code, for messages to people. */
const char *wr_strerror(int rc);

/* Reverse of wr_err_name: the code for a name, or 0 if there is none. */
int wr_err_from_name(const char *name);

/* Maps a positive errno value to the closest wirerig code. This is the only
 * place in wirerig where errno values are interpreted. */
int wr_err_from_errno(int errnum);

#ifdef __cplusplus
}
#endif
#endif
