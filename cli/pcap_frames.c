/* `wirerig pcap decode` and `wirerig pcap to-corpus`: each direction of
 * the chosen flows cut into gen_tcp packets. The framing and flow options
 * are parsed here and the results printed; the cutting is the capture
 * library's wr_pcap_cut_flow, the corpus its wr_pcap_to_corpus
 * (wirerig/pcaptools.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "decode.h"
#include "pcap_cli.h"

typedef wr_pcap_event event;

/* ---- options ------------------------------------------------------------- */

static int parse_packet(pcap_opts *o) {
  wr_packet_type type;
  if (wr_packet_type_parse(o->packet, &type) != 0) {
    char q[64];
    return wr_pcap_usage_error(
        o, "--packet: unknown packet type '%s'; expected one of %s",
        wr_cli_quote(o->packet, strlen(o->packet), q, sizeof q),
        wr_packet_type_names());
  }
  o->framing = wr_framing_default(type);
  uint64_t v;
  char prog[48];
  snprintf(prog, sizeof prog, WR_PCAP_PROG " %s", o->sub);
  if (o->packet_size) {
    if (wr_cli_parse_uint(prog, "--packet-size", o->packet_size, 0, UINT32_MAX,
                          &v))
      return 2;
    o->framing.packet_size = (uint32_t)v;
  }
  if (o->line_length) {
    if (wr_cli_parse_uint(prog, "--line-length", o->line_length, 0, UINT32_MAX,
                          &v))
      return 2;
    o->framing.trunc_len = (uint32_t)v;
  }
  if (o->line_delimiter) {
    if (type != WR_PACKET_LINE)
      return wr_pcap_usage_error(
          o, "--line-delimiter is only valid with --packet line");
    if (wr_cli_parse_byte(prog, "--line-delimiter", o->line_delimiter,
                          &o->framing.delimiter))
      return 2;
  }
  return 0;
}

int wr_pcap_parse_framing(pcap_opts *o, int need_packet) {
  char prog[48];
  snprintf(prog, sizeof prog, WR_PCAP_PROG " %s", o->sub);
  if (!o->packet) {
    if (need_packet)
      return wr_pcap_usage_error(o, "--packet TYPE is required");
  } else {
    int st = parse_packet(o);
    if (st)
      return st;
  }
  if (o->flow && o->port)
    return wr_pcap_usage_error(o, "--flow and --port exclude each other");
  if (o->flow &&
      wr_cli_parse_uint(prog, "--flow", o->flow, 1, UINT64_MAX, &o->flow_id))
    return 2;
  if (o->port &&
      wr_cli_parse_uint(prog, "--port", o->port, 0, 65535, &o->port_no))
    return 2;
  o->dirs = 3;
  if (o->dir) {
    if (strcmp(o->dir, "c2s") == 0)
      o->dirs = 1;
    else if (strcmp(o->dir, "s2c") == 0)
      o->dirs = 2;
    else
      return wr_pcap_usage_error(o, "--dir: expected c2s or s2c, found '%s'",
                                 o->dir);
  }
  return 0;
}

int wr_pcap_collect_flows(pcap_opts *o, wr_pcap_capture *cap) {
  char err[600];
  wr_flow_filter filter = {0};
  if (o->flow)
    filter.flow_id = o->flow_id;
  else if (o->port) {
    filter.by_port = 1;
    filter.port = (uint16_t)o->port_no;
  }
  int rc = wr_pcap_collect(o->file, &o->popt, &o->topt, wr_flow_filter_select,
                           &filter, cap, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, WR_PCAP_PROG " %s: %s\n", o->sub, err);
    return 2;
  }
  if (cap->count == 0 && (o->flow || o->port)) {
    fprintf(stderr, WR_PCAP_PROG " %s: %s: no flow %s %s\n", o->sub, o->file,
            o->flow ? "number" : "with port", o->flow ? o->flow : o->port);
    wr_pcap_capture_free(cap);
    return 2;
  }
  return 0;
}

