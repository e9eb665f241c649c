/* A "key=value\n" decoder, as a user of wirerig might have written it. */
#include <string.h>

#include "kv.h"

void kv_init(kv_decoder *d) { memset(d, 0, sizeof *d); }

static void end_line(kv_decoder *d, kv_record_fn fn, void *ctx) {
  d->line[d->len] = 0;
  char *eq = strchr(d->line, '=');
  if (d->overflow || !eq) {
    d->errors++;
  } else {
    *eq = 0;
    fn(ctx, d->line, eq + 1);
  }
  d->len = 0;
  d->overflow = 0;
}

void kv_feed(kv_decoder *d, const char *p, size_t n, kv_record_fn fn,
             void *ctx) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\n') {
      end_line(d, fn, ctx);
    } else if (d->len + 1 < sizeof d->line) {
      d->line[d->len++] = p[i];
    } else {
      d->overflow = 1;
    }
  }
}
