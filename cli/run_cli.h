/* `wirerig run` (cmd_run.c): its flags. The files, the parallel jobs and
 * the reports are the runner library's (wirerig/runner.h). */
#ifndef WIRERIG_CLI_RUN_H
#define WIRERIG_CLI_RUN_H

#include "wirerig/runner.h"

#define WR_RUN_PROG "wirerig run"

/* Where the output goes (--tap, --junit, -v). */
typedef struct run_output {
  int tap, verbose;
  const char *tap_file; /* --tap=FILE; NULL: --tap writes stdout */
  const char *junit;
} run_output;

#endif
