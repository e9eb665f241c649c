/* Internals shared by run_plan.c and run_shrink.c. */
#ifndef WIRERIG_RUN_PLAN_INT_H
#define WIRERIG_RUN_PLAN_INT_H

#include <stddef.h>

#include "base/strbuf.h"
#include "wirerig/runner.h"

void wr_run_source_line(const char *file, uint32_t line, char *buf, size_t len);
void wr_run_repro(const wr_scenario *s, const wr_run_opts *o,
                  wr_run_transport t, uint64_t seed, const wr_run_sched *sc,
                  char *buf, size_t len);

/* Shrinks the schedule of a simnet failure (sc, or the cuts simnet made
 * when sc is NULL), writes the shrunk scenario, runs it again to confirm
 * it fails the same way, and adds all of that to the report. */
void wr_run_shrink(const wr_scenario *s, const wr_run_opts *o,
                   const wr_run_result *fail, uint64_t seed,
                   const wr_run_sched *sc, wr_run_report *rep, wr_strbuf *b);

#endif
