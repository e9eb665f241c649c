/* `wirerig pcap`: TCP flows out of a capture file.
 *
 *   wirerig pcap flows FILE         one line per flow
 *   wirerig pcap extract FILE       one file per flow direction + manifest
 *   wirerig pcap decode FILE        each direction cut into packets
 *   wirerig pcap to-corpus FILE     packets as fuzz seeds
 *   wirerig pcap to-scenario FILE   a flow as a scenario file
 *
 * This file parses the options (each subcommand has its own getopt table,
 * made from one list that also writes its --help) and prints `flows`; the
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
    "       wirerig pcap to-corpus FILE [--packet TYPE] --out DIR [--layout "
    "L]\n"
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
    "Subcommands:\n"
    "  flows        one line per flow: endpoints, bytes and packets each "
    "way,\n"
    "               first and last packet time, anomalies\n"
    "  extract      DIR/flowN-c2s.bin and DIR/flowN-s2c.bin per flow (the\n"
    "               captured bytes in order; a gap is not filled) and\n"
    "               DIR/manifest.json\n"
    "  decode       each direction cut into gen_tcp packets, with the time\n"
    "               each packet was complete\n"
    "  to-corpus    each packet's bytes as a file in DIR (fuzzing seeds)\n"
    "  to-scenario  a flow as a scenario file (docs/scenarios.md) that\n"
    "               replays the client side against a target and expects "
    "the\n"
    "               captured answers (as packets with --packet)\n"
    "\n"
    "`wirerig pcap SUBCOMMAND --help` (or `wirerig help pcap SUBCOMMAND`)\n"
    "lists the options of each.\n"
    "\n"
    "Exit status: 0 success, 1 decode found a framing error, 2 bad usage, or\n"
    "a file that cannot be read (the message names the file and record).\n";

/* The subcommands, as bits so that each option can say where it applies. */
enum {
  SUB_FLOWS = 1 << 0,
  SUB_EXTRACT = 1 << 1,
  SUB_DECODE = 1 << 2,
  SUB_CORPUS = 1 << 3,
  SUB_SCENARIO = 1 << 4,
  SUB_ALL = (1 << 5) - 1,
  SUB_PACKETS = SUB_DECODE | SUB_CORPUS | SUB_SCENARIO
};

typedef struct pcap_sub {
  const char *name;
  unsigned bit;
  const char *synopsis; /* after "usage: wirerig pcap NAME " */
  const char *about;
} pcap_sub;

static const pcap_sub subs[] = {
    {"flows", SUB_FLOWS, "FILE [--json] [OPTIONS]",
     "One line per TCP flow of the capture: endpoints, bytes and packets\n"
     "each way, first and last packet time, anomalies (gaps, overlaps,\n"
     "segments cut by the snaplen...).\n"},
    {"extract", SUB_EXTRACT, "FILE --out DIR [OPTIONS]",
     "Writes DIR/flowN-c2s.bin and DIR/flowN-s2c.bin for every flow: the\n"
     "captured bytes in order, a gap not filled. DIR/manifest.json lists\n"
     "the flows, their files and gaps.\n"},
    {"decode", SUB_DECODE,
     "FILE --packet TYPE [--flow N | --port P]\n"
     "                           [--dir c2s|s2c] [--json] [OPTIONS]",
     "Cuts each direction of each flow into gen_tcp packets and prints them\n"
     "in time order, with the time each packet was complete.\n"},
    {"to-corpus", SUB_CORPUS,
     "FILE --packet TYPE --out DIR\n"
     "                           [--flow N | --port P] [--dir c2s|s2c] "
     "[OPTIONS]",
     "Writes each packet's bytes (header included), or with --layout check\n"
     "each stream, as a file in DIR named by the SHA-1 of its content (as\n"
     "libFuzzer names its inputs): seeds for fuzz targets.\n"},
    {"to-scenario", SUB_SCENARIO,
     "FILE [--flow N | --port P] [--packet TYPE]\n"
     "                           [--out FILE] [OPTIONS]",
     "Writes a flow as a scenario file (docs/scenarios.md): a target, the\n"
     "client's pieces as sends, the server's answers as expectations (as\n"
     "packets with --packet). Every file it writes passes `wirerig check`.\n"},
};

#define SUB_COUNT (sizeof subs / sizeof subs[0])

enum {
  OPT_FILTER = 256,
  OPT_CAP,
  OPT_NO_CHECKSUM,
  OPT_JSON,
  OPT_OUT,
  OPT_PACKET,
  OPT_PACKET_SIZE,
  OPT_LINE_LENGTH,
  OPT_LINE_DELIMITER,
  OPT_FLOW,
  OPT_PORT,
  OPT_DIR,
  OPT_LAYOUT
};

