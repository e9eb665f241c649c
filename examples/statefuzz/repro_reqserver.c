/* Replays a finding of the server fuzzer (a scenario file it wrote) N
 * times against the request/reply server, built with or without its
 * planted bug, and checks the outcome every time:
 *
 *   repro_reqserver bug FILE N MAXOPS   every run fails, the same way as
 *                                       the first, in at most MAXOPS
 *                                       client operations
 *   repro_reqserver fixed FILE N        every run passes
 *
 * Exit 0 when that holds, 1 otherwise (with what differed), 2 on bad use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reqserver.h"

int main(int argc, char **argv) {
  int bug = argc >= 4 && !strcmp(argv[1], "bug");
  if (argc < 4 || (!bug && strcmp(argv[1], "fixed")) || (bug && argc != 5) ||
      (!bug && argc != 4)) {
    fprintf(stderr, "usage: %s bug FILE N MAXOPS | fixed FILE N\n", argv[0]);
    return 2;
  }
  char *end;
  long n = strtol(argv[3], &end, 10);
  long maxops = bug ? strtol(argv[4], NULL, 10) : 0;
  if (*end || n < 1) {
    fprintf(stderr, "%s: N: expected a count >= 1, found \"%s\"\n", argv[0],
            argv[3]);
    return 2;
  }
  reqserver_config cfg = {.bug = bug};
  wr_sf_server srv = reqserver_server(&cfg);
  wr_sf_outcome first, o;
  char err[512];
  for (long i = 0; i < n; i++) {
    if (wr_sf_server_run_file(&srv, argv[2], &o, err, sizeof err) != 0) {
      fprintf(stderr, "%s: %s\n", argv[0], err);
      return 2;
    }
    if (i == 0)
      first = o;
    if (bug && !o.failed) {
      fprintf(stderr, "run %ld of %ld: the finding did not fail\n", i + 1, n);
      return 1;
    }
    if (bug && !wr_sf_same_outcome(&o, &first)) {
      fprintf(stderr, "run %ld: failed differently: \"%s\", then \"%s\"\n",
              i + 1, first.why, o.why);
      return 1;
    }
    if (!bug && o.failed) {
      fprintf(stderr, "run %ld: the fixed server failed: %s\n", i + 1, o.why);
      return 1;
    }
  }
  if (bug && first.nops > (size_t)maxops) {
    fprintf(stderr,
            "the finding has %zu client operations, expected at most "
            "%ld\n",
            first.nops, maxops);
    return 1;
  }
  printf("%s: %ld/%ld runs %s (%zu client operations)%s%s\n", argv[2], n, n,
         bug ? "failed the same way" : "passed", first.nops, bug ? ": " : "",
         bug ? first.why : "");
  return 0;
}
