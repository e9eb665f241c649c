/* wirerig streaming decoder: gen_tcp's receive buffer (inet_drv) in C.
 *
 * decode_packet/3 is stateless; a gen_tcp socket is not. It keeps a receive
 * buffer whose size is the `buffer` option, reads into its free space, grows
 * it to the size of a packet whose header says how long it is, cuts lines
 * at the buffer size, uses the buffer size as the HTTP line limit, and
 * carries the HTTP state request line -> headers -> request line across
 * packets (docs/semantics.md §2.10, §3.1, §3.3, §5.1, §6). This is that
 * buffer: the socket layer asks it where to read, commits what arrived, and
 * takes packets out one at a time.
 */
#ifndef WIRERIG_STREAM_H
#define WIRERIG_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WR_STREAM_DEFAULT_BUFFER 1460u /* gen_tcp's default `buffer` */
/* How many blocks of given-up held storage a stream keeps for reuse (see
 * wr_stream_hold): enough to cover a mailbox that fills during one wait
 * at loopback speed; they are freed with the stream or by discard. */
#define WR_STREAM_RETIRED 64

typedef struct wr_stream {
  wr_packet_type type;
  uint32_t packet_size; /* 0 = no limit */
  uint8_t delimiter;
  uint32_t buffer; /* the `buffer` option, >= 1 */
  int http_state;  /* WR_HTTP_REQUEST_LINE / WR_HTTP_HEADERS */

  /* Bytes [start, end) of buf (alloc bytes of storage) are received and not
   * yet delivered. cap is the driver's buffer size: `buffer`, grown to the
   * size of a packet whose header is known or to packet_size for an HTTP
   * line, and back to `buffer` once the buffer is empty. The framing sees
   * at most cap bytes at a time, as inet_drv reads at most that much, so
   * raw packets and line pieces are at most cap bytes however the bytes
   * were fed in. */
  uint8_t *buf;
  size_t alloc, cap, start, end;
  size_t remain; /* total size of the packet at start when known, else 0 */
  int error;     /* sticky: WR_EMSGSIZE once a framing error was found */
  /* private: storage given up while held, reused once free (stream.c) */
  int nretired_;
  uint8_t **retired_; /* WR_STREAM_RETIRED entries, allocated on first use */
} wr_stream;

typedef struct wr_stream_packet {
  wr_span data;        /* delivered bytes, valid until the next stream call */
  int is_http;         /* nonzero for the http types: see http */
  wr_http_packet http; /* the parsed line, when is_http */
} wr_stream_packet;

/* Sets up a stream with default options for `type` (buffer 1460). */
void wr_stream_init(wr_stream *s, wr_packet_type type);
void wr_stream_free(wr_stream *s);

/* Option changes take effect for the next packet; buffered bytes are kept,
 * so switching http -> raw after http_eoh reads a body (semantics §3.3).
 * Changing the type keeps the HTTP state where the last line left it, as
 * OTP 25 does (semantics §3.3). buffer values below 1 become 1, as in
 * inet_drv. */
void wr_stream_set_type(wr_stream *s, wr_packet_type type);
void wr_stream_set_packet_size(wr_stream *s, uint32_t packet_size);
void wr_stream_set_delimiter(wr_stream *s, uint8_t delimiter);
void wr_stream_set_buffer(wr_stream *s, uint32_t buffer);

/* Where the next read should put bytes and how many it may ask for, as
 * inet_drv sizes its reads: the rest of the current packet when its size is
 * known, else the free space of the driver buffer. *len is 0 when buffered
 * bytes fill the buffer: take packets out with wr_stream_next first.
 * Returns 0, or WR_ENOMEM, or WR_EMSGSIZE once the stream has failed. */
int wr_stream_reserve(wr_stream *s, uint8_t **dst, size_t *len);
/* n bytes (<= the reserved length) arrived at *dst. */
void wr_stream_commit(wr_stream *s, size_t n);
/* Copies bytes in, whatever the buffer size (storage grows; the framing
 * still sees at most cap bytes at a time). Returns 0, WR_ENOMEM, or
 * WR_EMSGSIZE once the stream has failed. */
int wr_stream_feed(wr_stream *s, const uint8_t *p, size_t n);

/* Makes room for at least `more` bytes after the buffered ones (for reads
 * larger than wr_stream_reserve offers); write them at buf + end, up to
 * alloc - end bytes, and wr_stream_commit them. 0, WR_ENOMEM, or
 * WR_EMSGSIZE once the stream has failed. */
int wr_stream_room(wr_stream *s, size_t more);

/* Takes out the next complete packet. Returns WR_FRAME_PACKET, WR_FRAME_MORE
 * (read more; nothing is lost) or WR_EMSGSIZE (sticky framing error). */
int wr_stream_next(wr_stream *s, wr_stream_packet *out);

/* Frames up to max complete packets at the front of the buffer without
 * taking them out, in one wr_frame_batch call: exactly the packets that
 * repeated wr_stream_next calls would give next, for the types where
 * framing them together sees what the driver's buffer-sized view sees --
 * {packet,1|2|4} when the buffer size is 4 or more, and line.
 * out[i].packet is what wr_stream_next would deliver (data)
 * and out[i].consumed counts from where packet i starts. Returns how many;
 * 0 when there is none yet, after a framing error, and always for the
 * other types: wr_stream_next then says what comes next. Take each packet
 * out with wr_stream_skip(s, out[i].consumed), in order, before any other
 * stream call; the spans stay valid until then. */
size_t wr_stream_peek(wr_stream *s, wr_frame *out, size_t max);
/* Takes n bytes (one packet wr_stream_peek framed) out, exactly as
 * wr_stream_next does when it delivers that packet. */
void wr_stream_skip(wr_stream *s, size_t n);

/* Keeps the storage the packet wr_stream_next just returned lies in, so
 * that its data stays valid and unchanged after later stream calls, until
 * wr_stream_release(hold): a delivered packet handed on without a copy,
 * as inet_drv hands its buffer's binary to a big packet's message. While
 * storage is held the stream never moves or reuses its bytes: it takes
 * new storage when it needs room (copying only the undelivered bytes).
 * Holding pins the whole storage (`alloc` bytes), so hold it for packets
 * that are a large part of it and copy small ones. Returns the hold, NULL
 * when the stream has no storage. Single-threaded, like the stream. */
void *wr_stream_hold(wr_stream *s);
void wr_stream_release(void *hold);

/* Bytes received and not yet delivered. */
size_t wr_stream_buffered(const wr_stream *s);
/* Drops everything buffered (a partial packet at close is discarded) and
 * with it a framing error: the stream starts over empty, as inet_drv does
 * after reporting emsgsize on a socket that stays open. */
void wr_stream_discard(wr_stream *s);
/* Takes out up to max buffered bytes regardless of framing (raw recv of an
 * exact length uses this). */
size_t wr_stream_take(wr_stream *s, uint8_t *dst, size_t max);

#ifdef __cplusplus
}
#endif
#endif