/* Every option of every subcommand, with where it applies and its help;
 * each subcommand's getopt table and --help are made from this list, so
 * they cannot disagree. */
typedef struct pcap_option {
  struct option opt;
  unsigned subs;
  const char *usage; /* "--filter EXPR" */
  const char *help;  /* lines after the first are indented to match */
} pcap_option;

static const pcap_option options[] = {
    /* An option whose meaning differs has one entry per meaning. */
    {{"out", required_argument, NULL, OPT_OUT},
     SUB_EXTRACT | SUB_CORPUS,
     "--out DIR",
     "the directory to write (made if missing)"},
    {{"out", required_argument, NULL, OPT_OUT},
     SUB_SCENARIO,
     "--out FILE",
     "the scenario file (default standard output)"},
    {{"packet", required_argument, NULL, OPT_PACKET},
     SUB_PACKETS,
     "--packet TYPE",
     "raw 0 1 2 4 asn1 sunrm cdr fcgi tpkt line http\n"
     "httph http_bin httph_bin (raw: one packet per\n"
     "segment as captured)"},
    {{"packet-size", required_argument, NULL, OPT_PACKET_SIZE},
     SUB_PACKETS,
     "--packet-size N",
     "largest accepted body, as for `wirerig decode`"},
    {{"line-length", required_argument, NULL, OPT_LINE_LENGTH},
     SUB_PACKETS,
     "--line-length N",
     "as for `wirerig decode`"},
    {{"line-delimiter", required_argument, NULL, OPT_LINE_DELIMITER},
     SUB_PACKETS,
     "--line-delimiter BYTE",
     "line only, as for `wirerig decode`"},
    {{"flow", required_argument, NULL, OPT_FLOW},
     SUB_PACKETS,
     "--flow N",
     "only flow N (as numbered by `flows`)"},
    {{"port", required_argument, NULL, OPT_PORT},
     SUB_PACKETS,
     "--port P",
     "only flows with an endpoint on port P"},
    {{"layout", required_argument, NULL, OPT_LAYOUT},
     SUB_CORPUS,
     "--layout L",
     "packets: each packet as on the wire (default);\n"
     "check: each direction's stream with its captured\n"
     "segments as the schedule, for WR_CHECK_FUZZ_TARGET\n"
     "fuzzers (docs/check.md; --packet not needed);\n"
     "split: each packet for wirerig's split_<type> targets"},
    {{"dir", required_argument, NULL, OPT_DIR},
     SUB_DECODE | SUB_CORPUS,
     "--dir c2s|s2c",
     "only one direction"},
    /* to-scenario takes --dir only to explain why it does not apply. */
    {{"dir", required_argument, NULL, OPT_DIR}, SUB_SCENARIO, NULL, NULL},
    {{"json", no_argument, NULL, OPT_JSON},
     SUB_FLOWS,
     "--json",
     "one JSON document: the flows and the capture's\n"
     "counters"},
    {{"json", no_argument, NULL, OPT_JSON},
     SUB_DECODE,
     "--json",
     "one JSON object per line"},
    {{"filter", required_argument, NULL, OPT_FILTER},
     SUB_ALL,
     "--filter EXPR",
     "BPF filter, as for tcpdump (pcap-filter(7))"},
    {{"cap", required_argument, NULL, OPT_CAP},
     SUB_ALL,
     "--cap BYTES",
     "memory per stream direction (default 64M; K, M,\n"
     "G suffixes); what does not fit is reported"},
    {{"no-checksum", no_argument, NULL, OPT_NO_CHECKSUM},
     SUB_ALL,
     "--no-checksum",
     "accept segments whose TCP checksum is wrong"},
};

#define OPTION_COUNT (sizeof options / sizeof options[0])

/* `wirerig pcap SUB --help`. */
static void sub_usage(FILE *out, const pcap_sub *sub) {
  fprintf(out, "usage: " WR_PCAP_PROG " %s %s\n\n%s\nOptions:\n", sub->name,
          sub->synopsis, sub->about);
  for (size_t i = 0; i < OPTION_COUNT; i++) {
    const pcap_option *o = &options[i];
    if (!(o->subs & sub->bit) || !o->usage)
      continue;
    fprintf(out, "  %-22s ", o->usage);
    for (const char *h = o->help; *h; h++) {
      putc(*h, out);
      if (*h == '\n')
        fprintf(out, "%25s", "");
    }
    putc('\n', out);
  }
  fprintf(out, "  %-22s %s\n", "-h, --help", "this text");
  fprintf(out,
          "\nOptions take their value as --opt VALUE or --opt=VALUE, "
          "once each.\n\n"
          "Exit status: 0 success, %s2 bad usage, or a file\n"
          "that cannot be read.\n",
          sub->bit == SUB_DECODE ? "1 a framing error, " : "");
}

