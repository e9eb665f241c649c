/* wirerig statefuzz: stateful fuzzing of the gen_tcp model with scenarios
 * (docs/fuzzing.md, "Stateful targets").
 *
 * A fuzz input is decoded into a scenario -- a listener `s` and a client
 * `c` with their socket options, then a sequence of operations (sends,
 * recvs, mailbox reads, setopts, shutdowns, closes, waits, network
 * policies and faults) -- written as scenario TEXT and parsed by the
 * scenario parser, so a generated case is exactly what a scenario file
 * says and every finding is a file `wirerig run FILE --transport sim
 * --seed S` runs. Any byte string decodes (no rejects): every choice is
 * taken modulo its range, a missing byte reads as 0, and the number of
 * operations and the data sizes are bounded.
 *
 * Generated operations carry no real expectation (`-> any`): what the
 * model must do is not known in advance. The oracles (wr_sf_check) run
 * the case in the runner's observe mode and judge the log and simnet's
 * accounting against the model's invariants, and require the same trace
 * hash from two runs.
 */
#ifndef WIRERIG_STATEFUZZ_H
#define WIRERIG_STATEFUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/mailbox.h"
#include "wirerig/runner.h"
#include "wirerig/scenario.h"
#include "wirerig/sock.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operations decoded from one input at most. */
#define WR_SF_MAX_OPS 32
/* Bytes of data one send carries at most. */
#define WR_SF_MAX_DATA 32
/* Longest input the mutator builds. */
#define WR_SF_MAX_INPUT 2048

/* Where each operation of an input starts and ends (the mutator's unit):
 * the header (seed, both sockets' options) is input[0..header). */
typedef struct wr_sf_layout {
  size_t header;
  size_t nops;
  size_t start[WR_SF_MAX_OPS], end[WR_SF_MAX_OPS];
} wr_sf_layout;

typedef struct wr_sf_case {
  char *text; /* the scenario file's text (malloc'd, NUL-terminated) */
  size_t len;
  wr_scenario *scn; /* parsed, nerrors == 0 */
  uint64_t seed;    /* simnet's seed, from the input */
  size_t nops;      /* operations kept */
  int sim_only;     /* uses reset or drop: loopback would skip it */
} wr_sf_case;

typedef struct wr_sf_decode_opts {
  /* Durations for loopback: waits and timeouts short, and recvs long
   * enough for real sockets to deliver (the loopback target). */
  int loopback;
} wr_sf_decode_opts;

/* Decodes any input into a case. 0, or WR_ENOMEM (out is then zeroed).
 * opts may be NULL. */
int wr_sf_decode(const uint8_t *data, size_t len, const wr_sf_decode_opts *o,
                 wr_sf_case *out);
void wr_sf_case_free(wr_sf_case *c);
/* The operation boundaries of an input, as wr_sf_decode reads it. */
void wr_sf_split(const uint8_t *data, size_t len, wr_sf_layout *out);

/* The reverse: a parsed scenario (a file of scenarios/) as an input that
 * decodes to the same operations as far as the decoder's vocabulary
 * reaches: the first listener becomes `s`, the first client `c`; steps on
 * other endpoints, expectations, and values outside the decoder's tables
 * are left out. Returns the length written (at most cap). */
size_t wr_sf_encode(const wr_scenario *s, uint64_t seed, uint8_t *buf,
                    size_t cap);

/* Writes the case as a scenario file: the comment (each line prefixed
 * with "# "), `seeds 1`, `transports sim` unless loopback, and the text.
 * 0, or -1 on a write error. */
int wr_sf_write_scenario(FILE *f, const wr_sf_case *c, const char *comment,
                         int loopback);

/* Scenario-level mutation: inserts, deletes, duplicates, swaps operations,
 * changes an option or an operation's argument, in place; rnd drives the
 * choices. Returns the new size (<= max). */
size_t wr_sf_mutate(uint8_t *data, size_t size, size_t max, uint32_t rnd);
/* Splices the header and a prefix of a's operations with a suffix of b's
 * into out. Returns its size (<= max). */
size_t wr_sf_crossover(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
                       uint8_t *out, size_t max, uint32_t rnd);

/* ---- oracles ------------------------------------------------------------ */

