/* Shared helpers of the pcap tests: a scratch directory, collecting a
 * capture and comparing streams with failure messages that say which flow,
 * which direction and where the bytes first differ. */
#ifndef WIRERIG_TESTS_PCAP_PCAPTEST_H
#define WIRERIG_TESTS_PCAP_PCAPTEST_H

#include <stddef.h>

#include "craft.h"
#include "wirerig/pcapflows.h"

/* A directory of its own for this test process, removed at exit. */
const char *pt_dir(void);
/* pt_dir()/name; the result lives until the 64th call after this one. */
const char *pt_path(const char *name);

/* wr_pcap_collect over path; fails the test (with the message) unless it
 * returns 0. popt/topt may be NULL. */
void pt_collect(const char *path, const wr_pcap_options *popt,
                const wr_tcp_options *topt, wr_pcap_capture *out);
/* wr_pcap_collect expected to fail with rc; returns its message (static). */
const char *pt_collect_error(const char *path, const wr_pcap_options *popt,
                             int rc);

/* Fails unless s holds exactly p[0..n). */
void pt_expect_bytes(const wr_tcp_stream *s, const void *p, size_t n,
                     const char *what);
#define PT_EXPECT_STR(s, lit, what)                                            \
  pt_expect_bytes((s), (lit), sizeof(lit) - 1, (what))

/* Fails unless s has exactly one gap, at stream offset `offset`, of len
 * bytes, for reason. */
void pt_expect_one_gap(const wr_tcp_stream *s, uint64_t offset, uint64_t len,
                       wr_gap_reason reason, const char *what);

/* Deterministic bytes: byte i of stream `seed`. */
void pt_fill(void *p, size_t n, unsigned seed);

/* Runs a command through sh -c; fails the test when it exits non-zero.
 * Output goes to pt_dir()/cmd.log, shown on failure. */
void pt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 when `tool` is on PATH. */
int pt_have(const char *tool);

/* Closes a crafted capture, failing the test on a write error. */
void pt_finish(cr_file *f);
/* Both sides of a crafted conversation close: FIN, FIN, ACK. */
void pt_close_both(cr_conv *c);

#endif