int wr_pcap_usage_error(const pcap_opts *o, const char *fmt, ...) {
  char prog[64], msg[600];
  snprintf(prog, sizeof prog, WR_PCAP_PROG "%s%s", o->sub ? " " : "",
           o->sub ? o->sub : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return wr_cli_usage_error(prog, prog, "%s", msg);
}

/* argv[0] is the subcommand. */
static int parse_args(int argc, char **argv, const pcap_sub *sub, pcap_opts *o,
                      int *status) {
  /* This subcommand's table: its options and --help. */
  struct option table[OPTION_COUNT + 2];
  size_t n = 0;
  for (size_t i = 0; i < OPTION_COUNT; i++)
    if (options[i].subs & sub->bit)
      table[n++] = options[i].opt;
  table[n++] = (struct option){"help", no_argument, NULL, 'h'};
  table[n] = (struct option){NULL, 0, NULL, 0};
  char prog[64];
  snprintf(prog, sizeof prog, WR_PCAP_PROG " %s", sub->name);
  wr_cli_opts p;
  wr_cli_opts_init(&p, prog, prog, argc, argv, "h", table);
  const char *v;
  int c;
  *status = 2;
  while ((c = wr_cli_next(&p, &v)) != WR_CLI_DONE) {
    switch (c) {
    case WR_CLI_ERROR:
      return -1;
    case 'h':
      sub_usage(stdout, sub);
      *status = 0;
      return -1;
    case WR_CLI_ARG:
      if (o->file) {
        *status = wr_pcap_usage_error(
            o, "more than one capture file given ('%s')", v);
        return -1;
      }
      o->file = v;
      break;
    case OPT_JSON:
      o->json = 1;
      break;
    case OPT_NO_CHECKSUM:
      o->no_checksum = 1;
      break;
    case OPT_FILTER:
      o->filter = v;
      break;
    case OPT_CAP:
      o->cap = v;
      break;
    case OPT_OUT:
      o->out = v;
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
    case OPT_FLOW:
      o->flow = v;
      break;
    case OPT_PORT:
      o->port = v;
      break;
    case OPT_DIR:
      o->dir = v;
      break;
    case OPT_LAYOUT:
      o->layout = v;
      break;
    }
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
  char a[WR_ADDR_STRLEN], b[WR_ADDR_STRLEN], t0[32], t1[32];
  fprintf(out,
          "flow %" PRIu64 " %s > %s c2s %" PRIu64 " bytes %" PRIu64
          " packets s2c %" PRIu64 " bytes %" PRIu64 " packets start %s end %s",
          f->id, wr_addr_str(&f->client, a), wr_addr_str(&f->server, b),
          f->dir[WR_C2S].bytes, f->dir[WR_C2S].packets, f->dir[WR_S2C].bytes,
          f->dir[WR_S2C].packets, wr_pcap_format_ts(f->first_ts, t0),
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

static const pcap_sub *find_sub(const char *name) {
  for (size_t i = 0; i < SUB_COUNT; i++)
    if (strcmp(name, subs[i].name) == 0)
      return &subs[i];
  return NULL;
}

static int unknown_sub(const char *name) {
  return wr_cli_usage_error(WR_PCAP_PROG, WR_PCAP_PROG,
                            "unknown subcommand '%s'; expected flows, "
                            "extract, decode, to-corpus or to-scenario",
                            name);
}

int wr_cmd_pcap(int argc, char **argv) {
  pcap_opts o = {0};
  if (argc < 2) {
    fputs(usage_text, stderr);
    return 2;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
      strcmp(name, "help") == 0) {
    /* `wirerig pcap help SUB` is `wirerig pcap SUB --help`. */
    if (argc > 2 && strcmp(name, "help") == 0) {
      const pcap_sub *sub = find_sub(argv[2]);
      if (!sub)
        return unknown_sub(argv[2]);
      sub_usage(stdout, sub);
      return 0;
    }
    fputs(usage_text, stdout);
    return 0;
  }
  const pcap_sub *sub = find_sub(name);
  if (!sub)
    return unknown_sub(name);
  o.sub = sub->name;
  int status = 2;
  if (parse_args(argc - 1, argv + 1, sub, &o, &status))
    return status;
  if (parse_common(&o))
    return 2;
  switch (sub->bit) {
  case SUB_FLOWS:
    return cmd_flows(&o);
  case SUB_EXTRACT:
    return wr_pcap_cmd_extract(&o);
  case SUB_DECODE:
    return wr_pcap_cmd_decode(&o);
  case SUB_SCENARIO:
    return wr_pcap_cmd_to_scenario(&o);
  default:
    return wr_pcap_cmd_to_corpus(&o);
  }
}
