/* The parts of `wirerig run`: flags, files and parallel jobs (cmd_run.c),
 * and what is printed -- lines, the summary table, JUnit XML, TAP
 * (run_output.c). */
#ifndef WIRERIG_CLI_RUN_H
#define WIRERIG_CLI_RUN_H

#include <stdio.h>

#include "wirerig/runner.h"

#define WR_RUN_PROG "wirerig run"

/* One file's outcome: the report, or bad input (parse errors in text). */
typedef struct run_item {
  char *path;
  char *title;
  int bad;      /* 1: not run (errors in text) */
  char *errors; /* parse errors, one per line */
  wr_run_report rep;
} run_item;

typedef struct run_output {
  int tap, verbose;
  const char *junit;
  double seconds;
} run_output;

/* Prints the items' lines (or TAP) and the summary; writes the JUnit
 * file. Returns 0, or -1 when the JUnit file could not be written. */
int wr_run_output(const run_output *o, const run_item *items, size_t n);

#endif