typedef struct wr_sf_verdict {
  int ok;         /* 1: every invariant held */
  char why[512];  /* the first violation */
  uint64_t hash;  /* simnet's trace hash of the run */
  size_t nobs;    /* observations logged */
  int ran_to_end; /* the run was not stopped by the harness */
} wr_sf_verdict;

/* Runs the case on simnet twice with its seed and checks: the same
 * verdict, log and trace hash; byte conservation in every direction; the
 * gen_tcp invariants visible in the log (data messages within what active
 * allows, tcp_passive only after a counter, nothing after tcp_closed but
 * what the model allows, verbs on a closed socket fail). r and r2 are
 * reused between calls (zero them first, free with wr_run_result_free).
 * Returns v->ok. */
int wr_sf_check(const wr_sf_case *c, wr_run_result *r, wr_run_result *r2,
                wr_sf_verdict *v);
/* Also runs it on loopback and requires the runner's agreement; a case
 * loopback skips passes. */
int wr_sf_check_loopback(const wr_sf_case *c, wr_run_result *sim,
                         wr_run_result *lo, wr_sf_verdict *v);
/* The invariants of one log alone (wr_sf_check's second half): 1 ok, else
 * 0 with why. */
int wr_sf_check_log(const wr_sf_case *c, const wr_run_result *r, char *why,
                    size_t len);

/* ---- fuzzing your own server (docs/fuzzing.md, "Your server") ----------
 *
 * The same inputs, decoder, mutator and crossover drive YOUR in-process
 * server: code written against wirerig's sockets (sock.h, mailbox.h) and
 * described by callbacks, as a decoder is for wr_check. The decoded
 * scenario's listener `s` is your server (its options are yours: the
 * decoded ones are ignored, as are the decoded operations on `s` other
 * than `net` directives); the client `c` runs the fuzzed operations --
 * sends, recvs, mailbox reads, setopts, shutdown, close, waits -- under
 * fuzzed network policies and faults (segmentation, latency, buffers,
 * reset, drop, stall) on simnet, seeded from the input. Options that
 * change the client's framing (packet, packet_size, line_delimiter,
 * header) are left out: the client sees your bytes raw.
 *
 * Everything runs in one thread on virtual time. Between and during the
 * client's operations (a recv waiting for data is run in slices) the
 * engine hands every message of your server's mailbox to your callbacks,
 * which may call wr_sock_send, wr_sock_setopts, wr_sock_recv,
 * wr_sock_close ... on the socket they are given. After the last
 * operation the network runs on (up to 60 s virtual) until it is quiet,
 * the client takes whatever it can still read, and at_end judges the
 * whole exchange (a wr_sf_transcript).
 *
 * A callback fails the run by returning non-zero; wr_sf_fail gives the
 * reason and WR_SF_ASSERT(t, cond) does both with the file and line.
 * Sanitizer findings in your code are libFuzzer's as usual. A failure is
 * shrunk -- operations first, then data, then the schedule -- and printed
 * as a scenario file, which the fuzz binary replays: WR_SF_SCENARIO=FILE
 * (the engine's determinism makes it fail the same way every time). */

/* One run, handed to every callback (failure reporting). */
typedef struct wr_sf_test wr_sf_test;

/* What the client did and saw, for at_end (the pointers are never NULL). */
typedef struct wr_sf_transcript {
  const uint8_t *sent; /* the data of every send that said ok, in order */
  size_t sent_len;
  /* what the client took: recv results, data messages, and the final
   * drain, in order */
  const uint8_t *received;
  size_t received_len;
  int client_closed; /* the client closed, or shut down its writing side */
  int peer_closed;   /* the client saw the end (closed, tcp_closed, reset) */
  int faults;        /* reset, drop and stall directives the network took */
  /* sends that failed (a send_timeout can leave part of the data sent,
   * so `sent` is then not all the server may have got) */
  int send_errors;
  /* the network was still busy when the run stopped waiting for it
   * (60 s virtual after the last operation) */
  int unsettled;
  size_t nops; /* client operations run */
} wr_sf_transcript;

/* Your server. Every callback is optional; each returns 0 to go on, or
 * non-zero to fail the run (give the reason with wr_sf_fail). state is
 * what create returned (ctx when create is NULL). */
