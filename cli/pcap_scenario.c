/* `wirerig pcap to-scenario`: a captured flow as a scenario file
 * (docs/scenarios.md). The options and the choice of flow are here; the
 * writing is the capture library's wr_pcap_to_scenario
 * (wirerig/pcaptools.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
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
  /* --out is written under a temporary name and renamed when complete:
   * a full disk leaves no 0-byte .scn that looks like a scenario. */
  FILE *out = stdout;
  wr_atomic_file af = {0};
  if (o->out) {
    if (wr_atomic_open(&af, o->out, err, sizeof err) != 0) {
      fprintf(stderr, WR_PCAP_PROG " to-scenario: %s\n", err);
      goto done;
    }
    out = af.fp;
  }
  wr_scenario_export ex = {.source = o->file,
                           .framing = o->packet ? &o->framing : NULL,
                           .packet_name = o->packet};
  int rc = wr_pcap_to_scenario(out, pf, &ex, err, sizeof err);
  if (rc) {
    fprintf(stderr, WR_PCAP_PROG " to-scenario: %s\n", err);
    if (o->out)
      wr_atomic_abort(&af);
  } else if (o->out) {
    if (wr_atomic_commit(&af, 0, err, sizeof err) != 0)
      fprintf(stderr, WR_PCAP_PROG " to-scenario: %s\n", err);
    else
      st = 0;
  } else if (fflush(out) != 0 || ferror(out)) {
    fprintf(stderr,
            WR_PCAP_PROG " to-scenario: standard output: cannot write: %s\n",
            strerror(errno));
  } else {
    st = 0;
  }
done:
  wr_pcap_capture_free(&cap);
  return st;
}
