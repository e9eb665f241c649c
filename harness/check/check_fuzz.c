/* The check layout of a fuzz input (check.h) and the libFuzzer entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

int wr_check_fuzz_layout(const uint8_t *data, size_t size,
                         const uint8_t **stream, size_t *len, size_t *cuts,
                         unsigned *ncuts, char *err, size_t errlen) {
  if (!data || size == 0) {
    if (err && errlen)
      snprintf(err, errlen,
               "fuzz input: expected at least 1 byte (the count of chunk "
               "sizes), found 0");
    return WR_EINVAL;
  }
  size_t k = data[0];
  if (size < 1 + k) {
    if (err && errlen)
      snprintf(err, errlen,
               "fuzz input: its first byte announces %zu chunk sizes, but "
               "only %zu bytes follow",
               k, size - 1);
    return WR_EINVAL;
  }
  *stream = data + 1 + k;
  *len = size - 1 - k;
  unsigned n = 0;
  size_t at = 0;
  for (size_t i = 0; i < k; i++) {
    at += (size_t)data[1 + i] + 1;
    if (at >= *len)
      break; /* the rest of the stream is the last chunk */
    cuts[n++] = at;
  }
  *ncuts = n;
  return 0;
}

int wr_check_fuzz_encode(const uint8_t *stream, size_t len, const size_t *cuts,
                         unsigned ncuts, uint8_t **out, size_t *outlen) {
  /* Each chunk size must fit a byte (1..256): longer chunks are written as
   * several, which cuts the stream more; so refuse them rather than write
   * an input that means something else. */
  size_t at = 0;
  for (unsigned i = 0; i < ncuts; i++) {
    if (cuts[i] <= at || cuts[i] - at > 256)
      return WR_EINVAL;
    at = cuts[i];
  }
  if (ncuts > 255)
    return WR_EINVAL;
  uint8_t *b = malloc(1 + ncuts + len + 1);
  if (!b)
    return WR_ENOMEM;
  b[0] = (uint8_t)ncuts;
  at = 0;
  for (unsigned i = 0; i < ncuts; i++) {
    b[1 + i] = (uint8_t)(cuts[i] - at - 1);
    at = cuts[i];
  }
  if (len)
    memcpy(b + 1 + ncuts, stream, len);
  *out = b;
  *outlen = 1 + ncuts + len;
  return 0;
}

int wr_check_fuzz_one(const wr_check_decoder *dec, const wr_check_options *opt,
                      const uint8_t *data, size_t size) {
  static const wr_check_options defaults;
  const uint8_t *stream;
  size_t len, cuts[255];
  unsigned ncuts;
  if (!opt)
    opt = &defaults;
  if (wr_check_fuzz_layout(data, size, &stream, &len, cuts, &ncuts, NULL, 0))
    return 0; /* too short to mean anything: not a finding */
  /* One guarded region per thread, kept between inputs: mapping a fresh
   * one for each would cost more than a small decoder's whole run. */
  static _Thread_local chk_ctx c;
  c.dec = dec;
  c.opt = opt;
  c.fuzz = 1;
  if (wr_chk_guard_reserve(&c.guard, len + dec->spare)) {
    fprintf(stderr, "wirerig check: cannot map %zu bytes of guarded memory\n",
            len + dec->spare);
    abort();
  }
  if (!wr_chk_judge(&c, stream, len, cuts, ncuts))
    return 0;
  uint8_t *s = malloc(len ? len : 1);
  size_t *k = malloc(sizeof cuts);
  if (s && k) {
    memcpy(s, stream, len);
    memcpy(k, cuts, ncuts * sizeof *k);
    uint64_t runs = wr_chk_shrink(&c, s, &len, k, &ncuts);
    wr_check_report r;
    wr_check_options o = *opt;
    o.quiet = 0;
    if (!o.where)
      o.where = stderr;
    c.opt = &o;
    wr_chk_report(&c, "fuzz", 1, runs, s, len, k, ncuts, &r);
    wr_check_report_free(&r);
  }
  free(s);
  free(k);
  abort(); /* libFuzzer saves the input that got here */
}