static int cut_flow(const pcap_opts *o, const wr_pcap_flow *pf,
                    wr_pcap_events *ev) {
  if (wr_pcap_cut_flow(pf, &o->framing, o->dirs, ev) != 0) {
    fprintf(stderr, WR_PCAP_PROG " %s: out of memory\n", o->sub);
    return 2;
  }
  return 0;
}

/* ---- decode ----------------------------------------------------------------
 */

static void print_event(FILE *out, const pcap_opts *o, const wr_pcap_flow *pf,
                        const event *e, size_t number) {
  char t[32];
  const char *dn = wr_tcp_dir_name(e->dir);
  (void)pf;
  wr_pcap_format_ts(e->ts, t);
  switch (e->kind) {
  case WR_PCAP_EV_PACKET:
    fprintf(out, "%s %s packet %zu at %" PRIu64 " (%zu bytes): ", t, dn, number,
            e->offset, e->packet.len);
    if (wr_packet_type_is_http(o->framing.type)) {
      int state = e->http_state;
      wr_http_packet hp;
      wr_http_parse(e->packet.ptr, e->packet.len, &state, &hp);
      wr_http_print(out, o->framing.type, &hp);
    } else {
      wr_bytes_print(out, e->packet.ptr, e->packet.len);
    }
    putc('\n', out);
    break;
  case WR_PCAP_EV_GAP:
    fprintf(out, "%s %s gap of %" PRIu64 " bytes at %" PRIu64 " (%s)\n", t, dn,
            e->gap_len, e->offset, wr_gap_reason_name(e->reason));
    break;
  case WR_PCAP_EV_LEFT:
    if (e->need)
      fprintf(out, "%s %s incomplete packet at %" PRIu64 ": %zu of %zu bytes\n",
              t, dn, e->offset, e->consumed, e->need);
    else
      fprintf(out,
              "%s %s incomplete packet at %" PRIu64 ": %zu bytes, length "
              "unknown\n",
              t, dn, e->offset, e->consumed);
    break;
  case WR_PCAP_EV_INVALID:
    fprintf(out,
            "%s %s framing error at %" PRIu64
            " (invalid packet; %zu bytes skipped up to the next gap or the "
            "end)\n",
            t, dn, e->offset, e->consumed);
    break;
  }
}

static void json_event(wr_json_writer *w, const pcap_opts *o,
                       const wr_pcap_flow *pf, const event *e) {
  wr_jw_object_begin(w);
  wr_jw_key(w, "flow");
  wr_jw_uint(w, pf->flow.id);
  wr_jw_key(w, "dir");
  wr_jw_str(w, wr_tcp_dir_name(e->dir));
  wr_jw_key(w, "ts_ns");
  wr_jw_int(w, e->ts);
  wr_jw_key(w, "offset");
  wr_jw_uint(w, e->offset);
  switch (e->kind) {
  case WR_PCAP_EV_PACKET: {
    wr_jw_key(w, "length");
    wr_jw_uint(w, e->consumed);
    wr_jw_key(w, "packet");
    wr_frame fr = {e->packet, e->consumed, 0};
    int state = e->http_state;
    wr_decode_json_packet(w, &o->framing, &fr, &state);
    break;
  }
  case WR_PCAP_EV_GAP:
    wr_jw_key(w, "gap");
    wr_jw_uint(w, e->gap_len);
    wr_jw_key(w, "reason");
    wr_jw_str(w, wr_gap_reason_name(e->reason));
    break;
  case WR_PCAP_EV_LEFT:
    wr_jw_key(w, "incomplete");
    wr_jw_uint(w, e->consumed);
    wr_jw_key(w, "need");
    if (e->need)
      wr_jw_uint(w, e->need);
    else
      wr_jw_null(w);
    break;
  case WR_PCAP_EV_INVALID:
    wr_jw_key(w, "error");
    wr_jw_str(w, "invalid");
    wr_jw_key(w, "skipped");
    wr_jw_uint(w, e->consumed);
    break;
  }
  wr_jw_object_end(w);
}

