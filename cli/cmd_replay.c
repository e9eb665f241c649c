/* `wirerig replay FILE --to HOST:PORT`: the client side of a captured flow
 * sent to a live server, and its answers compared with the captured
 * server's. Options, the choice of flow and the report live here; the
 * conversation and the comparison are the capture library's
 * (wirerig/replay.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "decode.h"
#include "replay.h"

static const char usage_text[] =
    "usage: wirerig replay FILE --to HOST:PORT [--flow N]\n"
    "                      [--timing original|fast|scale=X]\n"
    "                      [--cut POLICY [--seed S]] [--packet TYPE "
    "[framing options]]\n"
    "                      [--ignore-header NAMES] [--ignore-packet NS]\n"
    "                      [--json] [--timeout T] [--quiet T] "
    "[--skip-gaps] [--allow-remote]\n"
    "\n"
    "Sends the client side of a captured TCP flow to a live server and\n"
    "compares what the server answers with what the captured server said.\n"
    "\n"
    "  --to HOST:PORT       the server: 127.0.0.0/8 or ::1 ([::1]:8080);\n"
    "                       another address needs --allow-remote\n"
    "  --flow N             the flow (as numbered by `wirerig pcap flows`);\n"
    "                       needed when the capture holds more than one\n"
    "  --timing MODE        original: the captured gaps between the client's\n"
    "                       pieces (default); fast: as fast as the server\n"
    "                       takes them; scale=X: the gaps times X (X > 0)\n"
    "  --cut POLICY         re-cut the client's bytes with a segmentation\n"
    "                       policy (fixed:N random:A-B cuts:... latency:...;\n"
    "                       docs/simnet.md) instead of the captured pieces;\n"
    "                       implies --timing fast\n"
    "  --seed S             seed of the policy's random draws (default 1)\n"
    "  --packet TYPE        also compare packet by packet: raw 0 1 2 4 asn1\n"
    "                       sunrm cdr fcgi tpkt line http httph http_bin\n"
    "                       httph_bin\n"
    "  --packet-size N, --line-length N, --line-delimiter BYTE\n"
    "                       as for `wirerig decode`\n"
    "  --ignore-header NAMES  with an http type: these headers' values may\n"
    "                       differ (comma-separated, any case: Date,Server)\n"
    "  --ignore-packet NS   with --packet: these packets' contents may\n"
    "                       differ (comma-separated 1-based numbers: 3,7)\n"
    "                       With either, packets equal under them match\n"
    "  --timeout T          give up after T without progress (default 10s;\n"
    "                       ns us ms s, a bare number is seconds)\n"
    "  --quiet T            silence that ends the wait once the server has\n"
    "                       answered as much as in the capture (default "
    "200ms)\n"
    "  --skip-gaps          send a client side with gaps (bytes never\n"
    "                       captured) without them, with a warning\n"
    "  --allow-remote       allow a --to address beyond loopback\n"
    "  --json               one JSON document instead of text\n"
    "  --filter EXPR, --no-checksum   as for `wirerig pcap`\n"
    "  -h, --help           this text\n"
    "\n"
    "Options take their value as --opt VALUE or --opt=VALUE, once each.\n"
    "\n"
    "Exit status: 0 the live answers match the capture, 1 they differ, 2 bad\n"
    "usage, a capture that cannot be read or replayed, or no connection.\n";

typedef struct opts {
  const char *file, *to, *flow, *timing, *cut, *seed, *packet, *packet_size,
      *line_length, *line_delimiter, *timeout, *quiet, *filter, *ignore_header,
      *ignore_packet;
  int json, skip_gaps, allow_remote, no_checksum;
} opts;

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt,
                                                             ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return wr_cli_usage_error(WR_REPLAY_PROG, WR_REPLAY_PROG, "%s", msg);
}

enum {
  OPT_TO = 256,
  OPT_FLOW,
  OPT_TIMING,
  OPT_CUT,
  OPT_SEED,
  OPT_PACKET,
  OPT_PACKET_SIZE,
  OPT_LINE_LENGTH,
  OPT_LINE_DELIMITER,
  OPT_TIMEOUT,
  OPT_QUIET,
  OPT_FILTER,
  OPT_JSON,
  OPT_SKIP_GAPS,
  OPT_ALLOW_REMOTE,
  OPT_NO_CHECKSUM,
  OPT_IGNORE_HEADER,
  OPT_IGNORE_PACKET
};

static const struct option long_options[] = {
    {"to", required_argument, NULL, OPT_TO},
    {"flow", required_argument, NULL, OPT_FLOW},
    {"timing", required_argument, NULL, OPT_TIMING},
    {"cut", required_argument, NULL, OPT_CUT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"packet", required_argument, NULL, OPT_PACKET},
    {"packet-size", required_argument, NULL, OPT_PACKET_SIZE},
    {"line-length", required_argument, NULL, OPT_LINE_LENGTH},
    {"line-delimiter", required_argument, NULL, OPT_LINE_DELIMITER},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"quiet", required_argument, NULL, OPT_QUIET},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"json", no_argument, NULL, OPT_JSON},
    {"skip-gaps", no_argument, NULL, OPT_SKIP_GAPS},
    {"allow-remote", no_argument, NULL, OPT_ALLOW_REMOTE},
    {"no-checksum", no_argument, NULL, OPT_NO_CHECKSUM},
    {"ignore-header", required_argument, NULL, OPT_IGNORE_HEADER},
    {"ignore-packet", required_argument, NULL, OPT_IGNORE_PACKET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

static int parse_args(int argc, char **argv, opts *o, int *status) {
  wr_cli_opts p;
  wr_cli_opts_init(&p, WR_REPLAY_PROG, WR_REPLAY_PROG, argc, argv, "h",
                   long_options);
  const char *v;
  int c;
  *status = 2;
  while ((c = wr_cli_next(&p, &v)) != WR_CLI_DONE) {
    /* Where each valued option goes; flags are set in place. */
    const char **slot = NULL;
    switch (c) {
    case WR_CLI_ERROR:
      return -1;
    case 'h':
      fputs(usage_text, stdout);
      *status = 0;
      return -1;
    case WR_CLI_ARG:
      if (o->file) {
        *status = usage_error("more than one capture file given ('%s')", v);
        return -1;
      }
      o->file = v;
      break;
    case OPT_TO:
      slot = &o->to;
      break;
    case OPT_FLOW:
      slot = &o->flow;
      break;
    case OPT_TIMING:
      slot = &o->timing;
      break;
    case OPT_CUT:
      slot = &o->cut;
      break;
    case OPT_SEED:
      slot = &o->seed;
      break;
    case OPT_PACKET:
      slot = &o->packet;
      break;
    case OPT_PACKET_SIZE:
      slot = &o->packet_size;
      break;
    case OPT_LINE_LENGTH:
      slot = &o->line_length;
      break;
    case OPT_LINE_DELIMITER:
      slot = &o->line_delimiter;
      break;
    case OPT_TIMEOUT:
      slot = &o->timeout;
      break;
    case OPT_QUIET:
      slot = &o->quiet;
      break;
    case OPT_FILTER:
      slot = &o->filter;
      break;
    case OPT_IGNORE_HEADER:
      slot = &o->ignore_header;
      break;
    case OPT_IGNORE_PACKET:
      slot = &o->ignore_packet;
      break;
    case OPT_JSON:
      o->json = 1;
      break;
    case OPT_SKIP_GAPS:
      o->skip_gaps = 1;
      break;
    case OPT_ALLOW_REMOTE:
      o->allow_remote = 1;
      break;
    case OPT_NO_CHECKSUM:
      o->no_checksum = 1;
      break;
    }
    if (slot)
      *slot = v;
  }
  if (!o->file) {
    *status = usage_error("no capture file given");
    return -1;
  }
  if (!o->to) {
    *status = usage_error("--to HOST:PORT is required (e.g. --to "
                          "127.0.0.1:8080)");
    return -1;
  }
  return 0;
}

