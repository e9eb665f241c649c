/* `wirerig pcap to-scenario`: a captured flow as a scenario file
 * (docs/scenarios.md). The options and the choice of flow are here; the
 * writing is the capture library's wr_pcap_to_scenario
 * (wirerig/pcaptools.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_cli.h"

int wr_pcap_cmd_to_scenario(pcap_opts *o) {
  int st = wr_pcap_parse_framing(o, 0);
  if (st)
    return st;
  if (o->dir)
    return wr_pcap_usage_error(o, "--dir does not apply: a scenario holds "
                                  "both directions");
  wr_pcap_capture cap = {0};
  if ((st = wr_pcap_collect_flows(o, &cap)))
    return st;
  st = 2;
  if (cap.count != 1) {
    fprintf(stderr,
            WR_PCAP_PROG " to-scenario: %s holds %zu flows%s; choose one "
                         "with --flow N (`wirerig pcap flows %s` lists them)\n",
            o->file, cap.count, o->port ? " on that port" : "", o->file);
    goto done;
  }
  const wr_pcap_flow *pf = &cap.flows[0];
  char err[600];
  if (wr_pcap_scenario_fits(pf, o->file, err, sizeof err) != 0) {
    fprintf(stderr, WR_PCAP_PROG " to-scenario: %s\n", err);
    goto done;
  }
  FILE *out = stdout;
  if (o->out && !(out = fopen(o->out, "w"))) {
    fprintf(stderr, WR_PCAP_PROG " to-scenario: %s: %s\n", o->out,
            strerror(errno));
    goto done;
  }
  wr_scenario_export ex = {.source = o->file,
                           .framing = o->packet ? &o->framing : NULL,
                           .packet_name = o->packet};
  int rc = wr_pcap_to_scenario(out, pf, &ex, err, sizeof err);
  int wfail = ferror(out) || (out == stdout ? fflush(out) : fclose(out));
  if (rc)
    fprintf(stderr, WR_PCAP_PROG " to-scenario: %s\n", err);
  else if (wfail)
    fprintf(stderr, WR_PCAP_PROG " to-scenario: %s: cannot write: %s\n",
            o->out ? o->out : "standard output", strerror(errno));
  else
    st = 0;
done:
  wr_pcap_capture_free(&cap);
  return st;
}