typedef struct wr_sf_server {
  const char *name; /* for reports; NULL = "server" */
  void *ctx;
  /* The listener's options as a scenario writes them, e.g.
   * "packet=2 active=once" (NULL: gen_tcp's defaults). Checked before
   * anything runs: a bad one is WR_EINVAL with the parser's message. */
  const char *listen_opts;
  /* Fresh state for one run (NULL: out of memory, the run is an error)
   * and its release. */
  void *(*create)(void *ctx);
  void (*destroy)(void *state);
  /* The accepted connection; it is owned by the server's mailbox. */
  int (*on_accept)(wr_sf_test *t, void *state, wr_sock *s);
  /* A data message (`tcp`, or `http` with m->http set). */
  int (*on_data)(wr_sf_test *t, void *state, const wr_msg *m);
  /* tcp_closed */
  int (*on_closed)(wr_sf_test *t, void *state, wr_sock *s);
  /* Every other message (tcp_error, tcp_passive), and data and
   * tcp_closed when on_data / on_closed are NULL. */
  int (*on_message)(wr_sf_test *t, void *state, const wr_msg *m);
  /* Called whenever time has passed: a passive server reads here
   * (wr_sock_recv with timeout 0). */
  int (*on_idle)(wr_sf_test *t, void *state, wr_sock *s);
  /* The end of the run: judge the exchange. */
  int (*at_end)(wr_sf_test *t, void *state, const wr_sf_transcript *tr);
} wr_sf_server;

/* Records why the run fails (the first call wins) and returns -1, for
 * `return wr_sf_fail(t, "no reply to request %d", i);`. */
