/* Socket options of the gen_tcp model (sock.h): a typed list and its text
 * form.
 *
 * Text form, items separated by spaces, as scenario files and the CLI write
 * them:  packet=2 active=once buffer=64 linger=true,0 send_timeout=infinity
 *        line_delimiter=; (a character, or its code 0..255, or \n \r \t \0)
 * Booleans are true / false. Values follow gen_tcp's types; what gen_tcp
 * refuses with einval is refused here, with a message naming the option,
 * what was expected and what was found.
 */
#ifndef WIRERIG_SOCKOPT_H
#define WIRERIG_SOCKOPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WR_SOCKOPT_NAMES(X)                                                    \
  X(ACTIVE, "active")                                                          \
  X(PACKET, "packet")                                                          \
  X(PACKET_SIZE, "packet_size")                                                \
  X(LINE_DELIMITER, "line_delimiter")                                          \
  X(BUFFER, "buffer")                                                          \
  X(HEADER, "header")                                                          \
  X(EXIT_ON_CLOSE, "exit_on_close")                                            \
  X(SHOW_ECONNRESET, "show_econnreset")                                        \
  X(SEND_TIMEOUT, "send_timeout")                                              \
  X(SEND_TIMEOUT_CLOSE, "send_timeout_close")                                  \
  X(HIGH_WATERMARK, "high_watermark")                                          \
  X(LOW_WATERMARK, "low_watermark")                                            \
  X(DELAY_SEND, "delay_send")                                                  \
  X(NODELAY, "nodelay")                                                        \
  X(LINGER, "linger")                                                          \
  X(REUSEADDR, "reuseaddr")                                                    \
  X(BACKLOG, "backlog")                                                        \
  X(SNDBUF, "sndbuf")                                                          \
  X(RECBUF, "recbuf")                                                          \
  X(PRIORITY, "priority")                                                      \
  X(TOS, "tos")

typedef enum wr_sockopt_name {
#define WR_SOCKOPT_ENUM_(id, str) WR_OPT_##id,
  WR_SOCKOPT_NAMES(WR_SOCKOPT_ENUM_)
#undef WR_SOCKOPT_ENUM_
      WR_OPT_COUNT_
} wr_sockopt_name;

/* active: value is the mode, value2 the N of {active, N}. */
enum { WR_ACTIVE_FALSE = 0, WR_ACTIVE_TRUE, WR_ACTIVE_ONCE, WR_ACTIVE_N };

#define WR_SEND_TIMEOUT_INFINITY (-1) /* send_timeout = infinity */

/* One option. value holds the value (booleans 0/1; packet a wr_packet_type;
 * send_timeout ms or WR_SEND_TIMEOUT_INFINITY); linger keeps its on flag
 * in value and its seconds in value2; active its mode in value and N in
 * value2. */
typedef struct wr_sockopt {
  wr_sockopt_name name;
  int64_t value;
  int64_t value2;
} wr_sockopt;

/* "packet", ...; NULL out of range. */
const char *wr_sockopt_name_str(wr_sockopt_name name);
/* WR_OPT_* for a name, or -1. */
int wr_sockopt_from_name(const char *name);

/* Checks one option's value against gen_tcp's type: 0 or WR_EINVAL with a
 * message ("active: expected false, true, once or -32768..32767, found
 * 40000"). Backlog and reuseaddr are accepted everywhere, as gen_tcp
 * ignores them on connected sockets. */
int wr_sockopt_check(const wr_sockopt *o, char *err, size_t errlen);

/* Parses the text form into opts (at most max). Returns the count, or
 * WR_EINVAL with "item 2 'packet=7': packet: expected raw, 0, 1, 2, 4, ...
 * found '7'" in err. */
int wr_sockopt_parse(const char *text, wr_sockopt *opts, size_t max, char *err,
                     size_t errlen);
/* Writes "packet=2" for one option; returns the length snprintf would. */
int wr_sockopt_format(const wr_sockopt *o, char *buf, size_t len);

/* 1 when a and b are the same option with the same value, as getopts
 * shows it (value2 counts only where it is part of the value: the N of
 * {active, N}, linger's seconds); else 0. */
int wr_sockopt_equal(const wr_sockopt *a, const wr_sockopt *b);

#ifdef __cplusplus
}
#endif
#endif
