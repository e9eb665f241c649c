/* `wirerig decode`: cut a byte stream into gen_tcp packets, or answer
 * erlang:decode_packet/3 questions in bulk (--batch).
 *
 * Stream mode frames the input as it is read (wirerig/framer.h: bounded
 * memory, the packets wr_frame_next gives over the whole input) and prints
 * each packet, then how the stream ends. Like a socket (and unlike one
 * decode_packet call) it carries the HTTP state across packets: request
 * line, then headers, then after http_eoh a request line again.
 *
 * Batch mode reads one JSON question per line and writes one JSON answer
 * per line in the schema documented in tests/diff/README.md, which outside
 * tools depend on: change it only compatibly. Each line is one stateless
 * decode_packet call; a bad line gets a "bad_input" answer and the batch
 * goes on.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "decode.h"
#include "wirerig/framer.h"

#define PROG WR_DECODE_PROG

static const char usage_text[] =
    "usage: wirerig decode --packet TYPE [--packet-size N] [--line-length N]\n"
    "                      [--line-delimiter BYTE] [--json] [FILE]\n"
    "       wirerig decode --batch [FILE]\n"
    "\n"
    "Cuts the byte stream in FILE (or standard input) into packets as\n"
    "gen_tcp's {packet, TYPE} and erlang:decode_packet/3 do, prints each one,\n"
    "then how the stream ends: complete, needing more bytes, or a framing\n"
    "error at a byte offset.\n"
    "\n"
    "  --packet TYPE          raw 0 1 2 4 asn1 sunrm cdr fcgi tpkt line http\n"
    "                         httph http_bin httph_bin\n"
    "  --packet-size N        largest accepted body, 0..4294967295 (0 = no "
    "limit)\n"
    "  --line-length N        line: cut longer lines into pieces of N bytes;\n"
    "                         http types: the line limit when --packet-size "
    "is 0\n"
    "  --line-delimiter BYTE  line only: a number 0..255, one character, or "
    "an\n"
    "                         escape: \\n \\r \\t \\0 \\\\ \\xHH (digits are "
    "numbers:\n"
    "                         '5' is byte 5; write '\\x35' for the digit)\n"
    "  --json                 one JSON object per packet and one for the end\n"
    "  --batch                read decode_packet/3 calls as JSON lines and\n"
    "                         answer each with a JSON line (docs/cli.md)\n"
    "  -h, --help             this text\n"
    "\n"
    "Options take their value as --opt VALUE or --opt=VALUE, once each.\n"
    "\n"
    "For http and http_bin the HTTP state carries across packets as on a\n"
    "socket: a request or status line, then header lines, and after http_eoh\n"
    "a request line again. httph and httph_bin parse every line as a header.\n"
    "\n"
    "Exit status: 0 the stream decoded (complete or needing more bytes),\n"
    "1 framing error, 2 bad usage or unreadable input.\n";

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Prints "wirerig decode: <message>" and a hint; returns the exit status. */
static int usage_error(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return wr_cli_usage_error(PROG, PROG, "%s", msg);
}

/* ---- Stream mode --------------------------------------------------------- */

typedef struct decode_opts {
  const char *packet, *packet_size, *line_length, *line_delimiter;
  int json, batch;
  const char *file;
} decode_opts;

/* Reads up to one room's worth of input into the framer: 1 when bytes
 * came, 0 at the end of the input, -1 after a message. */
static int read_some(wr_framer *fr, int fd, const char *file) {
  uint8_t *dst;
  size_t room;
  if (wr_framer_room(fr, &dst, &room)) {
    fprintf(stderr, PROG ": out of memory holding a packet of the input\n");
    return -1;
  }
  /* What was decoded so far goes out before waiting for more input, so a
   * program feeding us through a pipe sees each packet as it completes. */
  fflush(stdout);
  for (;;) {
    ssize_t k = read(fd, dst, room);
    if (k > 0) {
      wr_framer_commit(fr, (size_t)k);
      return 1;
    }
    if (k == 0)
      return 0;
    if (errno != EINTR) {
      fprintf(stderr, PROG ": cannot read %s: %s\n",
              file && strcmp(file, "-") ? file : "standard input",
              strerror(errno));
      return -1;
    }
  }
}

