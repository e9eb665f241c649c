/* wirerig check: split-testing YOUR incremental decoder.
 *
 * A decoder that reads a TCP byte stream must give the same messages
 * whatever the reads look like: a header cut from its body, a delimiter
 * split across two reads, two messages in one read. wirerig drives your
 * decoder through cut schedules of a stream -- every schedule up to a limit
 * (exhaustive), schedules drawn from a seed and a policy (seeded), or the
 * schedule a fuzzer chose (libFuzzer) -- and checks oracles on each run:
 *
 *   split invariance  the same messages, error and end state as decoding
 *                     the whole stream in one call;
 *   reference         the same messages as a gen_tcp packet type
 *                     ("frames exactly as {packet,2}") or your own function;
 *   round trip        encoding the messages and decoding the result gives
 *                     them back;
 *   memory            every buffer handed to the decoder ends at a guard
 *                     page, so a read past its end crashes at once (and
 *                     leaks show under LeakSanitizer, since every run
 *                     creates and destroys its own decoder).
 *
 * A failing schedule is shrunk (fewest cuts, then shortest stream) and
 * reported with the stream (escaped and hex), the cut offsets, expected and
 * observed messages, and one command line that reproduces exactly that run.
 * docs/check.md has the whole story; examples/check/ has decoders to copy.
 *
 * No global state; C99-compatible; every call is safe to make from several
 * threads on different wr_check_* objects.
 */
#ifndef WIRERIG_CHECK_H
#define WIRERIG_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/error.h"
#include "wirerig/framing.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- describing a decoder ------------------------------------------------ */

/* Where a push-style decoder puts its messages (see wr_check_emit). */
typedef struct wr_check_sink wr_check_sink;

/* Hands one decoded message to wirerig, which copies it at once: data may
 * point into the decoder's own buffers. tag is yours (a message type, a
 * field count ...); it is compared like the bytes. Returns 0, or WR_ENOMEM
 * (return it from feed: the run stops). */
int wr_check_emit(wr_check_sink *sink, const void *data, size_t len,
                  int64_t tag);

/* What a pull-style decoder found at the front of its buffer. */
typedef struct wr_check_frame {
  /* In: how many of the bytes now offered were offered on the previous
   * call too (0 on the first call and after a message), for parsers that
   * take a "last length" hint such as picohttpparser's. */
  size_t seen;
  /* Out, with WR_CHECK_MESSAGE: */
  size_t consumed;     /* bytes to drop from the front, >= 1 */
  const uint8_t *data; /* the message (may point into the buffer) */
  size_t len;
  int64_t tag;
} wr_check_frame;

/* Results of a pull-style decoder's next(). Negative values are errors. */
enum { WR_CHECK_MORE = 0, WR_CHECK_MESSAGE = 1 };

/* flags */
enum {
  /* Push style: after each feed, feed again with no new bytes (data NULL,
   * len 0) until a call emits nothing -- for decoders that hand out one
   * message per call and must be polled. */
  WR_CHECK_POLL = 1u << 0
};

/* A growable byte buffer for encode. */
typedef struct wr_check_buf {
  uint8_t *data;
  size_t len, cap;
} wr_check_buf;
int wr_check_buf_append(wr_check_buf *b, const void *data, size_t len);

/* Your decoder, described by callbacks. Set create, destroy and exactly one
 * of feed (push) or next (pull); the rest is optional.
 *
 * Errors are your own negative codes; once a decoder returns one, wirerig
 * stops feeding that run (errors are sticky, as in http-parser) and
 * compares the error and the messages before it. */