/* "10s", "500ms", "2" (seconds). */
static int parse_duration(const char *name, const char *text, wr_time *out) {
  char err[200];
  uint64_t secs;
  if (wr_cli_uint_value(text, 0, 86400, &secs) == 0) {
    *out = secs * WR_NS_PER_SEC;
  } else if (wr_parse_time(text, out, err, sizeof err) != 0) {
    return usage_error("%s: expected a duration like 10s or 500ms; %s", name,
                       err);
  }
  if (*out == 0)
    return usage_error("%s: must be more than 0, found '%s'", name, text);
  return 0;
}

static int parse_to(const opts *o, wr_addr *to) {
  char err[200];
  const char *text = o->to;
  char buf[80];
  if (strncmp(text, "localhost:", 10) == 0) {
    snprintf(buf, sizeof buf, "127.0.0.1:%s", text + 10);
    text = buf;
  }
  if (wr_addr_parse(text, to, err, sizeof err) != 0)
    return usage_error("--to: %s (expected HOST:PORT like 127.0.0.1:8080 or "
                       "[::1]:8080)",
                       err);
  if (to->port == 0)
    return usage_error("--to '%s': a port is needed, e.g. %s:8080", o->to,
                       o->to);
  if (!wr_addr_is_loopback(to)) {
    if (!o->allow_remote)
      return usage_error("--to '%s' is not a loopback address (127.0.0.0/8 "
                         "or ::1); replaying to another host needs "
                         "--allow-remote",
                         o->to);
    fprintf(stderr,
            WR_REPLAY_PROG ": warning: replaying to %s, which is not "
                           "loopback (--allow-remote)\n",
            o->to);
  }
  return 0;
}

