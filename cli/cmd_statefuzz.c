/* `wirerig statefuzz regress INPUT -o FILE.scn`: a finding of the
 * stateful_model fuzz target as a regression scenario (the work is
 * wr_sf_regression_write's, statefuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "wirerig/statefuzz.h"

#define PROG "wirerig statefuzz"

static void usage(FILE *out) {
  fprintf(out,
          "usage: " PROG " regress INPUT -o FILE.scn\n"
          "\n"
          "Shrinks a stateful_model fuzz input that violates the model's\n"
          "oracles (operations first, then data, then the schedule) and\n"
          "writes it as a regression scenario: a comment header saying what\n"
          "it pins down, every step expecting what the model did except the\n"
          "violating one, which states what the invariant requires. The\n"
          "file is checked to fail at that step before it is written;\n"
          "`wirerig run FILE --transport sim --seed S` (S in its header)\n"
          "then fails the same way until the model is fixed.\n"
          "\n"
          "  -o, --output FILE   where to write it (e.g.\n"
          "                      scenarios/regressions/NAME.scn)\n"
          "  -h, --help          this text\n"
          "\n"
          "Exit status: 0 written, 1 the input violates nothing, 2 bad\n"
          "usage, an unreadable input, or a violation no expectation can\n"
          "state (conservation, determinism).\n");
}

int wr_cmd_statefuzz(int argc, char **argv) {
  static const struct option long_options[] = {
      {"output", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {0, 0, 0, 0}};
  wr_cli_opts p;
  wr_cli_opts_init(&p, PROG, PROG, argc, argv, "o:h", long_options);
  const char *v, *sub = NULL, *input = NULL, *output = NULL;
  int c;
  while ((c = wr_cli_next(&p, &v)) != WR_CLI_DONE) {
    switch (c) {
    case WR_CLI_ERROR:
      return 2;
    case 'h':
      usage(stdout);
      return 0;
    case 'o':
      output = v;
      break;
    case WR_CLI_ARG:
      if (!sub)
        sub = v;
      else if (!input)
        input = v;
      else
        return wr_cli_usage_error(PROG, PROG, "unexpected argument '%s'", v);
      break;
    default:
      return 2;
    }
  }
  if (!sub || strcmp(sub, "regress") != 0)
    return wr_cli_usage_error(
        PROG, PROG, "expected the subcommand 'regress', found %s%s%s",
        sub ? "'" : "nothing", sub ? sub : "", sub ? "'" : "");
  if (!input)
    return wr_cli_usage_error(PROG, PROG, "missing INPUT (a fuzz input file)");
  if (!output)
    return wr_cli_usage_error(PROG, PROG, "missing -o FILE.scn");
  uint8_t *data;
  size_t len;
  if (wr_cli_read_all(PROG, input, &data, &len) != 0)
    return 2;
  size_t before = 0, after = 0;
  char err[1024];
  int rc = wr_sf_regression_write(data, len, output, &before, &after, err,
                                  sizeof err);
  free(data);
  if (rc == 1) {
    fprintf(stderr,
            PROG ": %s: the model passes every oracle on it; "
                 "nothing written\n",
            input);
    return 1;
  }
  if (rc < 0) {
    fprintf(stderr, PROG ": %s: %s\n", input, err);
    return 2;
  }
  printf("%s: %zu operations shrunk to %zu, written to %s\n", input, before,
         after, output);
  return 0;
}
