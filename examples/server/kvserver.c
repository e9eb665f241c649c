/* A tiny {packet,2}-framed key-value server on 127.0.0.1, the example
 * target for scenarios/target/ (see README.md).
 *
 * Every request and reply is one frame: a 2-byte big-endian length, then
 * that many bytes.
 *   "SET key value" -> "OK"
 *   "GET key"       -> the value, or "NOTFOUND"
 *   "DEL key"       -> "OK" or "NOTFOUND"
 *   anything else   -> echoed back unchanged
 *
 * --bug turns on a framing bug that real clients hit under partial reads:
 * the server assumes one recv() returns exactly one whole frame. A header
 * split across segments, a body that arrives in pieces, or two frames that
 * arrive together (pipelining) then lose or garble requests. Loopback with
 * whole writes hides it; wirerig's segmentation does not.
 *
 * One process, poll() over up to MAX_CLIENTS connections, no threads. On
 * start it prints "listening on PORT" and flushes, so a scenario can wait
 * for it with ready="listening".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* also set by wirerig_flags in the tree build */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_CLIENTS = 64, MAX_FRAME = 65535, MAX_KEYS = 256, MAX_ITEM = 256 };

typedef struct client {
  int fd;
  size_t len; /* bytes buffered in buf */
  unsigned char buf[2 + MAX_FRAME];
} client;

static struct {
  char key[MAX_ITEM];
  char val[MAX_ITEM];
  int used;
} store[MAX_KEYS];

static int bug_mode;

static int find_key(const char *k) {
  for (int i = 0; i < MAX_KEYS; i++)
    if (store[i].used && strcmp(store[i].key, k) == 0)
      return i;
  return -1;
}

/* Writes the whole buffer; a short write on a blocking socket just loops. */
static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int reply(int fd, const char *data, size_t n) {
  unsigned char out[2 + MAX_FRAME];
  out[0] = (unsigned char)(n >> 8);
  out[1] = (unsigned char)n;
  memcpy(out + 2, data, n);
  return write_all(fd, out, n + 2);
}

/* Copies the word starting at *p (up to a space or the end) into dst. */
static size_t take_word(const char *s, size_t n, size_t *p, char *dst,
                        int rest_of_line) {
  size_t k = 0;
  while (*p < n && (rest_of_line || s[*p] != ' ') && k + 1 < MAX_ITEM)
    dst[k++] = s[(*p)++];
  dst[k] = '\0';
  if (*p < n && s[*p] == ' ')
    (*p)++;
  return k;
}

static int handle_request(int fd, const char *req, size_t n) {
  char key[MAX_ITEM], val[MAX_ITEM];
  size_t p = 4;
  if (n > 4 && memcmp(req, "SET ", 4) == 0) {
    take_word(req, n, &p, key, 0);
    take_word(req, n, &p, val, 1);
    int i = find_key(key);
    for (int j = 0; i < 0 && j < MAX_KEYS; j++)
      if (!store[j].used)
        i = j;
    if (i < 0)
      return reply(fd, "FULL", 4);
    store[i].used = 1;
    memcpy(store[i].key, key, sizeof key);
    memcpy(store[i].val, val, sizeof val);
    return reply(fd, "OK", 2);
  }
  if (n > 4 && (memcmp(req, "GET ", 4) == 0 || memcmp(req, "DEL ", 4) == 0)) {
    take_word(req, n, &p, key, 1);
    int i = find_key(key);
    if (i < 0)
      return reply(fd, "NOTFOUND", 8);
    if (req[0] == 'D') {
      store[i].used = 0;
      return reply(fd, "OK", 2);
    }
    return reply(fd, store[i].val, strlen(store[i].val));
  }
  return reply(fd, req, n);
}

/* The correct reader: accumulate, then serve every complete frame. */
static int on_readable(client *c) {
  ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
  if (r <= 0)
    return -1;
  c->len += (size_t)r;
  size_t off = 0;
  while (c->len - off >= 2) {
    size_t body = (size_t)c->buf[off] << 8 | c->buf[off + 1];
    if (c->len - off < 2 + body)
      break; /* wait for the rest of this frame */
    if (handle_request(c->fd, (char *)c->buf + off + 2, body) < 0)
      return -1;
    off += 2 + body;
  }
  memmove(c->buf, c->buf + off, c->len - off);
  c->len -= off;
  return 0;
}

/* THE BUG (--bug): one recv() is taken to be one frame. Whatever the
 * header says, the body is what this read returned; a lone header byte is
 * dropped, and a second frame in the same read is never looked at. */
static int on_readable_buggy(client *c) {
  ssize_t r = recv(c->fd, c->buf, sizeof c->buf, 0);
  if (r <= 0)
    return -1;
  if (r < 2)
    return 0;
  size_t body = (size_t)c->buf[0] << 8 | c->buf[1];
  if (body > (size_t)r - 2)
    body = (size_t)r - 2;
  return handle_request(c->fd, (char *)c->buf + 2, body);
}

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int usage(const char *why) {
  fprintf(stderr,
          "kvserver: %s\nusage: kvserver --port P [--bug]\n"
          "  --port P  listen on 127.0.0.1:P (1..65535)\n"
          "  --bug     assume one recv() is one frame (deliberate bug)\n",
          why);
  return 2;
}

int main(int argc, char **argv) {
  int port = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end != '\0' || v < 1 || v > 65535)
        return usage("--port: expected a number 1..65535");
      port = (int)v;
    } else if (strcmp(argv[i], "--bug") == 0) {
      bug_mode = 1;
    } else {
      char msg[300];
      snprintf(msg, sizeof msg, "unknown argument '%s'", argv[i]);
      return usage(msg);
    }
  }
  if (port < 0)
    return usage("--port is required");
  signal(SIGPIPE, SIG_IGN);

  int lfd = listen_on(port);
  if (lfd < 0) {
    fprintf(stderr, "kvserver: cannot listen on 127.0.0.1:%d: %s\n", port,
            strerror(errno));
    return 1;
  }
  printf("listening on %d%s\n", port, bug_mode ? " (with --bug)" : "");
  fflush(stdout);

  static client clients[MAX_CLIENTS];
  struct pollfd pfd[MAX_CLIENTS + 1];
  int n = 0;
  for (;;) {
    pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
    for (int i = 0; i < n; i++)
      pfd[i + 1] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
    if (poll(pfd, (nfds_t)n + 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      perror("kvserver: poll");
      return 1;
    }
    /* Clients first, from the back, so removing one keeps indexes valid. */
    for (int i = n - 1; i >= 0; i--) {
      if (!(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      client *c = &clients[i];
      int rc = bug_mode ? on_readable_buggy(c) : on_readable(c);
      if (rc < 0) {
        close(c->fd);
        clients[i] = clients[--n];
      }
    }
    if (pfd[0].revents & POLLIN) {
      int fd = accept(lfd, NULL, NULL);
      if (fd >= 0 && n < MAX_CLIENTS) {
        clients[n].fd = fd;
        clients[n].len = 0;
        n++;
      } else if (fd >= 0) {
        close(fd); /* full: the client sees its connection closed */
      }
    }
  }
}