static int parse_framing(const opts *o, wr_framing *f) {
  wr_packet_type type;
  if (wr_packet_type_parse(o->packet, &type) != 0)
    return usage_error("--packet: unknown packet type '%s'; expected one of %s",
                       o->packet, wr_packet_type_names());
  *f = wr_framing_default(type);
  uint64_t v;
  if (o->packet_size) {
    if (wr_cli_parse_uint(WR_REPLAY_PROG, "--packet-size", o->packet_size, 0,
                          UINT32_MAX, &v))
      return 2;
    f->packet_size = (uint32_t)v;
  }
  if (o->line_length) {
    if (wr_cli_parse_uint(WR_REPLAY_PROG, "--line-length", o->line_length, 0,
                          UINT32_MAX, &v))
      return 2;
    f->trunc_len = (uint32_t)v;
  }
  if (o->line_delimiter) {
    if (type != WR_PACKET_LINE)
      return usage_error("--line-delimiter is only valid with --packet "
                         "line");
    if (wr_cli_parse_byte(WR_REPLAY_PROG, "--line-delimiter", o->line_delimiter,
                          &f->delimiter))
      return 2;
  }
  return 0;
}

static int parse_timing(const opts *o, replay_plan *p) {
  p->timing = o->cut ? REPLAY_FAST : REPLAY_ORIGINAL;
  p->scale = 1.0;
  if (!o->timing)
    return 0;
  if (strcmp(o->timing, "fast") == 0) {
    p->timing = REPLAY_FAST;
  } else if (strcmp(o->timing, "original") == 0) {
    p->timing = REPLAY_ORIGINAL;
  } else if (strncmp(o->timing, "scale=", 6) == 0) {
    const char *x = o->timing + 6;
    char *end = NULL;
    double v =
        (x[0] >= '0' && x[0] <= '9') || x[0] == '.' ? strtod(x, &end) : 0.0;
    if (!end || *end || !(v > 0) || !isfinite(v) || v > 1e6)
      return usage_error("--timing: scale=X needs a decimal number X > 0 "
                         "(e.g. scale=0.1), found '%s'",
                         o->timing);
    p->timing = REPLAY_SCALE;
    p->scale = v;
  } else {
    return usage_error("--timing: expected original, fast or scale=X, found "
                       "'%s'",
                       o->timing);
  }
  if (o->cut && p->timing != REPLAY_FAST)
    return usage_error("--cut re-cuts the client's bytes, so the captured "
                       "gaps no longer apply: use --timing fast (the default "
                       "with --cut) and put delays in the policy "
                       "(latency:1ms, jitter:1ms-5ms)");
  return 0;
}

