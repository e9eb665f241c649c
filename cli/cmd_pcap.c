/* `wirerig pcap`: TCP flows out of a capture file.
 *
 *   wirerig pcap flows FILE         one line per flow
 *   wirerig pcap extract FILE       one file per flow direction + manifest
 *   wirerig pcap decode FILE        each direction cut into packets
 *   wirerig pcap to-corpus FILE     packets as fuzz seeds
 *
 * This file parses the options all of them share and prints `flows`; the
 * others live in pcap_extract.c, pcap_frames.c and pcap_scenario.c. The
 * capture work is the library's (wirerig/pcaptools.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "pcap_cli.h"

static const char usage_text[] =
    "usage: wirerig pcap flows FILE [--json] [OPTIONS]\n"
    "       wirerig pcap extract FILE --out DIR [OPTIONS]\n"
    "       wirerig pcap decode FILE --packet TYPE [--flow N | --port P]\n"
    "                          [--dir c2s|s2c] [--json] [OPTIONS]\n"
    "       wirerig pcap to-corpus FILE --packet TYPE --out DIR\n"
    "                          [--flow N | --port P] [--dir c2s|s2c] "
    "[OPTIONS]\n"
    "       wirerig pcap to-scenario FILE [--flow N | --port P] [--packet "
    "TYPE]\n"
    "                          [--out FILE] [OPTIONS]\n"
    "\n"
    "Reads a pcap or pcapng capture (Ethernet with VLAN tags, Linux cooked\n"
    "SLL/SLL2, raw IP, BSD null/loop; IPv4 and IPv6; fragments put back\n"
    "together) and reassembles every TCP connection into two byte streams:\n"
    "client to server (c2s) and server to client (s2c). The client is the\n"
    "side that sent the first SYN, or without one the side with the higher\n"
    "port.\n"
    "\n"
    "  flows      one line per flow: endpoints, bytes and packets each way,\n"
    "             first and last packet time, anomalies\n"
    "  extract    DIR/flowN-c2s.bin and DIR/flowN-s2c.bin per flow (the\n"
    "             captured bytes in order; a gap is not filled) and\n"
    "             DIR/manifest.json\n"
    "  decode     each direction cut into gen_tcp packets, with the time\n"
    "             each packet was complete\n"
    "  to-corpus  each packet's bytes as a file in DIR (fuzzing seeds)\n"
    "  to-scenario  a flow as a scenario file (docs/scenarios.md) that\n"
    "             replays the client side against a target and expects the\n"
    "             captured answers (as packets with --packet)\n"
    "\n"
    "Options:\n"
    "  --filter EXPR        BPF filter, as for tcpdump (pcap-filter(7))\n"
    "  --cap BYTES          memory per stream direction (default 64M; K, M, G\n"
    "                       suffixes); what does not fit is reported\n"
    "  --no-checksum        accept segments whose TCP checksum is wrong\n"
    "  --json               JSON output (flows: one document; decode: one\n"
    "                       object per line)\n"
    "  --out DIR            where extract and to-corpus write (to-scenario:\n"
    "                       the scenario file; default standard output)\n"
    "  --packet TYPE        raw 0 1 2 4 asn1 sunrm cdr fcgi tpkt line http\n"
    "                       httph http_bin httph_bin (raw: one packet per\n"
    "                       segment as captured)\n"
    "  --packet-size N, --line-length N, --line-delimiter BYTE\n"
    "                       as for `wirerig decode`\n"
    "  --flow N             only flow N (as numbered by `flows`)\n"
    "  --port P             only flows with an endpoint on port P\n"
    "  --dir c2s|s2c        only one direction\n"
    "\n"
    "Exit status: 0 success, 1 decode found a framing error, 2 bad usage, or\n"
    "a file that cannot be read (the message names the file and record).\n";

int wr_pcap_usage_error(const pcap_opts *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, WR_PCAP_PROG "%s%s: ", o->sub ? " " : "",
          o->sub ? o->sub : "");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'wirerig pcap --help'.\n");
  va_end(ap);
  return 2;
}

/* One "--name VALUE" option: 1 taken, 0 not this option, -1 usage error. */
static int take_value(const pcap_opts *o, int argc, char **argv, int *i,
                      const char *name, const char **value, int *status) {
  const char *problem = NULL;
  int r = wr_cli_take_value(argc, argv, i, name, value, &problem);
  if (r < 0)
    *status = wr_pcap_usage_error(o, "%s %s", name, problem);
  return r;
}

static int parse_args(int argc, char **argv, pcap_opts *o, int *status) {
  int only_files = 0;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!only_files && a[0] == '-' && a[1] != '\0') {
      int r;
      if (strcmp(a, "--") == 0) {
        only_files = 1;
        continue;
      }
      if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        fputs(usage_text, stdout);
        *status = 0;
        return -1;
      }
      if (strcmp(a, "--json") == 0) {
        o->json = 1;
        continue;
      }
      if (strcmp(a, "--no-checksum") == 0) {
        o->no_checksum = 1;
        continue;
      }
      if ((r = take_value(o, argc, argv, &i, "--filter", &o->filter, status)) ||
          (r = take_value(o, argc, argv, &i, "--cap", &o->cap, status)) ||
          (r = take_value(o, argc, argv, &i, "--out", &o->out, status)) ||
          (r = take_value(o, argc, argv, &i, "--packet", &o->packet, status)) ||
          (r = take_value(o, argc, argv, &i, "--packet-size", &o->packet_size,
                          status)) ||
          (r = take_value(o, argc, argv, &i, "--line-length", &o->line_length,
                          status)) ||
          (r = take_value(o, argc, argv, &i, "--line-delimiter",
                          &o->line_delimiter, status)) ||
          (r = take_value(o, argc, argv, &i, "--flow", &o->flow, status)) ||
          (r = take_value(o, argc, argv, &i, "--port", &o->port, status)) ||
          (r = take_value(o, argc, argv, &i, "--dir", &o->dir, status))) {
        if (r < 0)
          return -1;
        continue;
      }
      *status = wr_pcap_usage_error(o, "unknown option '%s'", a);
      return -1;
    }
    if (o->file) {
      *status =
          wr_pcap_usage_error(o, "more than one capture file given ('%s')", a);
      return -1;
    }
    o->file = a;
  }
  if (!o->file) {
    *status = wr_pcap_usage_error(o, "no capture file given");
    return -1;
  }
  return 0;
}

