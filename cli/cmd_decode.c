/* `wirerig decode`: cut a byte stream into gen_tcp packets, or answer
 * erlang:decode_packet/3 questions in bulk (--batch).
 *
 * Stream mode runs wr_frame_next over the whole input and prints each
 * packet, then how the stream ends. Like a socket (and unlike one
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "decode.h"

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

static int decode_stream(const wr_framing *cfg, const decode_opts *o) {
  uint8_t *data;
  size_t n;
  if (wr_cli_read_all(PROG, o->file, &data, &n))
    return 2;
  FILE *out = stdout;
  wr_json_writer w;
  wr_jw_init(&w);
  int state = WR_HTTP_REQUEST_LINE;
  int is_http = wr_packet_type_is_http(cfg->type);
  int forced_headers =
      cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  size_t off = 0, count = 0;
  int rc = 0;
  for (;;) {
    if (off == n) { /* ends on a packet boundary */
      if (o->json) {
        wr_jw_object_begin(&w);
        wr_jw_key(&w, "result");
        wr_jw_str(&w, "complete");
        wr_jw_key(&w, "offset");
        wr_jw_uint(&w, off);
        wr_jw_key(&w, "packets");
        wr_jw_uint(&w, count);
        wr_jw_object_end(&w);
      } else {
        fprintf(out, "end: complete at offset %zu (%zu packet%s)\n", off, count,
                count == 1 ? "" : "s");
      }
      break;
    }
    if (forced_headers)
      state = WR_HTTP_HEADERS;
    wr_frame fr;
    wr_frame_status st = wr_frame_next(cfg, state, data + off, n - off, &fr);
    if (st == WR_FRAME_PACKET) {
      count++;
      if (o->json) {
        wr_jw_object_begin(&w);
        wr_jw_key(&w, "result");
        wr_jw_str(&w, "ok");
        wr_jw_key(&w, "offset");
        wr_jw_uint(&w, off);
        wr_jw_key(&w, "packet");
        wr_decode_json_packet(&w, cfg, &fr, &state);
        wr_jw_object_end(&w);
        if (wr_decode_write_line(&w)) {
          rc = 2;
          break;
        }
      } else if (is_http) {
        wr_http_packet hp;
        wr_http_parse(fr.packet.ptr, fr.packet.len, &state, &hp);
        fprintf(out, "packet %zu at offset %zu: ", count, off);
        wr_http_print(out, cfg->type, &hp);
        putc('\n', out);
      } else {
        fprintf(out, "packet %zu at offset %zu (%zu bytes): ", count, off,
                fr.packet.len);
        wr_bytes_print(out, fr.packet.ptr, fr.packet.len);
        putc('\n', out);
      }
      /* A packet always consumes input (raw takes everything, the others
       * at least a header or a delimiter), so this loop ends; should the
       * library ever break that promise, stop rather than spin. */
      if (fr.consumed == 0 || fr.consumed > n - off) {
        fprintf(stderr,
                PROG ": internal error: the framing library consumed %zu of "
                     "%zu bytes at offset %zu\n",
                fr.consumed, n - off, off);
        rc = 2;
        break;
      }
      off += fr.consumed;
      continue;
    }
    size_t avail = n - off;
    if (st == WR_FRAME_MORE) {
      if (o->json) {
        wr_jw_object_begin(&w);
        wr_jw_key(&w, "result");
        wr_jw_str(&w, "more");
        wr_jw_key(&w, "offset");
        wr_jw_uint(&w, off);
        wr_jw_key(&w, "length");
        if (fr.need)
          wr_jw_uint(&w, fr.need);
        else
          wr_jw_null(&w);
        wr_jw_key(&w, "missing");
        if (fr.need)
          wr_jw_uint(&w, fr.need - avail);
        else
          wr_jw_null(&w);
        wr_jw_object_end(&w);
      } else if (fr.need) {
        fprintf(out,
                "end: need %zu more bytes: the packet at offset %zu is %zu "
                "bytes, %zu present\n",
                fr.need - avail, off, fr.need, avail);
      } else {
        fprintf(out,
                "end: need more bytes, length unknown: %zu byte%s present at "
                "offset %zu\n",
                avail, avail == 1 ? "" : "s", off);
      }
      break;
    }
    if (o->json) {
      wr_jw_object_begin(&w);
      wr_jw_key(&w, "result");
      wr_jw_str(&w, "error");
      wr_jw_key(&w, "offset");
      wr_jw_uint(&w, off);
      wr_jw_key(&w, "reason");
      wr_jw_str(&w, "invalid");
      wr_jw_object_end(&w);
    } else {
      fprintf(out,
              "error at offset %zu: invalid packet (decode_packet returns "
              "{error,invalid}; a socket fails with emsgsize)\n",
              off);
    }
    rc = 1;
    break;
  }
  if (rc != 2 && o->json && w.len && wr_decode_write_line(&w))
    rc = 2;
  if (fflush(out) != 0 || ferror(out)) {
    fprintf(stderr, PROG ": cannot write the output: %s\n", strerror(errno));
    rc = 2;
  }
  wr_jw_free(&w);
  free(data);
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