/* ---- choosing the flow --------------------------------------------------- */

static int select_id(void *ctx, const wr_tcp_flow *f) {
  const uint64_t *id = ctx;
  return *id == 0 || f->id == *id;
}

static void print_flow_brief(FILE *out, const wr_pcap_flow *pf) {
  char a[WR_ADDR_STRLEN], b[WR_ADDR_STRLEN];
  fprintf(out, "  flow %" PRIu64 " %s > %s c2s %zu bytes s2c %zu bytes\n",
          pf->flow.id, wr_addr_str(&pf->flow.client, a),
          wr_addr_str(&pf->flow.server, b), pf->dir[WR_C2S].len,
          pf->dir[WR_S2C].len);
}

static int choose_flow(const opts *o, wr_pcap_capture *cap,
                       const wr_pcap_flow **out) {
  uint64_t id = 0;
  if (o->flow &&
      wr_cli_parse_uint(WR_REPLAY_PROG, "--flow", o->flow, 1, UINT64_MAX, &id))
    return 2;
  wr_pcap_options popt = {0};
  popt.filter = o->filter;
  popt.no_checksum = o->no_checksum;
  wr_tcp_options topt = {0};
  char err[600];
  if (wr_pcap_collect(o->file, &popt, &topt, select_id, &id, cap, err,
                      sizeof err) != 0) {
    fprintf(stderr, WR_REPLAY_PROG ": %s\n", err);
    return 2;
  }
  if (cap->pcap.truncated_record)
    fprintf(stderr,
            WR_REPLAY_PROG ": %s: the file ends inside record %llu (cut "
                           "short); the complete records before it are read\n",
            o->file, (unsigned long long)cap->pcap.truncated_record);
  if (cap->count == 1) {
    *out = &cap->flows[0];
    return 0;
  }
  if (cap->count == 0) {
    if (id)
      fprintf(stderr, WR_REPLAY_PROG ": %s: no flow number %s\n", o->file,
              o->flow);
    else
      fprintf(stderr, WR_REPLAY_PROG ": %s: holds no TCP flow\n", o->file);
    return 2;
  }
  fprintf(stderr,
          WR_REPLAY_PROG ": %s holds %zu flows; choose one with --flow N:\n",
          o->file, cap->count);
  for (size_t i = 0; i < cap->count && i < 20; i++)
    print_flow_brief(stderr, &cap->flows[i]);
  if (cap->count > 20)
    fprintf(stderr, "  ... (`wirerig pcap flows %s` lists them all)\n",
            o->file);
  return 2;
}

/* A client side with gaps cannot be sent as it was: the server would see
 * the bytes after a gap at the wrong place. */
static int check_gaps(const opts *o, const wr_pcap_flow *pf) {
  const wr_tcp_stream *c = &pf->dir[WR_C2S], *s = &pf->dir[WR_S2C];
  for (size_t g = 0; g < c->ngaps; g++) {
    const wr_stream_gap *gp = &c->gaps[g];
    fprintf(stderr,
            WR_REPLAY_PROG ": %s%s: flow %" PRIu64
                           ": the client side has a gap of %" PRIu64
                           " bytes at offset %" PRIu64 " (%s)%s\n",
            o->skip_gaps ? "warning: " : "", o->file, pf->flow.id, gp->len,
            gp->offset, wr_gap_reason_name(gp->reason),
            o->skip_gaps ? "; sending the captured bytes without it"
                         : "; it cannot be replayed faithfully "
                           "(--skip-gaps sends the captured bytes without it)");
  }
  if (c->ngaps && !o->skip_gaps)
    return 2;
  if (s->ngaps)
    fprintf(stderr,
            WR_REPLAY_PROG ": warning: flow %" PRIu64
                           ": the captured server side has %zu gap(s); the "
                           "live answers are compared with the captured bytes "
                           "only\n",
            pf->flow.id, s->ngaps);
  return 0;
}