int wr_sf_fail(wr_sf_test *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int wr_sf_fail_at(wr_sf_test *t, const char *file, int line, const char *what);
/* In a callback: fails the run with the condition, file and line. */
#define WR_SF_ASSERT(t, cond)                                                  \
  do {                                                                         \
    if (!(cond))                                                               \
      return wr_sf_fail_at((t), __FILE__, __LINE__, #cond);                    \
  } while (0)

/* The outcome of one run. */
typedef struct wr_sf_outcome {
  int failed;     /* a callback failed */
  char why[512];  /* its reason; "file:line: cond" for WR_SF_ASSERT */
  char site[160]; /* "file:line" of WR_SF_ASSERT, "" for wr_sf_fail */
  size_t nops;    /* client operations run */
  uint64_t seed;  /* simnet's seed */
} wr_sf_outcome;

/* One fuzz input against the server. 0 with out filled (out->failed says
 * whether a callback failed), or a negative wr_err with a message in err
 * (bad listen_opts, out of memory, the harness could not connect). */
int wr_sf_server_run(const wr_sf_server *srv, const uint8_t *data, size_t len,
                     wr_sf_outcome *out, char *err, size_t errlen);
/* The same for a parsed scenario (a finding's file): `s` and `c` as the
 * decoder writes them; seed is simnet's. */
int wr_sf_server_run_scenario(const wr_sf_server *srv, const wr_scenario *s,
                              uint64_t seed, wr_sf_outcome *out, char *err,
                              size_t errlen);
/* Reads a finding's scenario file and runs it with the seed its title
 * carries ("statefuzz seed N"). 0 / negative wr_err as above. */
int wr_sf_server_run_file(const wr_sf_server *srv, const char *path,
                          wr_sf_outcome *out, char *err, size_t errlen);

/* ---- shrinking (shared by your server and the model targets) ----------- */

/* Does this input still fail the same way? 1 yes, 0 no. */
typedef int (*wr_sf_still_fails)(void *ctx, const uint8_t *data, size_t len);

/* Shrinks a failing input: deletes operations (one at a time, until none
 * can go), then shortens sends' data, then simplifies the schedule (each
 * remaining `net` policy to `whole`, the seed to 1), keeping each change
 * only when still_fails says so. At most max_runs calls (0: 4000).
 * *out (malloc'd) is the result, never longer than the input. 0, or
 * WR_ENOMEM. runs (may be NULL) receives the calls made. */
int wr_sf_shrink(const uint8_t *data, size_t len, wr_sf_still_fails fn,
                 void *ctx, unsigned max_runs, uint8_t **out, size_t *outlen,
                 unsigned *runs);

/* The same failure, for shrinking: the same WR_SF_ASSERT site, or the same
 * reason with its digits left out. */
int wr_sf_same_outcome(const wr_sf_outcome *a, const wr_sf_outcome *b);

/* The fuzz entry for a server: runs one input; on a failure shrinks it,
 * prints the reason and the shrunk case as a scenario file (with the
 * command that replays it), writes that file into $WR_SF_CASE_DIR when
 * set, and aborts so libFuzzer keeps the input. With WR_SF_SCENARIO=FILE
 * set, runs that file instead of the input. Returns 0. */
int wr_sf_server_fuzz_one(const wr_sf_server *srv, const uint8_t *data,
                          size_t size);
#define WR_SF_SCENARIO_ENV "WR_SF_SCENARIO"
#define WR_SF_CASE_DIR_ENV "WR_SF_CASE_DIR"

/* Defines the libFuzzer entry points for a server, in a file of its own:
 *   WR_SF_SERVER_FUZZ_TARGET(&my_server)
 * LLVMFuzzerTestOneInput, and the scenario-level mutator and crossover.
 * Build it with wirerig_add_fuzz_target. */
#define WR_SF_SERVER_FUZZ_TARGET(server)                                       \
  size_t LLVMFuzzerMutate(uint8_t *wr_d_, size_t wr_n_, size_t wr_m_)          \
      __attribute__((weak));                                                   \
  int LLVMFuzzerTestOneInput(const uint8_t *wr_data_, size_t wr_size_);        \
  int LLVMFuzzerTestOneInput(const uint8_t *wr_data_, size_t wr_size_) {       \
    return wr_sf_server_fuzz_one((server), wr_data_, wr_size_);                \
  }                                                                            \
  size_t LLVMFuzzerCustomMutator(uint8_t *wr_d_, size_t wr_n_, size_t wr_m_,   \
                                 unsigned int wr_seed_);                       \
  size_t LLVMFuzzerCustomMutator(uint8_t *wr_d_, size_t wr_n_, size_t wr_m_,   \
                                 unsigned int wr_seed_) {                      \
    if ((wr_seed_ & 1) && LLVMFuzzerMutate)                                    \
      return LLVMFuzzerMutate(wr_d_, wr_n_, wr_m_);                            \
    return wr_sf_mutate(wr_d_, wr_n_, wr_m_, wr_seed_ >> 1);                   \
  }                                                                            \
  size_t LLVMFuzzerCustomCrossOver(                                            \
      const uint8_t *wr_a_, size_t wr_na_, const uint8_t *wr_b_,               \
      size_t wr_nb_, uint8_t *wr_o_, size_t wr_m_, unsigned int wr_seed_);     \
  size_t LLVMFuzzerCustomCrossOver(                                            \
      const uint8_t *wr_a_, size_t wr_na_, const uint8_t *wr_b_,               \
      size_t wr_nb_, uint8_t *wr_o_, size_t wr_m_, unsigned int wr_seed_) {    \
    return wr_sf_crossover(wr_a_, wr_na_, wr_b_, wr_nb_, wr_o_, wr_m_,         \
                           wr_seed_);                                          \
  }

/* ---- model findings as regression scenarios ----------------------------- */

/* Shrinks an input that violates the model's oracles (wr_sf_check) to one
 * that violates the same one, and writes it to path as a regression
 * scenario: a comment header (what it pins down, the oracle's words, the
 * input's hex), and every step's expectation pinned to what the model
 * observed except the violating step's, which states what the invariant
 * requires -- so `wirerig run FILE --transport sim --seed S` fails on that
 * step until the model is fixed. 0; 1 when the input violates nothing
 * (nothing written); a negative wr_err with a message (an oracle that
 * names no step -- conservation, determinism -- is WR_ENOTSUP: the fuzz
 * target's replay binary reproduces those). nops_before/after (may be
 * NULL) receive the operation counts. */
int wr_sf_regression_write(const uint8_t *data, size_t len, const char *path,
                           size_t *nops_before, size_t *nops_after, char *err,
                           size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
