/* Segmentation and delay policies: how a byte stream is cut into segments
 * and when each segment arrives. simnet applies them to simulated
 * connections and the loopback shaper to real sockets, through the same
 * code (harness/shape.c), so the two cannot disagree about a schedule.
 *
 * Text form (scenario files, CLI flags), items separated by spaces:
 *   whole               each send goes out as one segment (default)
 *   fixed:N             segments of N bytes (fewer at the end of what waits)
 *   random:A-B          each segment A..B bytes, drawn from the run's PRNG
 *   cuts:3,7,9          segment boundaries at these stream offsets
 *   latency:1ms         fixed one-way delay
 *   jitter:1ms-5ms      extra delay per segment in [a, b]; never reorders
 *   bandwidth:1MB/s     serialisation at this rate (B/s, kB/s, KiB/s, MB/s,
 *                       MiB/s, GB/s, GiB/s; k/M/G are powers of 1000)
 * Times take ns, us, ms or s and may have a decimal fraction ("1.5ms");
 * "0" needs no unit. Later items override earlier ones of the same kind.
 *
 * Bytes waiting to be sent are cut when they may leave: after a send, when
 * the receiver's window opens, when a stall ends. A segment never spans two
 * sends that were cut separately, so with every policy the receiver sees at
 * least the boundaries of the sender's writes that the window did not
 * merge; `cuts` adds boundaries, it never holds bytes back.
 */
#ifndef WIRERIG_POLICY_H
#define WIRERIG_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/error.h"
#include "wirerig/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wr_seg_kind {
  WR_SEG_WHOLE = 0,
  WR_SEG_FIXED = 1,
  WR_SEG_RANDOM = 2,
  WR_SEG_CUTS = 3,
} wr_seg_kind;

#define WR_POLICY_MAX_CUTS 64
#define WR_POLICY_MAX_SEG (64u * 1024u * 1024u)       /* largest segment size */
#define WR_POLICY_MAX_DELAY (3600ull * WR_NS_PER_SEC) /* one hour */

typedef struct wr_policy {
  wr_seg_kind seg;
  uint32_t seg_min, seg_max; /* fixed: both N; random: A and B */
  uint32_t ncuts;
  uint64_t cuts[WR_POLICY_MAX_CUTS]; /* strictly increasing, > 0 */
  wr_time latency;
  wr_time jitter_min, jitter_max;
  uint64_t bandwidth; /* bytes per second, 0 = unlimited */
} wr_policy;

/* whole, no delay. */
void wr_policy_init(wr_policy *p);

/* Parses the text form into *p (starting from wr_policy_init). Returns 0,
 * or WR_EINVAL with a message naming the item, what was expected and what
 * was found, e.g. "policy item 2 'fixed:0': segment size must be 1..
 * 67108864, found 0". *p is unchanged on error. */
int wr_policy_parse(const char *text, wr_policy *p, char *err, size_t errlen);

/* Applies the items in text on top of *p (same syntax and errors). */
int wr_policy_apply(wr_policy *p, const char *text, char *err, size_t errlen);

/* Checks a policy built in code: sizes 1..WR_POLICY_MAX_SEG, min <= max,
 * cuts strictly increasing and > 0, delays <= WR_POLICY_MAX_DELAY,
 * jitter min <= max, a known segmentation kind. 0 or WR_EINVAL. */
int wr_policy_check(const wr_policy *p, char *err, size_t errlen);

/* Also refuses cuts at or beyond the end of a stream of stream_len bytes
 * (a cut there could never happen). */
int wr_policy_check_stream(const wr_policy *p, uint64_t stream_len, char *err,
                           size_t errlen);

/* The canonical text form ("fixed:4 latency:1ms"); returns the length it
 * needed (snprintf-style). */
int wr_policy_format(const wr_policy *p, char *buf, size_t len);

/* Parses "1.5ms"-style times and "1MB/s"-style rates on their own. */
int wr_parse_time(const char *text, wr_time *out, char *err, size_t errlen);
int wr_parse_rate(const char *text, uint64_t *out, char *err, size_t errlen);

/* ---- one policy per connection ------------------------------------------ */

/* "0=cuts:3,7;2=fixed:1": a segmentation policy for some connections,
 * numbered as the preload shim numbers them (0, 1, ... in the order of
 * accept/connect; docs/exec.md). The shim cuts those connections' reads
 * by their own policy instead of the global one; `wirerig run` pins one
 * connection at a time this way to try every small cut schedule of a
 * target's reads. Only segmentation items: latency, jitter and bandwidth
 * are refused (the shim cuts calls, it does not hold bytes back). */
#define WR_CONN_POLICIES_MAX 16

typedef struct wr_conn_policy {
  uint64_t conn;
  wr_policy seg;
} wr_conn_policy;

typedef struct wr_conn_policies {
  uint32_t n;
  wr_conn_policy v[WR_CONN_POLICIES_MAX];
} wr_conn_policies;

/* Parses the list (items separated by ';', each CONN=POLICY, CONN a
 * decimal connection number given at most once; "" is the empty list).
 * 0, or WR_EINVAL with a message naming the item; *out unchanged then. */
int wr_conn_policies_parse(const char *text, wr_conn_policies *out, char *err,
                           size_t errlen);
/* The canonical text ("0=cuts:3,7;2=whole"); snprintf-style. */
int wr_conn_policies_format(const wr_conn_policies *l, char *buf, size_t len);
/* The policy of connection conn, or NULL when the list does not name it. */
const wr_policy *wr_conn_policies_find(const wr_conn_policies *l,
                                       uint64_t conn);

/* ---- every cut schedule of a small stream ------------------------------ */

/* Enumerates every way to cut a stream of len bytes into segments with at
 * most max_cuts interior cuts: first no cut, then every single cut
 * 1..len-1, then every pair in lexicographic order, and so on. With
 * max_cuts = len - 1 that is all 2^(len-1) schedules. */
typedef struct wr_cut_iter {
  uint64_t len;
  uint32_t max_cuts;
  uint32_t k; /* cuts in the current schedule */
  uint64_t pos[WR_POLICY_MAX_CUTS];
  int state; /* 0 = not started, 1 = running, 2 = done */
} wr_cut_iter;

/* len >= 1; max_cuts is clamped to len - 1 and must be at most
 * WR_POLICY_MAX_CUTS. 0 or WR_EINVAL (message in err). */
int wr_cut_iter_init(wr_cut_iter *it, uint64_t len, uint32_t max_cuts,
                     char *err, size_t errlen);
/* Writes the next schedule as a `cuts` policy (delays from *base when it is
 * not NULL) and returns 1, or returns 0 when all were produced. */
int wr_cut_iter_next(wr_cut_iter *it, const wr_policy *base, wr_policy *out);
/* How many schedules the iterator produces (saturates at UINT64_MAX). */
uint64_t wr_cut_iter_count(uint64_t len, uint32_t max_cuts);

#ifdef __cplusplus
}
#endif
#endif
