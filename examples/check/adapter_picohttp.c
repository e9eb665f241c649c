/* picohttpparser's phr_parse_request (exported by Debian's libh2o, which
 * ships no header for it) under wirerig check: it re-parses everything it
 * has been given, so it is a pull decoder. Its last_len is left at 0:
 * given the previous length, pico only looks for the end of the headers
 * and so reports a malformed request only once that end has arrived --
 * "/\n" read as "/" then "\n" waits forever where read whole it fails.
 * wirerig check's fuzzer found that in seconds (corpus-http/crash-50022f..).
 * (Kept dense on purpose: the point is how few lines an adapter takes.) */
/* clang-format off */
#include <stdlib.h>

#include "adapters.h"

struct phr_header { const char *name; size_t name_len; const char *value; size_t value_len; };
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len, int *minor_version,
                      struct phr_header *headers, size_t *num_headers, size_t last_len);

static void *create(void *ctx) { return calloc(1, sizeof(wr_check_buf) + 0 * (size_t)ctx); }
static void destroy(void *v) { free(((wr_check_buf *)v)->data), free(v); }
static int next(void *v, const uint8_t *buf, size_t len, wr_check_frame *out) {
  wr_check_buf *m = v;
  const char *meth, *path;
  size_t ml, pl, nh = 64;
  int minor, rc = 0;
  struct phr_header h[64];
  int r = phr_parse_request((const char *)buf, len, &meth, &ml, &path, &pl, &minor, h, &nh, 0);
  if (r == -2)
    return WR_CHECK_MORE;
  if (r < 0)
    return -1;
  m->len = 0;
  rc |= wr_check_buf_append(m, meth, ml) | wr_check_buf_append(m, " ", 1) | wr_check_buf_append(m, path, pl);
  for (size_t i = 0; i < nh; i++)
    rc |= wr_check_buf_append(m, "\n", 1) | wr_check_buf_append(m, h[i].name, h[i].name_len) |
          wr_check_buf_append(m, ": ", 2) | wr_check_buf_append(m, h[i].value, h[i].value_len);
  *out = (wr_check_frame){.consumed = (size_t)r, .data = m->data, .len = m->len, .tag = minor};
  return rc ? WR_ENOMEM : WR_CHECK_MESSAGE;
}
const wr_check_decoder picohttp_check = {.name = "picohttpparser",
  .create = create, .destroy = destroy, .next = next};
