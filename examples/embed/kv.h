/* The code under test in this example: a user's incremental decoder for a
 * tiny line protocol, "key=value\n" records. It knows nothing of wirerig. */
#ifndef KV_H
#define KV_H

#include <stddef.h>

typedef void (*kv_record_fn)(void *ctx, const char *key, const char *value);

typedef struct kv_decoder {
  char line[256];
  size_t len;
  int overflow; /* the current line was longer than line[]: dropped */
  unsigned errors;
} kv_decoder;

void kv_init(kv_decoder *d);
/* Feeds bytes as they arrive, in any pieces; calls fn for each complete
 * record. Lines without '=' or longer than 255 bytes count as errors. */
void kv_feed(kv_decoder *d, const char *p, size_t n, kv_record_fn fn,
             void *ctx);

#endif