/* "64M", "4096", "1G": bytes. 0 on success, -1 after a message. */
static int parse_size(const pcap_opts *o, const char *text, size_t *out) {
  size_t n = strlen(text);
  uint64_t mult = 1;
  char digits[32];
  if (n > 0 && n < sizeof digits) {
    char last = text[n - 1];
    if (last == 'K' || last == 'k')
      mult = 1u << 10;
    else if (last == 'M' || last == 'm')
      mult = 1u << 20;
    else if (last == 'G' || last == 'g')
      mult = 1u << 30;
  }
  if (n == 0 || n >= sizeof digits) {
    wr_pcap_usage_error(o,
                        "--cap: expected a size like 4096, 512K or 64M, "
                        "found '%s'",
                        text);
    return -1;
  }
  memcpy(digits, text, n + 1);
  if (mult != 1)
    digits[n - 1] = 0;
  uint64_t v;
  if (wr_cli_uint_value(digits, 4096 / mult ? 4096 / mult : 1,
                        (UINT64_C(1) << 40) / mult, &v)) {
    wr_pcap_usage_error(o,
                        "--cap: expected a size from 4096 bytes to 1T "
                        "like 4096, 512K or 64M, found '%s'",
                        text);
    return -1;
  }
  *out = (size_t)(v * mult);
  return 0;
}

static int parse_common(pcap_opts *o) {
  o->popt.filter = o->filter;
  o->popt.no_checksum = o->no_checksum;
  if (o->cap && parse_size(o, o->cap, &o->topt.stream_cap))
    return -1;
  return 0;
}

/* ---- flows ------------------------------------------------------------- */

typedef struct line_ctx {
  FILE *out;
  int n;
} line_ctx;

static void print_anomaly(void *ctx, const char *text) {
  line_ctx *l = ctx;
  fprintf(l->out, "%s%s", l->n++ ? "; " : " anomalies: ", text);
}

static void print_flow_line(FILE *out, const wr_flowrec *r) {
  const wr_tcp_flow *f = &r->flow;
  char a[WR_ENDPOINT_STRLEN], b[WR_ENDPOINT_STRLEN], t0[32], t1[32];
  fprintf(out,
          "flow %" PRIu64 " %s > %s c2s %" PRIu64 " bytes %" PRIu64
          " packets s2c %" PRIu64 " bytes %" PRIu64 " packets start %s end %s",
          f->id, wr_endpoint_format(&f->client, a),
          wr_endpoint_format(&f->server, b), f->dir[WR_C2S].bytes,
          f->dir[WR_C2S].packets, f->dir[WR_S2C].bytes, f->dir[WR_S2C].packets,
          wr_pcap_format_ts(f->first_ts, t0),
          wr_pcap_format_ts(f->last_ts, t1));
  line_ctx l = {out, 0};
  if (wr_flowrec_anomalies(r, print_anomaly, &l) == 0)
    fputs(" ok", out);
  putc('\n', out);
}

static int cmd_flows(pcap_opts *o) {
  wr_flow_list l;
  char err[600];
  if (wr_pcap_list_flows(o->file, &o->popt, &o->topt, &l, err, sizeof err)) {
    fprintf(stderr, WR_PCAP_PROG " flows: %s\n", err);
    return 2;
  }
  int status = 0;
  if (o->json) {
    if (wr_flow_list_write_json(stdout, &l, 0, o->file) != 0)
      status = 2;
  } else {
    for (size_t i = 0; i < l.count; i++)
      print_flow_line(stdout, &l.recs[i]);
    wr_pcap_print_notes(stdout, "capture: ", &l.pcap, &l.tcp);
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, WR_PCAP_PROG " flows: cannot write the output: %s\n",
            strerror(errno));
    status = 2;
  }
  wr_flow_list_free(&l);
  return status;
}

int wr_cmd_pcap(int argc, char **argv) {
  pcap_opts o = {0};
  if (argc < 2) {
    fputs(usage_text, stderr);
    return 2;
  }
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
      strcmp(sub, "help") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  static const char *const subs[] = {"flows", "extract", "decode", "to-corpus",
                                     "to-scenario"};
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (strcmp(sub, subs[i]) == 0)
      o.sub = subs[i];
  if (!o.sub) {
    return wr_pcap_usage_error(
        &o,
        "unknown subcommand '%s'; expected flows, extract, decode, "
        "to-corpus or to-scenario",
        sub);
  }
  int status = 2;
  if (parse_args(argc, argv, &o, &status))
    return status;
  if (parse_common(&o))
    return 2;
  if (strcmp(o.sub, "flows") == 0)
    return cmd_flows(&o);
  if (strcmp(o.sub, "extract") == 0)
    return wr_pcap_cmd_extract(&o);
  if (strcmp(o.sub, "decode") == 0)
    return wr_pcap_cmd_decode(&o);
  if (strcmp(o.sub, "to-scenario") == 0)
    return wr_pcap_cmd_to_scenario(&o);
  return wr_pcap_cmd_to_corpus(&o);
}