/* ---- the report -----------------------------------------------------------
 */

static const char *timing_name(const replay_plan *p, char *buf, size_t len) {
  if (p->timing == REPLAY_FAST)
    return "fast";
  if (p->timing == REPLAY_ORIGINAL)
    return "original";
  snprintf(buf, len, "scale=%g", p->scale);
  return buf;
}

static const char *ending(const replay_result *r) {
  if (r->reset)
    return "the server reset the connection";
  if (r->server_closed)
    return "the server closed the connection";
  if (r->timed_out)
    return "timed out waiting for the server";
  return "the server went quiet after answering";
}

static void print_excerpt(FILE *out, const uint8_t *p, size_t n, size_t from) {
  size_t a = from > 16 ? from - 16 : 0, b = from + 48 < n ? from + 48 : n;
  if (a > 0)
    fputs("...", out);
  wr_bytes_print(out, p + a, b - a);
  if (b < n)
    fputs("...", out);
}

static void report_run(const wr_pcap_flow *pf, const replay_plan *p,
                       const replay_result *r) {
  char tn[32];
  if (r->send_error)
    printf("sending failed after %zu of %zu bytes: %s\n", r->sent,
           pf->dir[WR_C2S].len, wr_strerror(r->send_error));
  printf("sent %zu bytes in %zu writes, received %zu bytes in %.3f s; %s\n",
         r->sent, r->nsent_at, r->live_len, (double)r->elapsed / 1e9,
         ending(r));
  if (p->timing != REPLAY_FAST) {
    double med, max;
    size_t n;
    wr_replay_timing_error(p, r, &med, &max, &n);
    if (n)
      printf("timing (%s): median error %.0f us, max %.0f us over %zu gaps\n",
             timing_name(p, tn, sizeof tn), med, max, n);
  }
}

static void report_text(const wr_pcap_flow *pf, const replay_result *r,
                        const replay_diff *d, const char *to,
                        int with_patterns) {
  char a[WR_ADDR_STRLEN], b[WR_ADDR_STRLEN];
  const wr_tcp_stream *s = &pf->dir[WR_S2C];
  if (!d->packets) {
    printf("server answered: ");
    wr_bytes_print(stdout, r->live, r->live_len < 256 ? r->live_len : 256);
    printf("%s\n", r->live_len > 256 ? "..." : "");
  } else if (d->packet_diff) {
    printf("packet %zu differs: captured %s, live %s\n", d->packet_diff,
           d->captured_text, d->live_text);
  }
  if (d->packets)
    printf("packets: captured %zu, live %zu\n", d->ncaptured, d->nlive);
  if (d->match) {
    printf("match: the live answers equal the captured ones (%zu bytes) "
           "[flow %" PRIu64 " %s > %s, replayed to %s]\n",
           s->len, pf->flow.id, wr_addr_str(&pf->flow.client, a),
           wr_addr_str(&pf->flow.server, b), to);
    return;
  }
  if (with_patterns && d->packets_match) {
    printf("match: the live answers equal the captured ones but for %zu "
           "packet%s the patterns let differ (%zu bytes live, %zu captured) "
           "[flow %" PRIu64 " %s > %s, replayed to %s]\n",
           d->ignored, d->ignored == 1 ? "" : "s", r->live_len, s->len,
           pf->flow.id, wr_addr_str(&pf->flow.client, a),
           wr_addr_str(&pf->flow.server, b), to);
    return;
  }
  printf("differ: the live answers (%zu bytes) differ from the captured ones "
         "(%zu bytes) at byte %zu\n",
         r->live_len, s->len, d->first_diff);
  printf("  captured: ");
  print_excerpt(stdout, s->data, s->len, d->first_diff);
  printf("\n  live:     ");
  print_excerpt(stdout, r->live, r->live_len, d->first_diff);
  printf("\n");
}

