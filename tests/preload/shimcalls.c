/* A program for tests/preload/shimcalls.sh, run under the shim with
 * `--reads fixed:1 --writes fixed:2`: it connects to itself over loopback
 * (a forked child is the peer, which writes PAYLOAD and then echoes back
 * what it gets until the end of the stream) and checks that the calls the
 * shim learned last are shaped:
 *   dup      reads through dup, dup2, dup3 and fcntl(F_DUPFD_CLOEXEC)
 *            copies are one byte each and continue one stream; closing
 *            the original leaves the copies shaped
 *   mmsg     each message of recvmmsg is one byte; sendmmsg stops after
 *            a message that went in part (two bytes of "abcd")
 *   pwait2   an edge-triggered epoll_pwait2 loop reads the whole payload a
 *            byte at a time with the program's own epoll_data, never
 *            waiting out its timeout
 * Exit 0 when every check holds; 1 with a message naming the check. Run
 * without the shim every mode fails (reads are not cut). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD "hello world"
#define PLEN (sizeof PAYLOAD - 1)

static int bad(const char *what) {
  fprintf(stderr, "shimcalls: %s (errno %d: %s)\n", what, errno,
          strerror(errno));
  return 1;
}

/* The peer: writes PAYLOAD whole, then reads (and drops) until EOF. */
static void peer(uint16_t port) {
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0)
    _exit(2);
  /* The peer's own writes are cut too (it inherited the shim). */
  for (size_t off = 0; off < PLEN;) {
    ssize_t n = send(c, &PAYLOAD[off], PLEN - off, MSG_NOSIGNAL);
    if (n <= 0)
      _exit(3);
    off += (size_t)n;
  }
  char b[64];
  while (recv(c, b, sizeof b, 0) > 0)
    ;
  _exit(0);
}

/* Reads one call's worth; 1 byte expected. */
static int one_byte(int fd, char *into, const char *what) {
  ssize_t n = read(fd, into, 8);
  if (n != 1) {
    fprintf(stderr, "shimcalls: %s: read gave %zd, expected 1 byte\n", what, n);
    return 1;
  }
  return 0;
}

static int mode_dup(int fd) {
  char got[PLEN + 1] = {0};
  size_t k = 0;
  int d1 = dup(fd);
  int d2 = dup2(fd, 100);
  int d3 = dup3(fd, 101, O_CLOEXEC);
  int d4 = fcntl(fd, F_DUPFD_CLOEXEC, 102);
  if (d1 < 0 || d2 != 100 || d3 != 101 || d4 < 102)
    return bad("dup");
  if (one_byte(fd, &got[k++], "original") || one_byte(d1, &got[k++], "dup") ||
      one_byte(d2, &got[k++], "dup2") || one_byte(d3, &got[k++], "dup3") ||
      one_byte(d4, &got[k++], "F_DUPFD_CLOEXEC"))
    return 1;
  /* Closing the original ends nothing: the copies read on, shaped. */
  close(fd);
  if (one_byte(d1, &got[k++], "dup after close of the original"))
    return 1;
  close(d2);
  close(d3);
  close(d4);
  while (k < PLEN)
    if (one_byte(d1, &got[k++], "last copy"))
      return 1;
  if (memcmp(got, PAYLOAD, PLEN) != 0) {
    fprintf(stderr, "shimcalls: dup: read '%s', expected '%s'\n", got, PAYLOAD);
    return 1;
  }
  close(d1);
  return 0;
}

