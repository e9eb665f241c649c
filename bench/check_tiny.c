/* The trivial decoder of wirerig check's benchmarks (check_tiny.h). Built
 * with CHECK_TINY_SIDE_CHECK or CHECK_TINY_SIDE_BARE it is also one of the
 * two libFuzzer targets of bench_check_fuzz.sh. */
#include "check_tiny.h"

#include <stdlib.h>
#include <string.h>

void *tiny_create(void *ctx) {
  (void)ctx;
  tiny *t = malloc(sizeof *t);
  if (t)
    t->len = 0, t->messages = 0;
  return t;
}
void tiny_destroy(void *d) { free(d); }

int tiny_feed(void *d, const uint8_t *p, size_t n, wr_check_sink *out) {
  tiny *t = d;
  if (t->len + n > sizeof t->buf)
    return -1;
  memcpy(t->buf + t->len, p, n);
  t->len += n;
  size_t at = 0;
  while (at < t->len && at + 1 + t->buf[at] <= t->len) {
    if (out && wr_check_emit(out, t->buf + at + 1, t->buf[at], 0))
      return -2;
    t->messages++;
    at += 1u + t->buf[at];
  }
  memmove(t->buf, t->buf + at, t->len - at);
  t->len -= at;
  return 0;
}

#if defined(CHECK_TINY_SIDE_CHECK)
static const wr_check_decoder dec = {.name = "tiny",
                                     .create = tiny_create,
                                     .destroy = tiny_destroy,
                                     .feed = tiny_feed};
WR_CHECK_FUZZ_TARGET(&dec, NULL)
#elif defined(CHECK_TINY_SIDE_BARE)
/* The same input layout, the decoder called once on the stream. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0 || size < 1u + data[0])
    return 0;
  tiny *t = tiny_create(NULL);
  if (t) {
    tiny_feed(t, data + 1 + data[0], size - 1 - data[0], NULL);
    tiny_destroy(t);
  }
  return 0;
}
#endif
