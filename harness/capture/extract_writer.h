/* A background writer for wr_pcap_extract (private to the library): files are
 * appended to by a second thread while the first reads and reassembles the
 * capture. On tmpfs or a page cache, writing is as much work as reading, so the
 * two overlap instead of adding up. Jobs run in the order they were queued, so
 * a file's pieces land in order. */
#ifndef WIRERIG_CAPTURE_EXTRACT_WRITER_H
#define WIRERIG_CAPTURE_EXTRACT_WRITER_H

#include <stddef.h>

typedef struct wr_cap_writer wr_cap_writer;

/* Writes into directory dirfd (named dir in messages), holding at most
 * max_queued bytes of waiting data. NULL when out of memory or no thread. */
wr_cap_writer *wr_cap_writer_start(int dirfd, const char *dir,
                                   size_t max_queued);
/* Queues a copy of p[0..n) for file `name` (truncated first when trunc,
 * else appended to). Waits while the queue is full. Returns 0, or -1 once
 * a write has failed (the message is kept for wr_cap_writer_finish). */
int wr_cap_writer_put(wr_cap_writer *w, const char *name, int trunc,
                      const void *p, size_t n);
/* The same without the copy: the job writes p[0..n), which lies in
 * `block`, and free()s block once written (or at once when it cannot be
 * queued: the block is the writer's whatever the result). */
int wr_cap_writer_give(wr_cap_writer *w, const char *name, int trunc,
                       void *block, const void *p, size_t n);
/* Nonzero while more than half of max_queued waits: the thread is not
 * keeping up (no free core), and the caller may as well write itself. */
int wr_cap_writer_busy(wr_cap_writer *w);
/* Waits for the queue to drain, stops the thread, frees everything.
 * Returns 0, or -1 with err set to the first failure. */
int wr_cap_writer_finish(wr_cap_writer *w, char *err, size_t errlen);

#endif