static void report_json(const wr_pcap_flow *pf, const replay_plan *p,
                        const replay_result *r, const replay_diff *d,
                        const char *to, int with_patterns) {
  char tn[32];
  wr_json_writer w;
  wr_jw_init(&w);
  wr_jw_object_begin(&w);
  wr_jw_key(&w, "flow");
  wr_jw_uint(&w, pf->flow.id);
  wr_jw_key(&w, "to");
  wr_jw_str(&w, to);
  wr_jw_key(&w, "timing");
  wr_jw_str(&w, timing_name(p, tn, sizeof tn));
  wr_jw_key(&w, "sent");
  wr_jw_uint(&w, r->sent);
  wr_jw_key(&w, "client_bytes");
  wr_jw_uint(&w, pf->dir[WR_C2S].len);
  wr_jw_key(&w, "writes");
  wr_jw_uint(&w, r->nsent_at);
  wr_jw_key(&w, "received");
  wr_jw_uint(&w, r->live_len);
  wr_jw_key(&w, "captured");
  wr_jw_uint(&w, pf->dir[WR_S2C].len);
  wr_jw_key(&w, "end");
  wr_jw_str(&w, r->reset           ? "reset"
                : r->server_closed ? "closed"
                : r->timed_out     ? "timeout"
                                   : "quiet");
  wr_jw_key(&w, "elapsed_ns");
  wr_jw_uint(&w, r->elapsed);
  wr_jw_key(&w, "match");
  wr_jw_bool(&w, d->match || (with_patterns && d->packets_match));
  wr_jw_key(&w, "first_difference");
  if (d->match)
    wr_jw_null(&w);
  else
    wr_jw_uint(&w, d->first_diff);
  wr_jw_key(&w, "byte_match");
  wr_jw_bool(&w, d->match);
  wr_jw_key(&w, "live");
  wr_jw_bytes(&w, r->live, r->live_len);
  if (p->timing != REPLAY_FAST) {
    double med, max;
    size_t n;
    wr_replay_timing_error(p, r, &med, &max, &n);
    wr_jw_key(&w, "timing_error_us");
    wr_jw_object_begin(&w);
    wr_jw_key(&w, "median");
    wr_jw_uint(&w, (uint64_t)med);
    wr_jw_key(&w, "max");
    wr_jw_uint(&w, (uint64_t)max);
    wr_jw_key(&w, "gaps");
    wr_jw_uint(&w, n);
    wr_jw_object_end(&w);
  }
  if (d->packets) {
    wr_jw_key(&w, "packets");
    wr_jw_object_begin(&w);
    wr_jw_key(&w, "captured");
    wr_jw_uint(&w, d->ncaptured);
    wr_jw_key(&w, "live");
    wr_jw_uint(&w, d->nlive);
    wr_jw_key(&w, "matched_by_pattern");
    wr_jw_uint(&w, d->ignored);
    wr_jw_key(&w, "first_differing");
    if (d->packet_diff) {
      wr_jw_uint(&w, d->packet_diff);
      wr_jw_key(&w, "captured_packet");
      wr_jw_bytes(&w, d->captured_text, strlen(d->captured_text));
      wr_jw_key(&w, "live_packet");
      wr_jw_bytes(&w, d->live_text, strlen(d->live_text));
    } else {
      wr_jw_null(&w);
    }
    wr_jw_object_end(&w);
  }
  wr_jw_object_end(&w);
  wr_jw_raw(&w, "\n", 1);
  if (!w.failed)
    fwrite(w.buf, 1, w.len, stdout);
  wr_jw_free(&w);
}

/* ---- patterns ----------------------------------------------------------- */

/* The --ignore-header and --ignore-packet lists, split in place into the
 * storage below. */
typedef struct patterns {
  wr_replay_patterns pat;
  char names_buf[1024];
  const char *names[WR_REPLAY_MAX_PATTERNS];
  size_t numbers[WR_REPLAY_MAX_PATTERNS];
} patterns;

