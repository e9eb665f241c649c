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

/* Where the shrunk scenario of s goes: FILE.shrunk.scn, or in
 * o->shrink_dir. */
void wr_run_shrunk_path_(const wr_scenario *s, const wr_run_opts *o, char *buf,
                         size_t len);

/* The header comment of a shrunk file (where it fails, what was shrunk:
 * `WHAT AFTER`, how to reproduce) into header, and the reproduction
 * command of the file at path shrunk into repro. */
void wr_run_shrunk_header_(const wr_scenario *s, const wr_run_opts *o,
                           const wr_run_result *fail, wr_run_transport t,
                           uint64_t seed, const char *what, const char *after,
                           const char *shrunk, char *repro, size_t rlen,
                           wr_strbuf *header);

/* ---- shim targets (run_shim.c, run_shim_shrink.c) ----------------------- */

#define WR_RUN_SHIM_MAX_CONNS 64

/* What a shim target read on one connection: its length and where each of
 * its reads ended (the first WR_POLICY_MAX_CUTS). */
typedef struct wr_run_shim_stream {
  uint64_t len;
  uint32_t nends;
  int ends_overflow;
  uint64_t ends[WR_POLICY_MAX_CUTS];
} wr_run_shim_stream;

typedef struct wr_run_shim_reads {
  size_t n; /* connections 0..n-1 */
  int overflow;
  wr_run_shim_stream conn[WR_RUN_SHIM_MAX_CONNS];
} wr_run_shim_reads;

/* The first target started under the shim, or -1. */
int wr_run_shim_target_(const wr_scenario *s);
/* Reads a shim trace (docs/exec.md) into per-connection read streams. 0,
 * or -1 when the file cannot be read. */
int wr_run_shim_trace_read_(const char *path, wr_run_shim_reads *out);
/* One loopback run with target ep's shim trace measured into reads. 0, or
 * -1 when there is no trace. */
int wr_run_shim_traced_run_(const wr_scenario *s, const wr_run_opts *o,
                            uint64_t seed, const wr_run_sched *sc, int ep,
                            wr_run_result *r, wr_run_shim_reads *reads);
/* The pass over the small cut schedules of the shim target's reads (see
 * run_shim.c), each run through one(ctx, schedule), which returns 1 on a
 * failure, 0 on a pass, -1 when the run is another share's (--shard: not
 * run, not counted). Returns 1 with the schedule in *failed, else 0. */
int wr_run_shim_pass_(const wr_scenario *s, const wr_run_opts *o, uint64_t seed,
                      uint64_t limit, wr_run_report *rep,
                      int (*one)(void *ctx, const wr_run_sched *sc), void *ctx,
                      wr_run_sched *failed);
/* Shrinks a failing loopback run of a shim target (seed, and sc when the
 * pass found it) to fewer cuts and simpler policies, writes the shrunk
 * scenario atomically, runs it again to confirm, and reports it in b. */
void wr_run_shim_shrink_(const wr_scenario *s, const wr_run_opts *o,
                         const wr_run_result *fail, uint64_t seed,
                         const wr_run_sched *sc, wr_run_report *rep,
                         wr_strbuf *b);

#endif
