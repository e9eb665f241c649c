#include "bench_streams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

uint8_t *bench_stream_packet4(size_t target, size_t payload, uint64_t seed,
                              size_t *len) {
  size_t count = target / (4 + payload);
  size_t n = count * (4 + payload);
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf)
    return NULL;
  uint8_t *p = buf;
  for (size_t i = 0; i < count; i++) {
    p[0] = (uint8_t)(payload >> 24);
    p[1] = (uint8_t)(payload >> 16);
    p[2] = (uint8_t)(payload >> 8);
    p[3] = (uint8_t)payload;
    p += 4;
    for (size_t j = 0; j < payload; j += 8) {
      uint64_t r = bench_rand(&seed);
      size_t k = payload - j < 8 ? payload - j : 8;
      memcpy(p + j, &r, k);
    }
    p += payload;
  }
  *len = n;
  return buf;
}

uint8_t *bench_stream_lines(size_t target, size_t line_len, uint64_t seed,
                            size_t *len) {
  size_t count = line_len ? target / line_len : 0;
  size_t n = count * line_len;
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf)
    return NULL;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t r = bench_rand(&seed);
    for (size_t k = 0; k < 8 && i + k < n; k++)
      buf[i + k] = (uint8_t)(' ' + ((r >> (8 * k)) & 0xff) % 95);
  }
  for (size_t i = line_len - 1; i < n; i += line_len)
    buf[i] = '\n';
  *len = n;
  return buf;
}

/* What a browser asks for when it loads a page: the document, then its
 * stylesheets, scripts and images, each with its own Accept line. */
typedef struct resource {
  /* The path is pre + word + mid + number + post (a literal format keeps
   * -Wformat-nonliteral quiet). */
  const char *pre, *mid, *post;
  const char *accept;
  const char *last_header; /* the eighth header line, differs by kind */
} resource;

static const resource resources[] = {
    {"/", "/article-", ".html",
     "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
     "image/webp,*/*;q=0.8",
     "Connection: keep-alive"},
    {"/static/css/", ".", ".css", "text/css,*/*;q=0.1",
     "Sec-Fetch-Dest: style"},
    {"/static/js/", ".", ".js", "*/*", "Sec-Fetch-Dest: script"},
    {"/images/", "/", ".webp?w=640",
     "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
     "Sec-Fetch-Dest: image"},
};

static const char *const agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Safari/605.1.15",
};

static const char *const words[] = {"news",   "sport", "travel",  "main",
                                    "vendor", "app",   "gallery", "home"};

static const char *const hosts[] = {"www.example.com", "shop.example.org",
                                    "static.example.net"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Formats one request into out (cap bytes); returns its length, or 0 if it
 * did not fit. */
static size_t one_request(uint64_t *seed, char *out, size_t cap) {
  /* Draw every random choice in a fixed order before formatting: the order
   * in which function arguments are evaluated is unspecified, and gcc and
   * clang differ, which would make the stream depend on the compiler. */
  const resource *res = &resources[bench_rand_below(seed, COUNT(resources))];
  const char *word = words[bench_rand_below(seed, COUNT(words))];
  const char *host = hosts[bench_rand_below(seed, COUNT(hosts))];
  unsigned file = bench_rand_below(seed, 0xffffffffu);
  const char *method = bench_rand_below(seed, 16) == 0 ? "HEAD" : "GET";
  const char *agent = agents[bench_rand_below(seed, COUNT(agents))];
  unsigned long long sid = bench_rand(seed);
  const char *theme = bench_rand_below(seed, 2) ? "dark" : "light";
  unsigned ga1 = bench_rand_below(seed, 1000000000u);
  unsigned ga2 = bench_rand_below(seed, 2000000000u);
  char path[128];
  snprintf(path, sizeof path, "%s%s%s%u%s", res->pre, word, res->mid, file,
           res->post);
  int n = snprintf(out, cap,
                   "%s %s HTTP/1.1\r\n"
                   "Host: %s\r\n"
                   "User-Agent: %s\r\n"
                   "Accept: %s\r\n"
                   "Accept-Language: en-US,en;q=0.5\r\n"
                   "Accept-Encoding: gzip, deflate, br\r\n"
                   "Referer: https://%s/%s/\r\n"
                   "Cookie: sid=%016llx; theme=%s; _ga=GA1.2.%u.%u\r\n"
                   "%s\r\n"
                   "\r\n",
                   method, path, host, agent, res->accept, host, word, sid,
                   theme, ga1, ga2, res->last_header);
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

uint8_t *bench_stream_http(size_t target, uint64_t seed, size_t *len) {
  uint8_t *buf = malloc(target ? target : 1);
  if (!buf)
    return NULL;
  size_t n = 0;
  char req[2048];
  for (;;) {
    size_t r = one_request(&seed, req, sizeof req);
    if (r == 0 || target - n < r)
      break;
    memcpy(buf + n, req, r);
    n += r;
  }
  *len = n;
  return buf;
}

static const char *const statuses[] = {"200 OK", "304 Not Modified",
                                       "204 No Content"};
static const char *const types[] = {"text/html; charset=utf-8", "text/css",
                                    "application/javascript", "image/webp"};

/* One response without a body: a status line and exactly
 * BENCH_HTTP_HEADERS header lines, Content-Length: 0 so that a reader
 * knows no body follows. */
static size_t one_response(uint64_t *seed, char *out, size_t cap) {
  const char *status = statuses[bench_rand_below(seed, COUNT(statuses))];
  const char *type = types[bench_rand_below(seed, COUNT(types))];
  unsigned day = 1 + bench_rand_below(seed, 28);
  unsigned secs = bench_rand_below(seed, 86400);
  unsigned long long etag = bench_rand(seed);
  unsigned age = bench_rand_below(seed, 100000);
  int n = snprintf(out, cap,
                   "HTTP/1.1 %s\r\n"
                   "Date: Tue, %02u Nov 2026 %02u:%02u:%02u GMT\r\n"
                   "Server: nginx/1.22.1\r\n"
                   "Content-Type: %s\r\n"
                   "Content-Length: 0\r\n"
                   "Etag: \"%016llx\"\r\n"
                   "Cache-Control: public, max-age=%u\r\n"
                   "Vary: Accept-Encoding\r\n"
                   "Connection: keep-alive\r\n"
                   "\r\n",
                   status, day, secs / 3600, secs / 60 % 60, secs % 60, type,
                   etag, age);
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

uint8_t *bench_stream_http_response(size_t target, uint64_t seed, size_t *len) {
  uint8_t *buf = malloc(target ? target : 1);
  if (!buf)
    return NULL;
  size_t n = 0;
  char rsp[1024];
  for (;;) {
    size_t r = one_response(&seed, rsp, sizeof rsp);
    if (r == 0 || target - n < r)
      break;
    memcpy(buf + n, rsp, r);
    n += r;
  }
  *len = n;
  return buf;
}