int wr_pcap_cmd_decode(pcap_opts *o) {
  int st = wr_pcap_parse_framing(o, 1);
  if (st)
    return st;
  wr_pcap_capture cap;
  if ((st = wr_pcap_collect_flows(o, &cap)))
    return st;
  wr_pcap_events ev = {0};
  wr_json_writer w;
  wr_jw_init(&w);
  FILE *out = stdout;
  int status = 0;
  for (size_t i = 0; i < cap.count && status != 2; i++) {
    const wr_pcap_flow *pf = &cap.flows[i];
    if (cut_flow(o, pf, &ev)) {
      status = 2;
      break;
    }
    char a[WR_ADDR_STRLEN], b[WR_ADDR_STRLEN];
    wr_addr_str(&pf->flow.client, a);
    wr_addr_str(&pf->flow.server, b);
    size_t count[2] = {0, 0};
    if (o->json) {
      wr_jw_object_begin(&w);
      wr_jw_key(&w, "flow");
      wr_jw_uint(&w, pf->flow.id);
      wr_jw_key(&w, "client");
      wr_jw_str(&w, a);
      wr_jw_key(&w, "server");
      wr_jw_str(&w, b);
      wr_jw_object_end(&w);
      if (wr_decode_write_line(&w))
        status = 2;
    } else {
      fprintf(out, "flow %" PRIu64 " %s > %s\n", pf->flow.id, a, b);
    }
    for (size_t k = 0; k < ev.n && status != 2; k++) {
      const event *e = &ev.v[k];
      if (e->kind == WR_PCAP_EV_INVALID)
        status = 1;
      if (e->kind == WR_PCAP_EV_PACKET)
        count[e->dir]++;
      if (o->json) {
        json_event(&w, o, pf, e);
        if (wr_decode_write_line(&w))
          status = 2;
      } else {
        print_event(out, o, pf, e, count[e->dir]);
      }
    }
    if (!o->json)
      for (int d = 0; d < 2; d++)
        if (o->dirs & (1 << d))
          fprintf(out, "%s: %zu packets, %zu bytes\n", wr_tcp_dir_name(d),
                  count[d], pf->dir[d].len);
  }
  if (fflush(out) != 0 || ferror(out)) {
    fprintf(stderr, WR_PCAP_PROG " decode: cannot write the output: %s\n",
            strerror(errno));
    status = 2;
  }
  wr_jw_free(&w);
  wr_pcap_events_free(&ev);
  wr_pcap_capture_free(&cap);
  return status;
}

/* ---- to-corpus ----------------------------------------------------------- */

int wr_pcap_cmd_to_corpus(pcap_opts *o) {
  if (!o->out)
    return wr_pcap_usage_error(o, "--out DIR is required");
  int layout =
      o->layout ? wr_corpus_layout_parse(o->layout) : WR_CORPUS_PACKETS;
  if (layout < 0)
    return wr_pcap_usage_error(
        o, "--layout: expected packets, check or split, found '%s'", o->layout);
  int st = wr_pcap_parse_framing(o, layout != WR_CORPUS_CHECK);
  if (st)
    return st;
  wr_pcap_capture cap;
  if ((st = wr_pcap_collect_flows(o, &cap)))
    return st;
  wr_corpus_stats cs;
  char err[600];
  int status = 0;
  if (wr_pcap_to_corpus(&cap, &o->framing, o->dirs, (wr_corpus_layout)layout,
                        o->out, &cs, err, sizeof err) != 0) {
    fprintf(stderr, WR_PCAP_PROG " to-corpus: %s\n", err);
    status = 2;
  } else {
    fprintf(stderr,
            WR_PCAP_PROG " to-corpus: %zu %s from %zu flows: %zu new "
                         "files in %s, %zu already there\n",
            cs.packets, layout == WR_CORPUS_CHECK ? "streams" : "packets",
            cap.count, cs.written, o->out, cs.dups);
  }
  wr_pcap_capture_free(&cap);
  return status;
}