/* Prints one event of the framer; returns the exit status so far. */
static int print_event(const wr_framing *cfg, const decode_opts *o,
                       wr_json_writer *w, const wr_framer_event *ev) {
  FILE *out = stdout;
  uint64_t off = ev->offset;
  switch (ev->status) {
  case WR_FRAMER_PACKET:
    if (o->json) {
      int state = ev->http_state;
      wr_jw_object_begin(w);
      wr_jw_key(w, "result");
      wr_jw_str(w, "ok");
      wr_jw_key(w, "offset");
      wr_jw_uint(w, off);
      wr_jw_key(w, "packet");
      wr_decode_json_packet(w, cfg, &ev->frame, &state);
      wr_jw_object_end(w);
      return wr_decode_write_line(w) ? 2 : 0;
    }
    if (ev->is_http) {
      fprintf(out, "packet %" PRIu64 " at offset %" PRIu64 ": ",
              ev->packets + 1, off);
      wr_http_print(out, cfg->type, &ev->http);
    } else {
      fprintf(out, "packet %" PRIu64 " at offset %" PRIu64 " (%zu bytes): ",
              ev->packets + 1, off, ev->frame.packet.len);
      wr_bytes_print(out, ev->frame.packet.ptr, ev->frame.packet.len);
    }
    putc('\n', out);
    return 0;
  case WR_FRAMER_COMPLETE:
    if (o->json) {
      wr_jw_object_begin(w);
      wr_jw_key(w, "result");
      wr_jw_str(w, "complete");
      wr_jw_key(w, "offset");
      wr_jw_uint(w, off);
      wr_jw_key(w, "packets");
      wr_jw_uint(w, ev->packets);
      wr_jw_object_end(w);
    } else {
      fprintf(out,
              "end: complete at offset %" PRIu64 " (%" PRIu64 " packet%s)\n",
              off, ev->packets, ev->packets == 1 ? "" : "s");
    }
    return 0;
  case WR_FRAMER_SHORT:
    if (o->json) {
      wr_jw_object_begin(w);
      wr_jw_key(w, "result");
      wr_jw_str(w, "more");
      wr_jw_key(w, "offset");
      wr_jw_uint(w, off);
      wr_jw_key(w, "length");
      if (ev->need)
        wr_jw_uint(w, ev->need);
      else
        wr_jw_null(w);
      wr_jw_key(w, "missing");
      if (ev->need)
        wr_jw_uint(w, ev->need - ev->avail);
      else
        wr_jw_null(w);
      wr_jw_object_end(w);
    } else if (ev->need) {
      fprintf(out,
              "end: need %zu more bytes: the packet at offset %" PRIu64
              " is %zu bytes, %zu present\n",
              ev->need - ev->avail, off, ev->need, ev->avail);
    } else {
      fprintf(out,
              "end: need more bytes, length unknown: %zu byte%s present at "
              "offset %" PRIu64 "\n",
              ev->avail, ev->avail == 1 ? "" : "s", off);
    }
    return 0;
  default:
    if (o->json) {
      wr_jw_object_begin(w);
      wr_jw_key(w, "result");
      wr_jw_str(w, "error");
      wr_jw_key(w, "offset");
      wr_jw_uint(w, off);
      wr_jw_key(w, "reason");
      wr_jw_str(w, "invalid");
      wr_jw_object_end(w);
    } else {
      fprintf(out,
              "error at offset %" PRIu64 ": invalid packet (decode_packet "
              "returns {error,invalid}; a socket fails with emsgsize)\n",
              off);
    }
    return 1;
  }
}

/* The input is read in chunks and framed as it comes (framer.h): memory
 * follows the largest packet, not the input. */
static int decode_stream(const wr_framing *cfg, const decode_opts *o) {
  int fd = wr_cli_open_input(PROG, o->file);
  if (fd < 0)
    return 2;
  wr_framer fr;
  wr_framer_init(&fr, cfg, 0);
  wr_json_writer w;
  wr_jw_init(&w);
  int rc = 0;
  for (;;) {
    wr_framer_event ev;
    wr_framer_status st = wr_framer_next(&fr, &ev);
    if (st == WR_FRAMER_INPUT) {
      int got = read_some(&fr, fd, o->file);
      if (got < 0) {
        rc = 2;
        break;
      }
      if (got == 0)
        wr_framer_end(&fr);
      continue;
    }
    rc = print_event(cfg, o, &w, &ev);
    if (st != WR_FRAMER_PACKET || rc == 2)
      break;
  }
  if (rc != 2 && o->json && w.len && wr_decode_write_line(&w))
    rc = 2;
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, PROG ": cannot write the output: %s\n", strerror(errno));
    rc = 2;
  }
  wr_jw_free(&w);
  wr_framer_free(&fr);
  if (fd != STDIN_FILENO)
    close(fd);
  return rc;
}