/* An HTTP token (RFC 9110: the characters a field name may hold). */
static int is_token(const char *t) {
  if (!*t)
    return 0;
  for (; *t; t++)
    if (!(isalnum((unsigned char)*t) || strchr("!#$%&'*+-.^_`|~", *t)))
      return 0;
  return 1;
}

static int parse_patterns(const opts *o, const wr_framing *framing,
                          patterns *ps) {
  memset(ps, 0, sizeof *ps);
  if ((o->ignore_header || o->ignore_packet) && !o->packet)
    return usage_error("--ignore-header and --ignore-packet need --packet "
                       "TYPE (the answers are compared packet by packet)");
  if (o->ignore_header) {
    if (!wr_packet_type_is_http(framing->type))
      return usage_error("--ignore-header needs an http packet type (http, "
                         "httph, http_bin, httph_bin), not --packet %s",
                         o->packet);
    if (strlen(o->ignore_header) >= sizeof ps->names_buf)
      return usage_error("--ignore-header: the list is over %zu characters",
                         sizeof ps->names_buf - 1);
    strcpy(ps->names_buf, o->ignore_header);
    char *save = NULL;
    size_t k = 0;
    for (char *t = strtok_r(ps->names_buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save), k++) {
      if (k == WR_REPLAY_MAX_PATTERNS)
        return usage_error("--ignore-header: more than %d names",
                           WR_REPLAY_MAX_PATTERNS);
      if (!is_token(t))
        return usage_error("--ignore-header: '%s' is not a header name "
                           "(letters, digits and !#$%%&'*+-.^_`|~)",
                           t);
      ps->names[k] = t;
    }
    if (k == 0 || o->ignore_header[strlen(o->ignore_header) - 1] == ',' ||
        o->ignore_header[0] == ',' || strstr(o->ignore_header, ",,"))
      return usage_error("--ignore-header: expected header names separated "
                         "by single commas (Date,Server), found '%s'",
                         o->ignore_header);
    ps->pat.headers = ps->names;
    ps->pat.nheaders = k;
  }
  if (o->ignore_packet) {
    const char *t = o->ignore_packet;
    size_t k = 0;
    for (;;) {
      char *end;
      errno = 0;
      unsigned long long v = strtoull(t, &end, 10);
      if (!isdigit((unsigned char)*t) || errno || v == 0 || v > SIZE_MAX ||
          (*end && *end != ','))
        return usage_error("--ignore-packet: expected packet numbers from 1 "
                           "separated by commas (3,7), found '%s'",
                           o->ignore_packet);
      if (k == WR_REPLAY_MAX_PATTERNS)
        return usage_error("--ignore-packet: more than %d numbers",
                           WR_REPLAY_MAX_PATTERNS);
      ps->numbers[k++] = (size_t)v;
      if (!*end)
        break;
      t = end + 1;
    }
    ps->pat.packets = ps->numbers;
    ps->pat.npackets = k;
  }
  return 0;
}

/* ---- the command ------------------------------------------------------------
 */

static int build_plan(const opts *o, const wr_pcap_flow *pf, replay_plan *p,
                      replay_unit **units) {
  if (wr_replay_plan_from_flow(pf, o->cut != NULL, p, units) != 0) {
    fprintf(stderr, WR_REPLAY_PROG ": out of memory\n");
    return 2;
  }
  return 0;
}

