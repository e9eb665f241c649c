/* Debian's libhttp-parser under wirerig check: a push decoder whose
 * messages are whole requests, each callback's bytes after a letter naming
 * it, so pieces cut anywhere must add up to the same message.
 * (Kept dense on purpose: the point is how few lines an adapter takes.) */
/* clang-format off */
#include <http_parser.h>
#include <stdlib.h>

#include "adapters.h"

typedef struct hp { http_parser p; wr_check_buf msg; char last; wr_check_sink *out; } hp;

static int piece(http_parser *p, char kind, const char *at, size_t n) {
  hp *d = p->data;
  int rc = d->last != kind ? wr_check_buf_append(&d->msg, &kind, 1) : 0;
  d->last = kind;
  return rc || wr_check_buf_append(&d->msg, at, n) ? -1 : 0;
}
#define PIECE(name, k) \
  static int name(http_parser *p, const char *a, size_t n) { return piece(p, k, a, n); }
PIECE(url, 'U') PIECE(field, 'F') PIECE(value, 'V') PIECE(body, 'B')
static int done(http_parser *p) {
  hp *d = p->data;
  int rc = wr_check_emit(d->out, d->msg.data, d->msg.len, p->method);
  d->msg.len = 0, d->last = 0; return rc ? -1 : 0;
}
static const http_parser_settings cbs = {.on_url = url, .on_header_field = field,
  .on_header_value = value, .on_body = body, .on_message_complete = done};
static void *create(void *ctx) {
  hp *d = calloc(1, sizeof *d + 0 * (size_t)ctx);
  if (d) http_parser_init(&d->p, HTTP_REQUEST), d->p.data = d;
  return d;
}
static void destroy(void *v) { free(((hp *)v)->msg.data), free(v); }
static int feed(void *v, const uint8_t *b, size_t n, wr_check_sink *out) {
  hp *d = v; d->out = out;
  size_t k = http_parser_execute(&d->p, &cbs, (const char *)b, n);
  return d->p.http_errno ? -(int)d->p.http_errno : k == n ? 0 : -1000;
}
const wr_check_decoder http_parser_check = {.name = "http-parser",
  .create = create, .destroy = destroy, .feed = feed};