typedef struct wr_check_decoder {
  const char *name; /* for reports; NULL = "decoder" */
  void *ctx;        /* passed to create and to encode */

  /* A fresh decoder; NULL means out of memory (the run is an error). */
  void *(*create)(void *ctx);
  void (*destroy)(void *dec);

  /* Push: the next bytes of the stream; emit every message they complete.
   * 0, or a negative error. */
  int (*feed)(void *dec, const uint8_t *data, size_t len, wr_check_sink *out);

  /* Pull: look at buf[0..len), everything received and not yet consumed
   * (so decoders that re-parse the whole buffer fit too). Return
   * WR_CHECK_MESSAGE with *out filled, WR_CHECK_MORE, or a negative error.
   * wirerig calls again after each message, with no new bytes. */
  int (*next)(void *dec, const uint8_t *buf, size_t len, wr_check_frame *out);

  /* End of stream: emit what the end completes (a last line without its
   * delimiter ...). 0, or a negative error (e.g. "truncated message").
   * NULL: the end of stream means nothing to the decoder. */
  int (*finish)(void *dec, wr_check_sink *out);

  /* Round trip (optional): append the encoding of one message to *out with
   * wr_check_buf_append. 0, or a negative error. */
  int (*encode)(void *ctx, const uint8_t *msg, size_t len, int64_t tag,
                wr_check_buf *out);

  unsigned flags; /* WR_CHECK_* */
  /* Writable bytes the decoder may use after the data it is given (for
   * parsers that write a terminator or read a SIMD block past the end);
   * the guard page comes after them. */
  size_t spare;
} wr_check_decoder;

#define WR_CHECK_ALL_CUTS 0xffffffffu

/* ---- options ------------------------------------------------------------- */

/* A reference to compare the messages with (besides split invariance). */
typedef struct wr_check_reference {
  /* A gen_tcp packet type: the messages must be exactly the packets
   * decode_packet would cut (their delivered part, semantics §1.3), and
   * the decoder must fail exactly where framing fails. Set use_packet. */
  int use_packet;
  wr_framing framing; /* wr_framing_default(WR_PACKET_2), ... */
  /* Or a second decoder, e.g. a slow obviously-correct one. */
  const wr_check_decoder *decoder;
} wr_check_reference;

typedef struct wr_check_options {
  /* Exhaustive mode: every schedule with at most max_cuts cuts (0 = 3;
   * WR_CHECK_ALL_CUTS = every schedule, 2^(len-1) of them), fewest cuts
   * first. Refused with WR_EINVAL, before anything runs, when that is more
   * than max_schedules (0 = 10,000,000) schedules. */
  unsigned max_cuts;
  uint64_t max_schedules;
  /* Seeded mode: how many schedules (0 = 100; a policy without random
   * sizes has only one), the seed, and the policy
   * in the `net` directive's language: "fixed:1", "fixed:7",
   * "random:1-16", "cuts:3,9" (NULL = "random:1-64"). */
  uint64_t schedules;
  uint64_t seed;
  const char *policy;

  const wr_check_reference *reference; /* NULL: split invariance only */
  int round_trip;                      /* call the decoder's encode */

  /* Reporting. where: NULL = stderr; quiet: print nothing (the report
   * still fills in). argv0: the program to name in the reproducing
   * command (NULL: read from /proc/self/cmdline). */
  FILE *where;
  int quiet;
  const char *argv0;
  /* If set, a failing case is also written into this directory as a fuzz
   * input in the check layout (replayable by a wirerig fuzz target) and,
   * with a packet-type reference, as a scenario file. */
  const char *case_dir;
} wr_check_options;

/* ---- running ---------------------------------------------------------------
 */

/* What a run found. Messages are kept as text for the report. */
typedef struct wr_check_report {
  int failed;           /* 1 when an oracle failed */
  const char *oracle;   /* "split invariance", "reference", "round trip",
                           "decoder" (create failed, bad result ...) */
  uint64_t schedules;   /* schedules run */
  uint64_t shrink_runs; /* runs spent shrinking */
  /* The failing case, after shrinking. */
  uint8_t *stream;
  size_t stream_len;
  size_t *cuts; /* offsets, strictly increasing */
  unsigned ncuts;
  char *expected; /* the expected outcome, one message a line */
  char *observed; /* what the decoder gave under the cuts */
  char *repro;    /* one shell line that reproduces exactly this run */
  char *text;     /* the whole report as printed */
} wr_check_report;

