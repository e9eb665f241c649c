/* A user's program built against an installed wirerig: decodes a frame,
 * parses a scenario (which pulls in sockets, transports and framing) and
 * opens a missing capture (which pulls in libpcap). Exits 0 only if every
 * library answers as expected, so a missing link dependency or header
 * fails the install test. It includes every public header through the
 * umbrella wirerig/wirerig.h and is compiled as C99 (-std=c99 -pedantic). */
#include <stdio.h>
#include <string.h>

#include <wirerig/wirerig.h>

static int check(int ok, const char *what) {
  if (!ok)
    fprintf(stderr, "consumer: %s\n", what);
  return ok;
}

int main(void) {
  const unsigned char wire[] = {0, 5, 'h', 'e', 'l', 'l', 'o', 0};
  wr_framing f = wr_framing_default(WR_PACKET_2);
  wr_frame fr;
  int ok = check(wr_frame_next(&f, WR_HTTP_REQUEST_LINE, wire, sizeof wire,
                               &fr) == WR_FRAME_PACKET &&
                     fr.packet.len == 5 &&
                     memcmp(fr.packet.ptr, "hello", 5) == 0 && fr.consumed == 7,
                 "unexpected decode result");

  const char text[] = "server listen packet=2\nclient connect server\n"
                      "client send \"\\x00\\x02hi\"\nserver recv -> \"hi\"\n";
  wr_scenario *s = wr_scn_parse("consumer.scn", text, sizeof text - 1, NULL);
  ok &= check(s != NULL && s->nerrors == 0, "the scenario did not parse");
  wr_scn_free(s);

  wr_pcap_reader *r = NULL;
  char err[256];
  ok &= check(wr_pcap_reader_create("/nonexistent/capture.pcap", NULL, &r, err,
                                    sizeof err) == WR_ENOENT,
              "opening a missing capture did not say enoent");

  /* The version macros agree with each other and, when CMake found the
   * package, with the version it was installed as (project(VERSION) reads
   * the header, so they can only differ if that reading broke). */
  char v[32];
  snprintf(v, sizeof v, "%d.%d.%d", WR_VERSION_MAJOR, WR_VERSION_MINOR,
           WR_VERSION_PATCH);
  ok &= check(strcmp(v, WR_VERSION_STRING) == 0,
              "WR_VERSION_STRING disagrees with MAJOR.MINOR.PATCH");
  ok &=
      check(WR_VERSION_NUMBER == WR_VERSION_MAJOR * 10000 +
                                     WR_VERSION_MINOR * 100 + WR_VERSION_PATCH,
            "WR_VERSION_NUMBER is not major*10000 + minor*100 + patch");
#ifdef WIRERIG_PACKAGE_VERSION
  ok &= check(strcmp(WIRERIG_PACKAGE_VERSION, WR_VERSION_STRING) == 0,
              "the CMake package's version is not wirerig/version.h's");
#endif

  if (ok)
    puts("consumer: framing, scenario and pcap work through the installed "
         "wirerig");
  return ok ? 0 : 1;
}