/* ---- Options ------------------------------------------------------------- */

enum {
  OPT_PACKET = 256,
  OPT_PACKET_SIZE,
  OPT_LINE_LENGTH,
  OPT_LINE_DELIMITER,
  OPT_JSON,
  OPT_BATCH
};

static const struct option long_options[] = {
    {"packet", required_argument, NULL, OPT_PACKET},
    {"packet-size", required_argument, NULL, OPT_PACKET_SIZE},
    {"line-length", required_argument, NULL, OPT_LINE_LENGTH},
    {"line-delimiter", required_argument, NULL, OPT_LINE_DELIMITER},
    {"json", no_argument, NULL, OPT_JSON},
    {"batch", no_argument, NULL, OPT_BATCH},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

static int parse_args(int argc, char **argv, decode_opts *o, int *status) {
  wr_cli_opts p;
  wr_cli_opts_init(&p, PROG, PROG, argc, argv, "h", long_options);
  const char *v;
  int c;
  while ((c = wr_cli_next(&p, &v)) != WR_CLI_DONE) {
    switch (c) {
    case WR_CLI_ERROR:
      *status = 2;
      return -1;
    case 'h':
      fputs(usage_text, stdout);
      *status = 0;
      return -1;
    case WR_CLI_ARG:
      if (o->file) {
        *status = usage_error("more than one input file given ('%s')", v);
        return -1;
      }
      o->file = v;
      break;
    case OPT_PACKET:
      o->packet = v;
      break;
    case OPT_PACKET_SIZE:
      o->packet_size = v;
      break;
    case OPT_LINE_LENGTH:
      o->line_length = v;
      break;
    case OPT_LINE_DELIMITER:
      o->line_delimiter = v;
      break;
    case OPT_JSON:
      o->json = 1;
      break;
    case OPT_BATCH:
      o->batch = 1;
      break;
    }
  }
  return 0;
}

/* Turns the framing flags into cfg. 0, or -1 after printing why. */
static int framing_from_opts(const decode_opts *o, wr_framing *cfg) {
  wr_packet_type type;
  if (wr_packet_type_parse(o->packet, &type) != 0) {
    char q[64];
    fprintf(stderr,
            PROG ": --packet: unknown packet type '%s'; expected one of %s\n",
            wr_cli_quote(o->packet, strlen(o->packet), q, sizeof q),
            wr_packet_type_names());
    return -1;
  }
  *cfg = wr_framing_default(type);
  uint64_t v;
  if (o->packet_size) {
    if (wr_cli_parse_uint(PROG, "--packet-size", o->packet_size, 0, UINT32_MAX,
                          &v))
      return -1;
    cfg->packet_size = (uint32_t)v;
  }
  if (o->line_length) {
    if (wr_cli_parse_uint(PROG, "--line-length", o->line_length, 0, UINT32_MAX,
                          &v))
      return -1;
    cfg->trunc_len = (uint32_t)v;
  }
  if (o->line_delimiter) {
    if (type != WR_PACKET_LINE) {
      fprintf(stderr,
              PROG ": --line-delimiter is only valid with --packet line "
                   "(decode_packet/3 raises badarg for it with --packet %s)\n",
              wr_packet_type_name(type));
      return -1;
    }
    if (wr_cli_parse_byte(PROG, "--line-delimiter", o->line_delimiter,
                          &cfg->delimiter))
      return -1;
  }
  return 0;
}

int wr_cmd_decode(int argc, char **argv) {
  decode_opts o = {0};
  int status = 2;
  if (parse_args(argc, argv, &o, &status))
    return status;
  if (o.batch) {
    const char *given = o.packet           ? "--packet"
                        : o.packet_size    ? "--packet-size"
                        : o.line_length    ? "--line-length"
                        : o.line_delimiter ? "--line-delimiter"
                                           : NULL;
    if (given)
      return usage_error("%s cannot be combined with --batch: each input "
                         "line gives its own packet type and options",
                         given);
    return wr_decode_batch(o.file);
  }
  if (!o.packet)
    return usage_error("%s", "--packet TYPE is required (or use --batch)");
  wr_framing cfg;
  if (framing_from_opts(&o, &cfg)) {
    fprintf(stderr, "Try 'wirerig decode --help'.\n");
    return 2;
  }
  return decode_stream(&cfg, &o);
}