/* Every cut schedule of stream, fewest cuts first. Returns 0 when every
 * oracle held, 1 when one failed (report filled in and printed), or a
 * negative wr_err for bad use (a NULL callback, a decoder with both or
 * neither of feed and next, too many schedules) with a message printed. report
 * may be NULL; otherwise free it with wr_check_report_free. */
int wr_check_exhaustive(const wr_check_decoder *dec,
                        const wr_check_options *opt, const void *stream,
                        size_t len, wr_check_report *report);

/* opt->schedules schedules drawn from opt->policy and opt->seed; schedule
 * i uses the seed's i-th derived value, so each is reproducible alone. */
int wr_check_seeded(const wr_check_decoder *dec, const wr_check_options *opt,
                    const void *stream, size_t len, wr_check_report *report);

/* One schedule: the stream cut at cuts[0..ncuts) (strictly increasing, in
 * 1..len-1). */
int wr_check_cuts(const wr_check_decoder *dec, const wr_check_options *opt,
                  const void *stream, size_t len, const size_t *cuts,
                  unsigned ncuts, wr_check_report *report);

void wr_check_report_free(wr_check_report *report);

/* Environment variable that replaces any wr_check_* mode with the one case
 * it names, "name=NAME stream=HEX cuts=A,B,..." (or "@FILE" holding that
 * text, for cases too long for a command line): the printed reproducing
 * command sets it. Calls for a decoder of another name skip the case. */
#define WR_CHECK_REPLAY_ENV "WR_CHECK_REPLAY"

/* ---- fuzzing ---------------------------------------------------------------
 *
 * The check layout of a fuzz input carries both the schedule and the
 * stream:
 *
 *   byte 0        K, the number of chunk sizes that follow (0..255)
 *   bytes 1..K    chunk sizes minus one (each chunk 1..256 bytes)
 *   the rest      the stream
 *
 * The stream is cut into chunks of those sizes in order; what is left
 * after the last size goes in one final chunk. So "\x00" + S is S in one
 * call, and libFuzzer's mutations move cuts and bytes independently.
 */

/* Decodes a fuzz input in the check layout into its stream and cut
 * offsets (cuts must have room for 255; sizes reaching past the stream
 * are dropped). 0, or WR_EINVAL with a message when it is shorter than its
 * own header. */
int wr_check_fuzz_layout(const uint8_t *data, size_t size,
                         const uint8_t **stream, size_t *len, size_t *cuts,
                         unsigned *ncuts, char *err, size_t errlen);

/* Writes a fuzz input for stream cut at cuts into *out (malloc'd). */
int wr_check_fuzz_encode(const uint8_t *stream, size_t len, const size_t *cuts,
                         unsigned ncuts, uint8_t **out, size_t *outlen);

/* Runs one fuzz input: every oracle in opt; aborts (so libFuzzer records
 * the input) after printing the report when one fails. Inputs shorter than
 * their header are ignored. Returns 0. */
int wr_check_fuzz_one(const wr_check_decoder *dec, const wr_check_options *opt,
                      const uint8_t *data, size_t size);

/* Defines LLVMFuzzerTestOneInput for a decoder: in a file of its own,
 *   WR_CHECK_FUZZ_TARGET(&my_decoder, &my_options)
 * (options may be NULL). Build it with wirerig_add_fuzz_target. */
#define WR_CHECK_FUZZ_TARGET(decoder, options)                                 \
  int LLVMFuzzerTestOneInput(const uint8_t *wr_data_, size_t wr_size_);        \
  int LLVMFuzzerTestOneInput(const uint8_t *wr_data_, size_t wr_size_) {       \
    return wr_check_fuzz_one((decoder), (options), wr_data_, wr_size_);        \
  }

#ifdef __cplusplus
}
#endif
#endif
