/* A tiny HTTP-like server and client for the replay tests
 * (tests/pcap/test_replay.sh), on 127.0.0.1 only.
 *
 *   replay_server serve ok|differ|dated PORTFILE
 *       listens on an ephemeral port, writes it to PORTFILE, and answers
 *       connections one at a time: each request (lines up to an empty
 *       line) gets "HTTP/1.1 200 OK" with an X-Path header naming the
 *       request's path; with `differ` the second request of a connection
 *       gets "HTTP/1.1 404 Not Found"; with `dated` every answer also
 *       carries headers whose values change from server to server and
 *       answer to answer (a Date with nanoseconds, an X-Request-Id from
 *       the pid), of any length. A connection ends at the client's FIN.
 *       Exits after 120 s whatever happens.
 *   replay_server client PORT
 *       three requests, each written in two pieces 30 ms apart, each answer
 *       read before the next request, then a FIN, then reads to the end.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* Reads up to and including "\r\n\r\n" into buf; 1 a request, 0 EOF, -1
 * error. Bytes past the end of the request stay in buf for the next call
 * (*have counts them). */
static int read_request(int fd, char *buf, size_t cap, size_t *have,
                        size_t *req_len) {
  for (;;) {
    char *end = NULL;
    for (size_t i = 0; i + 3 < *have; i++)
      if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
        end = buf + i + 4;
        break;
      }
    if (end) {
      *req_len = (size_t)(end - buf);
      return 1;
    }
    if (*have == cap)
      return -1;
    ssize_t k = read(fd, buf + *have, cap - *have);
    if (k == 0)
      return 0;
    if (k < 0)
      return -1;
    *have += (size_t)k;
  }
}

/* The volatile headers of `dated`: a clock reading and an id. */
static int volatile_headers(char *out, size_t cap, int n) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return snprintf(out, cap, "Date: %lld.%09ld\r\nX-Request-Id: %ld-%d\r\n",
                  (long long)ts.tv_sec, ts.tv_nsec, (long)getpid(), n);
}

static void serve_conn(int fd, int differ, int dated) {
  char buf[8192];
  size_t have = 0, len;
  int n = 0;
  while (read_request(fd, buf, sizeof buf, &have, &len) == 1) {
    n++;
    char path[256] = "?";
    sscanf(buf, "%*s %255s", path);
    char out[512], vol[128] = "";
    int k;
    if (dated)
      volatile_headers(vol, sizeof vol, n);
    if (differ && n == 2)
      k = snprintf(out, sizeof out,
                   "HTTP/1.1 404 Not Found\r\nX-Path: %s\r\n"
                   "Content-Length: 0\r\n\r\n",
                   path);
    else
      k = snprintf(out, sizeof out,
                   "HTTP/1.1 200 OK\r\n%sX-Path: %s\r\nContent-Length: "
                   "0\r\n\r\n",
                   vol, path);
    if (write_all(fd, out, (size_t)k))
      break;
    memmove(buf, buf + len, have - len);
    have -= len;
  }
  close(fd);
}

static int serve(const char *mode, const char *portfile) {
  int differ = strcmp(mode, "differ") == 0;
  int dated = strcmp(mode, "dated") == 0;
  if (!differ && !dated && strcmp(mode, "ok") != 0) {
    fprintf(stderr, "replay_server: mode must be ok, differ or dated\n");
    return 2;
  }
  alarm(120);
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 8) ||
      getsockname(ls, (struct sockaddr *)&a, &al)) {
    perror("replay_server: listen");
    return 2;
  }
  FILE *f = fopen(portfile, "w");
  if (!f || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || fclose(f)) {
    perror(portfile);
    return 2;
  }
  for (;;) {
    int fd = accept(ls, NULL, NULL);
    if (fd >= 0)
      serve_conn(fd, differ, dated);
  }
}

static int client(const char *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((unsigned short)atoi(port));
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
    perror("replay_server: connect");
    return 2;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  static const char *const paths[] = {"/one", "/two", "/three"};
  char buf[8192];
  size_t have = 0, len;
  for (int i = 0; i < 3; i++) {
    char req[256];
    int k = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: x\r\nUser-Agent: replay-test"
                     "\r\n\r\n",
                     paths[i]);
    size_t half = (size_t)k / 2;
    if (write_all(fd, req, half))
      return 2;
    pause_ms(30);
    if (write_all(fd, req + half, (size_t)k - half))
      return 2;
    if (read_request(fd, buf, sizeof buf, &have, &len) != 1) {
      fprintf(stderr, "replay_server: no answer to request %d\n", i + 1);
      return 2;
    }
    memmove(buf, buf + len, have - len);
    have -= len;
    pause_ms(20);
  }
  shutdown(fd, SHUT_WR);
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "serve") == 0)
    return serve(argv[2], argv[3]);
  if (argc == 3 && strcmp(argv[1], "client") == 0)
    return client(argv[2]);
  fprintf(stderr, "usage: replay_server serve ok|differ|dated PORTFILE\n"
                  "       replay_server client PORT\n");
  return 2;
}
