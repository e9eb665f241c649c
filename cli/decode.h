/* The parts of `wirerig decode`: options and stream mode (cmd_decode.c),
 * batch mode (decode_batch.c) and how packets are shown
 * (decode_render.c). */
#ifndef WIRERIG_CLI_DECODE_H
#define WIRERIG_CLI_DECODE_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "wirerig/framing.h"

#define WR_DECODE_PROG "wirerig decode"

/* An HTTP packet as the schema's object: {"type":"http_request",...}. */
void wr_decode_json_http(wr_json_writer *w, const wr_http_packet *p);
/* The "packet" value of an ok answer: a byte string, or for the http types
 * the parsed line (wr_http_parse runs here and updates *state). */
void wr_decode_json_packet(wr_json_writer *w, const wr_framing *cfg,
                           const wr_frame *fr, int *state);
/* Writes w's text and a newline to stdout, then empties w. Returns 0, or
 * -1 (after a message) when w failed or the write did. */
int wr_decode_write_line(wr_json_writer *w);

/* `wirerig decode --batch [FILE]`; returns the exit status. */
int wr_decode_batch(const char *file);

/* Batch lines longer than this are answered bad_input unread. */
#define WR_DECODE_BATCH_MAX_LINE ((size_t)64 << 20)

/* Answers one batch question, line[0..len) (no newline), line number lineno
 * of the input: w is emptied and then holds the answer, one JSON object. A
 * NULL line is one too long to keep, of length len. */
void wr_decode_batch_answer(wr_json_writer *w, size_t lineno,
                            const uint8_t *line, size_t len);

#endif
