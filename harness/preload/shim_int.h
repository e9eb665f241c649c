/* Internals shared by the files of libwirerig_preload.so: the real libc
 * functions, the state of each shaped connection and of each epoll
 * instance, the lock, the trace (shim.c says how it all fits). Nothing
 * here is exported: the library is built with hidden visibility and only
 * the interposed libc names carry WR_PL_EXPORT. */
#ifndef WIRERIG_PRELOAD_SHIM_INT_H
#define WIRERIG_PRELOAD_SHIM_INT_H

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "pl_decide.h"

#define WR_PL_EXPORT __attribute__((visibility("default")))
#define WR_PL_MAX_FD 65536
#define WR_PL_MAX_EP 64
#define WR_PL_MAX_IOV 1024
/* Descriptors one connection can have at once (dup); more pass unshaped. */
#define WR_PL_MAX_DUPS 8

typedef struct wr_pl_real {
  ssize_t (*read)(int, void *, size_t);
  ssize_t (*recv)(int, void *, size_t, int);
  ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
  ssize_t (*recvmsg)(int, struct msghdr *, int);
  int (*recvmmsg)(int, struct mmsghdr *, unsigned, int, struct timespec *);
  ssize_t (*readv)(int, const struct iovec *, int);
  ssize_t (*write)(int, const void *, size_t);
  ssize_t (*send)(int, const void *, size_t, int);
  ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *,
                    socklen_t);
  ssize_t (*sendmsg)(int, const struct msghdr *, int);
  int (*sendmmsg)(int, struct mmsghdr *, unsigned, int);
  ssize_t (*writev)(int, const struct iovec *, int);
  ssize_t (*sendfile)(int, int, off_t *, size_t);
  ssize_t (*splice)(int, loff_t *, int, loff_t *, size_t, unsigned);
  int (*accept)(int, struct sockaddr *, socklen_t *);
  int (*accept4)(int, struct sockaddr *, socklen_t *, int);
  int (*connect)(int, const struct sockaddr *, socklen_t);
  int (*close)(int);
  int (*shutdown)(int, int);
  int (*dup)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*fcntl)(int, int, ...);
  int (*fcntl64)(int, int, ...);
  int (*poll)(struct pollfd *, nfds_t, int);
  int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
               const sigset_t *);
  int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
  int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
                 const sigset_t *);
  int (*epoll_create)(int);
  int (*epoll_create1)(int);
  int (*epoll_ctl)(int, int, int, struct epoll_event *);
  int (*epoll_wait)(int, struct epoll_event *, int, int);
  int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
  int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
                      const sigset_t *);
  int (*ioctl)(int, unsigned long, ...);
} wr_pl_real;

extern wr_pl_real wr_pl_real_;
#define real wr_pl_real_

/* One shaped connection, shared by every descriptor that names it (dup,
 * dup2, dup3, fcntl F_DUPFD): they read one stream at one offset, so they
 * share the cursors, the snoozes and the faults. Indexed by direction
 * (WR_PL_IN, WR_PL_OUT) where both directions have one. */
typedef struct wr_pl_conn {
  uint8_t reset;     /* the shim reset it: every call fails */
  uint8_t rd_forced; /* an end of stream or reset is due: "readable" */
  uint8_t snooze[2];
  uint64_t conn;
  const wr_policy *pol[2];
  wr_pl_cursor cur[2];
  uint64_t calls;
  uint64_t eof_at, reset_at;
  uint64_t intr_at[2]; /* offset + 1 of the last EINTR */
  int nfds;            /* descriptors naming it in this process */
  int fds[WR_PL_MAX_DUPS];
  struct wr_pl_conn *next_free;
} wr_pl_conn;

typedef struct wr_pl_epreg {
  uint8_t present, armed, kick_in, kick_out;
  uint32_t events;
  uint64_t data;
} wr_pl_epreg;

typedef struct wr_pl_epinst {
  int epfd; /* -1: free slot */
  int cap;
  wr_pl_epreg *regs; /* indexed by fd */
  int *kicked;       /* fds with a kick flag, no duplicates */
  int nkicked, capkicked;
} wr_pl_epinst;

extern wr_pl_cfg wr_pl_cfg_;
/* Passive and untraced: the calls go straight through (the speed baseline
 * of bench/bench_exec.sh). */
extern int wr_pl_passthrough_;

void wr_pl_resolve_(void);
void wr_pl_lock_(void);
void wr_pl_unlock_(void);

/* The connection fd names, or NULL (read without the lock on every call). */
wr_pl_conn *wr_pl_tracked_(int fd);

void wr_pl_trace_io_(const wr_pl_conn *s, unsigned dir, const char *call,
                     uint64_t asked, long long result, int injected);
void wr_pl_trace_ev_(uint64_t conn, const char *what);
void wr_pl_say_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Every epoll instance watching a descriptor of s reports it again on
 * its next wait if it is ready then (lock held). */
void wr_pl_kick_(const wr_pl_conn *s, int in, int out);
/* Drops fd from every epoll table; frees the table of epoll instance fd
 * (lock held). */
void wr_pl_ep_forget_(int fd);

/* The reset fault: RST to the peer, ECONNRESET to the program from now
 * on (lock held). */
void wr_pl_do_reset_(int fd, wr_pl_conn *s);

#endif
