/* Packets as text (render.h); the same spelling as `wirerig decode`. */
#include "render.h"

#include <stdlib.h>

void wr_cap_print_bytes(FILE *out, const uint8_t *p, size_t n) {
  putc('"', out);
  for (size_t k = 0; k < n; k++) {
    unsigned c = p[k];
    switch (c) {
    case '"':
      fputs("\\\"", out);
      break;
    case '\\':
      fputs("\\\\", out);
      break;
    case '\r':
      fputs("\\r", out);
      break;
    case '\n':
      fputs("\\n", out);
      break;
    case '\t':
      fputs("\\t", out);
      break;
    default:
      if (c >= 0x20 && c < 0x7F)
        putc((int)c, out);
      else
        fprintf(out, "\\x%02x", c);
    }
  }
  putc('"', out);
}

void wr_cap_print_http(FILE *out, wr_packet_type type,
                       const wr_http_packet *p) {
  int bin = wr_packet_type_is_http_bin(type);
  char small[512];
  int n = wr_http_render(p, bin, small, sizeof small);
  if (n < 0)
    return;
  if ((size_t)n < sizeof small) {
    fwrite(small, 1, (size_t)n, out);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    fputs("{http_error,\"<out of memory>\"}", out);
    return;
  }
  wr_http_render(p, bin, big, (size_t)n + 1);
  fwrite(big, 1, (size_t)n, out);
  free(big);
}
