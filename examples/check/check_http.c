/* Real HTTP parsers under wirerig check (adapters in adapter_*.c):
 * exhaustive on small pipelined requests, seeded -- byte at a time and
 * random reads -- on a large one. Usage: check_http http-parser|pico
 * Exit status: 0 when every oracle held, 1 when one failed, 2 on bad use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters.h"

static const char small[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /b?q=1 HTTP/1.1\r\nA: 1\r\nB:  2\r\n\r\n";

int main(int argc, char **argv) {
  const wr_check_decoder *dec = argc < 2 ? NULL
                                : strcmp(argv[1], "http-parser") == 0
                                    ? &http_parser_check
                                : strcmp(argv[1], "pico") == 0 ? &picohttp_check
                                                               : NULL;
  if (!dec) {
    fprintf(stderr, "usage: check_http http-parser|pico\n");
    return 2;
  }
  wr_check_options opt = {.max_cuts = 2};
  int rc = wr_check_exhaustive(dec, &opt, small, sizeof small - 1, NULL);

  /* A 16 KiB header value, and a request after it. */
  size_t vlen = 16 << 10;
  char *big = malloc(vlen + 128);
  if (!big)
    return 2;
  int n = sprintf(big, "POST /upload HTTP/1.1\r\nX-Big: ");
  memset(big + n, 'v', vlen);
  n += (int)vlen;
  n += sprintf(big + n, "\r\nHost: y\r\n\r\nGET / HTTP/1.0\r\n\r\n");
  const char *policies[] = {"fixed:1", "random:1-700", "random:1-5"};
  for (int i = 0; i < 3 && rc == 0; i++) {
    opt.policy = policies[i];
    opt.schedules = 50;
    opt.seed = 1;
    rc = wr_check_seeded(dec, &opt, big, (size_t)n, NULL);
  }
  free(big);
  return rc == 0 ? 0 : rc == 1 ? 1 : 2;
}
