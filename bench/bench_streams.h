/* Deterministic input streams for bench_framing. They are written by hand
 * rather than with wr_frame_build so that the bytes under measurement do not
 * depend on the library being measured. Every generator fills a fresh
 * malloc'd buffer of at most `target` bytes with whole packets only, stores
 * its exact length in *len and returns it (NULL when out of memory). Writing
 * every byte also faults every page in before any timing starts.
 */
#ifndef WIRERIG_BENCH_STREAMS_H
#define WIRERIG_BENCH_STREAMS_H

#include <stddef.h>
#include <stdint.h>

/* {packet,4} frames: 4-byte big-endian length, then `payload` random bytes. */
uint8_t *bench_stream_packet4(size_t target, size_t payload, uint64_t seed,
                              size_t *len);

/* Lines of exactly line_len bytes: line_len - 1 printable bytes and '\n'. */
uint8_t *bench_stream_lines(size_t target, size_t line_len, uint64_t seed,
                            size_t *len);

/* Pipelined browser-style HTTP/1.1 requests without bodies: GET (some HEAD)
 * with an abs_path URI and exactly BENCH_HTTP_HEADERS header lines, as a
 * browser sends for pages, stylesheets, scripts and images. */
#define BENCH_HTTP_HEADERS 8
uint8_t *bench_stream_http(size_t target, uint64_t seed, size_t *len);

/* Pipelined HTTP/1.1 responses without bodies (200, 304, 204 with
 * Content-Length: 0): a status line and exactly BENCH_HTTP_HEADERS header
 * lines, as a server sends for cached or empty resources. */
uint8_t *bench_stream_http_response(size_t target, uint64_t seed, size_t *len);

#endif
