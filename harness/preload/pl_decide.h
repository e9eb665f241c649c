/* Internal: the pure decisions of the preload shim (harness/preload), kept
 * apart from the interposed calls so that they can be tested on their own
 * (tests/test_preload_decide.c): how many bytes the next read or write of a
 * connection may move, whether a call is interrupted, where faults fire,
 * and the text of a trace line.
 *
 * Every decision is a function of (seed, connection index, direction, byte
 * offset) only: never of the wall clock, of a global random stream, or of
 * how the kernel merged segments. Two runs of the same program with the
 * same seed and the same traffic therefore cut at the same offsets. */
#ifndef WIRERIG_PRELOAD_DECIDE_H
#define WIRERIG_PRELOAD_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/policy.h"

#define WR_PL_IN 0  /* bytes the program reads */
#define WR_PL_OUT 1 /* bytes the program writes */

#define WR_PL_MAX_FAULTS 32
#define WR_PL_MAX_LIST 32
#define WR_PL_UNLIMITED UINT64_MAX
#define WR_PL_ANY_CONN UINT64_MAX

typedef enum wr_pl_fault_kind {
  WR_PL_FAULT_RESET = 1,  /* reset:N[@C]  ECONNRESET + RST after N bytes in */
  WR_PL_FAULT_EOF = 2,    /* eof:N[@C]    end of stream after N bytes in */
  WR_PL_FAULT_REFUSE = 3, /* refuse:C     the accept of connection C fails */
} wr_pl_fault_kind;

typedef struct wr_pl_fault {
  wr_pl_fault_kind kind;
  uint64_t conn;  /* WR_PL_ANY_CONN for every connection */
  uint64_t bytes; /* reset/eof: offset in the program's input */
} wr_pl_fault;

/* Everything `wirerig exec` passes to the shim (WIRERIG_PRELOAD_*). */
typedef struct wr_pl_cfg {
  uint64_t seed;
  wr_policy reads, writes; /* segmentation items only */
  /* Connections whose reads follow their own policy instead of `reads`
   * (WIRERIG_PRELOAD_CONN_READS, `wirerig exec --conn-reads`): how
   * `wirerig run` pins one small cut schedule of a target's reads. */
  wr_conn_policies conn_reads;
  uint32_t eintr_ppm;    /* eintr:P, per million shaped calls */
  uint32_t neintr_calls; /* eintr-calls:N,...: 1-based call numbers */
  uint64_t eintr_calls[WR_PL_MAX_LIST];
  uint32_t nfaults;
  wr_pl_fault faults[WR_PL_MAX_FAULTS];
  uint32_t nports; /* 0: every loopback TCP connection */
  uint16_t ports[WR_PL_MAX_LIST];
} wr_pl_cfg;

/* Where one direction of one connection is: the offset of the next byte
 * and the next cut at or after it (kept so that random cuts are found by
 * walking forward, never by replaying a stream of draws). */
typedef struct wr_pl_cursor {
  uint64_t off;
  uint64_t next_cut; /* 0 = not computed yet */
  uint32_t cut_idx;  /* cuts policy: first cut not yet passed */
} wr_pl_cursor;

/* A fresh configuration: seed 0, reads and writes whole, no faults. */
void wr_pl_cfg_init(wr_pl_cfg *c);

/* Parses a read or write policy: the segmentation items of the scenario
 * `net` directive (whole, fixed:N, random:A-B, cuts:...). Delays
 * (latency, jitter, bandwidth) are refused: the shim cuts calls, it does
 * not hold bytes back. 0 or WR_EINVAL with a message in err. */
int wr_pl_policy_parse(const char *text, wr_policy *out, char *err,
                       size_t errlen);

/* Parses the fault list (docs/exec.md): items separated by spaces,
 *   eintr:P            each shaped call interrupted with probability P
 *                      (a decimal 0..1, at most 6 digits after the point)
 *   eintr-calls:N,...  the Nth shaped calls (1-based) of each connection
 *   reset:N[@C]        after the program read N bytes of connection C
 *                      (every connection without @C): ECONNRESET, RST
 *   eof:N[@C]          end of stream after N bytes read
 *   refuse:C,...       the program's accept of connection C fails
 * into *c (other fields untouched). 0 or WR_EINVAL. */
int wr_pl_faults_parse(const char *text, wr_pl_cfg *c, char *err,
                       size_t errlen);

/* "8080,6379": ports, 1..65535, at most WR_PL_MAX_LIST. */
int wr_pl_ports_parse(const char *text, wr_pl_cfg *c, char *err, size_t errlen);

/* Reads the whole configuration from the environment through get (getenv
 * in the shim, a table in tests): WIRERIG_PRELOAD_SEED, _READS, _WRITES,
 * _CONN_READS, _FAULTS, _PORTS. Unset variables keep their defaults. On error
 * the message names the variable. */
int wr_pl_cfg_from_env(wr_pl_cfg *c, const char *(*get)(const char *name),
                       char *err, size_t errlen);

/* 1 when the configuration changes nothing (whole both ways, no faults):
 * the shim then only counts and traces. */
int wr_pl_cfg_is_passive(const wr_pl_cfg *c);

/* The read policy of connection conn: its own from conn_reads, else
 * reads. */
const wr_policy *wr_pl_reads_for(const wr_pl_cfg *c, uint64_t conn);

/* splitmix64 of the four coordinates and a salt naming the decision. */
uint64_t wr_pl_hash(uint64_t seed, uint64_t conn, unsigned dir, uint64_t off,
                    uint64_t salt);

/* How many bytes the next call may move from cur->off (>= 1), or
 * WR_PL_UNLIMITED: up to the next cut of the policy. Updates the cursor's
 * cached cut; the answer depends only on (seed, conn, dir, off). */
uint64_t wr_pl_piece(const wr_policy *p, uint64_t seed, uint64_t conn,
                     unsigned dir, wr_pl_cursor *cur);

/* The first offset >= 0 at which fault `kind` (reset or eof) fires on
 * connection conn's input, or WR_PL_UNLIMITED. */
uint64_t wr_pl_fault_at(const wr_pl_cfg *c, wr_pl_fault_kind kind,
                        uint64_t conn);

/* 1 when connection conn's accept is refused. */
int wr_pl_refused(const wr_pl_cfg *c, uint64_t conn);

/* 1 when the shaped call number callno (1-based, per connection) at
 * offset off of direction dir is to fail with EINTR. */
int wr_pl_eintr(const wr_pl_cfg *c, uint64_t conn, unsigned dir, uint64_t off,
                uint64_t callno);

/* 1 when port is in the --ports list (or the list is empty). */
int wr_pl_port_wanted(const wr_pl_cfg *c, uint16_t port);

/* One trace line, '\n'-terminated (docs/exec.md):
 *   conn=C in|out CALL ask=N got=M
 *   conn=C in|out CALL ask=N err=NAME[ injected]
 * result >= 0 is bytes, < 0 is -errno. Returns the length (snprintf-style,
 * the line is cut when it does not fit). */
int wr_pl_trace_io(char *buf, size_t len, uint64_t conn, unsigned dir,
                   const char *call, uint64_t asked, long long result,
                   int injected);

/* "EAGAIN", "ECONNRESET", ...; "E<number>" for the rest. */
const char *wr_pl_errno_name(int e, char *tmp, size_t tmplen);

#endif