static int mode_mmsg(int fd) {
  char b[4][8];
  struct iovec iov[4];
  struct mmsghdr m[4];
  memset(m, 0, sizeof m);
  for (int i = 0; i < 4; i++) {
    iov[i] = (struct iovec){b[i], sizeof b[i]};
    m[i].msg_hdr.msg_iov = &iov[i];
    m[i].msg_hdr.msg_iovlen = 1;
  }
  /* Give the peer time to send it all, so that an unshaped call would
   * fill more than one byte (the shaped result does not depend on it). */
  struct timespec ts = {0, 200000000};
  nanosleep(&ts, NULL);
  /* Each message is one shaped read: one byte, in stream order. */
  int n = recvmmsg(fd, m, 4, MSG_WAITFORONE, NULL);
  if (n < 1) {
    fprintf(stderr, "shimcalls: recvmmsg gave %d\n", n);
    return 1;
  }
  for (int i = 0; i < n; i++)
    if (m[i].msg_len != 1 || b[i][0] != PAYLOAD[i]) {
      fprintf(stderr,
              "shimcalls: recvmmsg message %d: %u bytes, expected 1 ('%c')\n",
              i, m[i].msg_len, PAYLOAD[i]);
      return 1;
    }
  char o1[] = "abcd", o2[] = "ef";
  struct iovec ov[2] = {{o1, 4}, {o2, 2}};
  struct mmsghdr om[2];
  memset(om, 0, sizeof om);
  om[0].msg_hdr.msg_iov = &ov[0];
  om[0].msg_hdr.msg_iovlen = 1;
  om[1].msg_hdr.msg_iov = &ov[1];
  om[1].msg_hdr.msg_iovlen = 1;
  n = sendmmsg(fd, om, 2, MSG_NOSIGNAL);
  if (n != 1 || om[0].msg_len != 2) {
    fprintf(stderr,
            "shimcalls: sendmmsg sent %d messages, the first %u bytes; "
            "expected 1 message of 2 bytes\n",
            n, n > 0 ? om[0].msg_len : 0);
    return 1;
  }
  close(fd);
  return 0;
}

static int mode_pwait2(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {EPOLLIN | EPOLLET, {.u64 = 0xfeedbeefull}};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
    return bad("epoll");
  char got[PLEN + 1] = {0};
  size_t k = 0;
  /* Each wait has 2 s: an edge the shim failed to give again would leave
   * the loop waiting them out, and the test fails. */
  for (int round = 0; round < 100 && k < PLEN; round++) {
    struct epoll_event out[4];
    struct timespec ts = {2, 0};
    int n = epoll_pwait2(ep, out, 4, &ts, NULL);
    if (n < 0 && errno == ENOSYS)
      return 77; /* this libc has no epoll_pwait2: skipped */
    if (n != 1) {
      fprintf(stderr,
              "shimcalls: epoll_pwait2 gave %d events after %zu bytes\n", n, k);
      return 1;
    }
    if (out[0].data.u64 != 0xfeedbeefull) {
      fprintf(stderr,
              "shimcalls: epoll_pwait2 event data %#llx, expected "
              "the program's 0xfeedbeef\n",
              (unsigned long long)out[0].data.u64);
      return 1;
    }
    while (k < PLEN) {
      ssize_t r = read(fd, &got[k], PLEN - k);
      if (r < 0 && errno == EAGAIN)
        break;
      if (r != 1) {
        fprintf(stderr, "shimcalls: pwait2: read gave %zd, expected 1\n", r);
        return 1;
      }
      k++;
    }
  }
  if (k != PLEN || memcmp(got, PAYLOAD, PLEN) != 0) {
    fprintf(stderr, "shimcalls: pwait2: read '%s', expected '%s'\n", got,
            PAYLOAD);
    return 1;
  }
  close(ep);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: shimcalls dup|mmsg|pwait2\n");
    return 2;
  }
  alarm(20); /* bounded whatever happens */
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  socklen_t al = sizeof a;
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
      listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&a, &al) < 0)
    return bad("listen");
  pid_t pid = fork();
  if (pid < 0)
    return bad("fork");
  if (pid == 0)
    peer(ntohs(a.sin_port));
  int fd = accept(l, NULL, NULL);
  if (fd < 0)
    return bad("accept");
  int rc = strcmp(argv[1], "dup") == 0      ? mode_dup(fd)
           : strcmp(argv[1], "mmsg") == 0   ? mode_mmsg(fd)
           : strcmp(argv[1], "pwait2") == 0 ? mode_pwait2(fd)
                                            : 2;
  if (rc == 2)
    fprintf(stderr, "shimcalls: unknown mode %s\n", argv[1]);
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
  return rc;
}