int wr_cmd_replay(int argc, char **argv) {
  opts o = {0};
  int status = 2;
  if (parse_args(argc, argv, &o, &status))
    return status;
  replay_plan p = {0};
  wr_framing framing;
  wr_policy cut;
  char err[300];
  p.timeout = 10 * WR_NS_PER_SEC;
  p.quiet = 200 * WR_NS_PER_MS;
  p.seed = 1;
  if (parse_to(&o, &p.to) || parse_timing(&o, &p))
    return 2;
  p.allow_remote = o.allow_remote;
  if (o.timeout && parse_duration("--timeout", o.timeout, &p.timeout))
    return 2;
  if (o.quiet && parse_duration("--quiet", o.quiet, &p.quiet))
    return 2;
  if (o.seed && wr_cli_parse_uint(WR_REPLAY_PROG, "--seed", o.seed, 0,
                                  UINT64_MAX, &p.seed))
    return 2;
  if (o.seed && !o.cut)
    return usage_error("--seed is only meaningful with --cut");
  if (o.cut) {
    if (wr_policy_parse(o.cut, &cut, err, sizeof err) != 0)
      return usage_error("--cut: %s", err);
    p.cut = &cut;
  }
  if ((o.packet_size || o.line_length || o.line_delimiter) && !o.packet)
    return usage_error("--packet-size, --line-length and --line-delimiter "
                       "need --packet TYPE");
  if (o.packet && parse_framing(&o, &framing))
    return 2;
  patterns ps;
  if (parse_patterns(&o, &framing, &ps))
    return 2;
  int with_patterns = ps.pat.nheaders || ps.pat.npackets;

  wr_pcap_capture cap = {0};
  const wr_pcap_flow *pf = NULL;
  replay_unit *units = NULL;
  replay_result r = {0};
  replay_diff d = {0};
  char to[80];
  wr_addr_format(&p.to, to, sizeof to);
  status = choose_flow(&o, &cap, &pf);
  if (status == 0)
    status = check_gaps(&o, pf);
  if (status == 0 && p.cut &&
      wr_policy_check_stream(p.cut, pf->dir[WR_C2S].len, err, sizeof err)) {
    status = usage_error("--cut: %s", err);
  }
  if (status == 0)
    status = build_plan(&o, pf, &p, &units);
  if (status == 0 && with_patterns) /* an ignored value may be shorter live */
    p.expect_len = wr_replay_fixed_len(pf->dir[WR_S2C].data,
                                       pf->dir[WR_S2C].len, &framing, &ps.pat);
  if (status == 0) {
    char a[WR_ADDR_STRLEN], b[WR_ADDR_STRLEN], tn[32];
    if (!o.json)
      printf("replaying flow %" PRIu64 " (%s > %s) of %s to %s: %zu client "
             "bytes in %zu %s, timing %s\n",
             pf->flow.id, wr_addr_str(&pf->flow.client, a),
             wr_addr_str(&pf->flow.server, b), o.file, to, pf->dir[WR_C2S].len,
             p.nunits, o.cut ? "stream re-cut by the policy" : "pieces",
             timing_name(&p, tn, sizeof tn));
    fflush(stdout);
    char rerr[300];
    if (wr_replay_run(&p, &r, rerr, sizeof rerr) != 0) {
      fprintf(stderr, WR_REPLAY_PROG ": %s\n", rerr);
      status = 2;
    } else if (r.overflow) {
      fprintf(stderr,
              WR_REPLAY_PROG ": the server sent more than %zu MiB; "
                             "stopped reading\n",
              (size_t)WR_REPLAY_LIVE_MAX >> 20);
    }
    if (status == 0 && !o.json)
      report_run(pf, &p, &r);
  }
  if (status == 0) {
    const wr_tcp_stream *s = &pf->dir[WR_S2C];
    if (wr_replay_compare_patterns(
            s->data, s->len, r.live, r.live_len, o.packet ? &framing : NULL,
            with_patterns ? &ps.pat : NULL, o.json ? NULL : stdout, &d) != 0) {
      fprintf(stderr, WR_REPLAY_PROG ": out of memory\n");
      status = 2;
    }
  }
  if (status == 0) {
    if (o.json)
      report_json(pf, &p, &r, &d, to, with_patterns);
    else
      report_text(pf, &r, &d, to, with_patterns);
    status = d.match || (with_patterns && d.packets_match) ? 0 : 1;
    if (fflush(stdout) != 0)
      status = 2;
  }
  wr_replay_diff_free(&d);
  wr_replay_result_free(&r);
  free(units);
  wr_pcap_capture_free(&cap);
  return status;
}
