/* A simulated run exported as pcap: read back with libpcap (headers,
 * checksums, sequence and acknowledgement numbers, flags, timestamps, and
 * the reassembled bytes of each direction) and with tshark and tcpdump,
 * whose "follow tcp raw" must give exactly the bytes sent. tshark and
 * tcpdump are required: a machine without them fails this test (the
 * install script provides them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "base/hex.h"
#include "wirerig/pcap.h"

#include "testutil.h"
#include "wirerig/loopback.h"
#include "wirerig/simnet.h"

#define MAXB 20000

typedef struct flow {
  uint8_t data[2][MAXB]; /* 0: client -> server, 1: server -> client */
  size_t len[2];
  uint32_t isn[2];
  int syn[2], fin[2], rst[2];
  uint16_t cport, sport;
  int packets;
  int bad_checksums;
  int out_of_order;
} flow;

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2)
    s += (uint32_t)p[i] << 8 | p[i + 1];
  if (n & 1)
    s += (uint32_t)p[n - 1] << 8;
  return s;
}
static uint16_t csum_fold(uint32_t s) {
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint16_t)s;
}

/* Reads every packet of one connection (the ports of the first SYN). */
static void read_pcap(const char *path, flow *f, int expect_ports) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline_with_tstamp_precision(
      path, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p)
    fail_msg("libpcap cannot open %s: %s", path, err);
  assert_int_equal(pcap_datalink(p), DLT_RAW);
  struct pcap_pkthdr *h;
  const u_char *d;
  uint64_t last_ns = 0;
  while (pcap_next_ex(p, &h, &d) == 1) {
    f->packets++;
    uint64_t ns =
        (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
    assert_true(ns >= last_ns); /* time order */
    last_ns = ns;
    assert_int_equal(h->caplen, h->len);
    assert_int_equal(d[0] >> 4, 4);
    size_t ihl = (size_t)(d[0] & 15) * 4;
    assert_int_equal(rd16(d + 2), h->len);
    assert_int_equal(d[9], 6);
    if (csum_fold(csum_add(0, d, ihl)) != 0xffff)
      f->bad_checksums++;
    const uint8_t *t = d + ihl;
    size_t tlen = h->len - ihl, thl = (size_t)(t[12] >> 4) * 4;
    uint32_t s = csum_add(0, d + 12, 8);
    s += 6 + (uint32_t)tlen;
    s = csum_add(s, t, tlen);
    if (csum_fold(s) != 0xffff)
      f->bad_checksums++;
    uint16_t sp = rd16(t), dp = rd16(t + 2);
    uint8_t fl = t[13];
    if (!f->cport && (fl & 0x02) && !(fl & 0x10)) {
      f->cport = sp;
      f->sport = dp;
    }
    if (!expect_ports) { /* the whole file: count resets only */
      if (fl & 0x04)
        f->rst[0]++;
      continue;
    }
    if (!((sp == f->cport && dp == f->sport) ||
          (sp == f->sport && dp == f->cport)))
      continue;
    int dir = sp == f->cport ? 0 : 1;
    uint32_t seq = rd32(t + 4);
    if (fl & 0x02) {
      f->syn[dir]++;
      f->isn[dir] = seq;
      if (dir == 1)
        assert_int_equal(rd32(t + 8), f->isn[0] + 1); /* SYN-ACK acks SYN */
      continue;
    }
    if (fl & 0x04)
      f->rst[dir]++;
    size_t plen = tlen - thl;
    if (plen) {
      uint32_t off = seq - f->isn[dir] - 1;
      if (off != f->len[dir])
        f->out_of_order++;
      assert_true(f->len[dir] + plen <= MAXB);
      memcpy(f->data[dir] + f->len[dir], t + thl, plen);
      f->len[dir] += plen;
    }
    if (fl & 0x01) {
      f->fin[dir]++;
      assert_int_equal(seq, f->isn[dir] + 1 + (uint32_t)f->len[dir]);
    }
    if ((fl & 0x10) && f->syn[1 - dir]) {
      /* Never acknowledges bytes the other side has not sent yet. */
      uint32_t acked = rd32(t + 8) - f->isn[1 - dir] - 1;
      assert_true(acked <= f->len[1 - dir] + (uint32_t)f->fin[1 - dir]);
    }
  }
  pcap_close(p);
}

static void fill(uint8_t *b, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
}

/* A conversation: the client sends 5000 bytes cut into 7-byte segments,
 * the server answers 3000 in random segments, both close. */
static void run_conversation(const char *path, uint8_t *c2s, size_t nc,
                             uint8_t *s2c, size_t ns) {
  wr_simnet_config cfg;
  wr_simnet_config_init(&cfg);
  cfg.seed = 99;
  wr_policy_parse("fixed:7 latency:1ms jitter:0-300us", &cfg.c2s, NULL, 0);
  wr_policy_parse("random:1-900 latency:2ms", &cfg.s2c, NULL, 0);
  wr_net *n;
  char err[256];
  assert_int_equal(wr_simnet_create(&cfg, &n, err, sizeof err), 0);
  if (wr_pcap_export_open(n, path, err, sizeof err) < 0)
    fail_msg("%s", err);
  int l = wr_net_listen(n, NULL, 1);
  wr_addr a;
  wr_net_local_addr(n, l, &a);
  int c = wr_net_connect(n, &a);
  wr_simnet_run(n, WR_TIME_NEVER);
  int s = wr_net_accept(n, l, NULL);
  assert_true(s >= 0);
  assert_int_equal(wr_net_send(n, c, c2s, nc), (long)nc);
  assert_int_equal(wr_net_send(n, s, s2c, ns), (long)ns);
  wr_simnet_run(n, WR_TIME_NEVER);
  uint8_t buf[MAXB];
  assert_int_equal(wr_net_recv(n, s, buf, sizeof buf), (long)nc);
  assert_int_equal(wr_net_recv(n, c, buf, sizeof buf), (long)ns);
  wr_net_close(n, c);
  wr_simnet_run(n, WR_TIME_NEVER);
  wr_net_close(n, s);
  wr_simnet_run(n, WR_TIME_NEVER);
  /* A refused connection and an aborted one, for the control packets. */
  wr_addr closed = wr_addr_loopback4(9);
  int r = wr_net_connect(n, &closed);
  int c2 = wr_net_connect(n, &a);
  wr_simnet_run(n, WR_TIME_NEVER);
  int s2 = wr_net_accept(n, l, NULL);
  wr_net_abort(n, c2);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(wr_net_recv(n, s2, buf, 1), WR_ECONNRESET);
  wr_net_close(n, r);
  wr_net_close(n, s2);
  assert_int_equal(wr_pcap_export_close(n), 0);
  assert_int_equal(wr_pcap_export_close(n), WR_ENOENT);
  wr_net_destroy(n);
}

static void tmp_path(char *path, size_t len) {
  const char *dir = getenv("TMPDIR");
  snprintf(path, len, "%s/wirerig-net-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
}

static void test_pcap_libpcap(void **state) {
  (void)state;
  static uint8_t c2s[5000], s2c[3000];
  fill(c2s, sizeof c2s, 1);
  fill(s2c, sizeof s2c, 2);
  char path[256];
  tmp_path(path, sizeof path);
  run_conversation(path, c2s, sizeof c2s, s2c, sizeof s2c);
  flow f;
  memset(&f, 0, sizeof f);
  read_pcap(path, &f, 1);
  assert_int_equal(f.bad_checksums, 0);
  assert_int_equal(f.out_of_order, 0);
  assert_int_equal(f.syn[0], 1);
  assert_int_equal(f.syn[1], 1);
  assert_int_equal(f.fin[0], 1);
  assert_int_equal(f.fin[1], 1);
  assert_int_equal(f.len[0], sizeof c2s);
  assert_int_equal(f.len[1], sizeof s2c);
  assert_memory_equal(f.data[0], c2s, sizeof c2s);
  assert_memory_equal(f.data[1], s2c, sizeof s2c);
  /* 5000 bytes in 7-byte segments alone are 715 packets. */
  assert_true(f.packets > 715);
  /* The whole file: the RSTs of the refused and the aborted connections. */
  flow all;
  memset(&all, 0, sizeof all);
  read_pcap(path, &all, 0);
  assert_true(all.rst[0] >= 2);
  unlink(path);
}

/* Runs a command, returns its output; fails the test if it cannot run or
 * exits non-zero. */
static void run_tool(const char *cmd, tu_str *out) {
  FILE *p = popen(cmd, "r");
  if (!p)
    fail_msg("cannot run: %s", cmd);
  char line[4096];
  while (fgets(line, sizeof line, p))
    tu_str_printf(out, "%s", line);
  int rc = pclose(p);
  if (rc != 0)
    fail_msg("'%s' failed (status %d); is it installed? "
             "scripts/install-deps.sh installs tshark and tcpdump",
             cmd, rc);
}

static void test_pcap_tshark_follow(void **state) {
  (void)state;
  static uint8_t c2s[5000], s2c[3000];
  fill(c2s, sizeof c2s, 3);
  fill(s2c, sizeof s2c, 4);
  char path[256], cmd[512];
  tmp_path(path, sizeof path);
  run_conversation(path, c2s, sizeof c2s, s2c, sizeof s2c);

  /* follow,tcp,raw prints each direction's bytes as hex, the second node's
   * lines indented by a tab. */
  tu_str out = {0};
  snprintf(cmd, sizeof cmd, "tshark -r '%s' -q -z follow,tcp,raw,0 2>/dev/null",
           path);
  run_tool(cmd, &out);
  static uint8_t got[2][MAXB];
  size_t glen[2] = {0, 0};
  int in_body = 0;
  for (char *line = out.s; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = 0;
    if (!strncmp(line, "Node 1:", 7))
      in_body = 1;
    else if (in_body && line[0] == '=')
      in_body = 0;
    else if (in_body && *line) {
      int dir = line[0] == '\t' ? 1 : 0;
      const char *h = line + dir;
      for (; wr_hexval(h[0]) >= 0 && wr_hexval(h[1]) >= 0; h += 2) {
        assert_true(glen[dir] < MAXB);
        got[dir][glen[dir]++] =
            (uint8_t)(wr_hexval(h[0]) << 4 | wr_hexval(h[1]));
      }
    }
    line = nl ? nl + 1 : NULL;
  }
  if (glen[0] != sizeof c2s || glen[1] != sizeof s2c)
    fail_msg("tshark followed %zu and %zu bytes, expected %zu and %zu", glen[0],
             glen[1], sizeof c2s, sizeof s2c);
  assert_memory_equal(got[0], c2s, sizeof c2s);
  assert_memory_equal(got[1], s2c, sizeof s2c);
  tu_str_free(&out);

  /* tshark's TCP analysis finds nothing wrong with sequence numbers. */
  tu_str ana = {0};
  snprintf(cmd, sizeof cmd,
           "tshark -r '%s' -Y 'tcp.analysis.lost_segment || "
           "tcp.analysis.ack_lost_segment || tcp.analysis.retransmission || "
           "tcp.analysis.out_of_order || tcp.analysis.duplicate_ack' "
           "2>/dev/null | wc -l",
           path);
  run_tool(cmd, &ana);
  assert_int_equal(atoi(tu_str_c(&ana)), 0);
  tu_str_free(&ana);

  /* tcpdump reads it and sees the handshake and the closes. */
  tu_str td = {0};
  snprintf(cmd, sizeof cmd, "tcpdump -nn -r '%s' 2>/dev/null", path);
  run_tool(cmd, &td);
  assert_non_null(strstr(tu_str_c(&td), "Flags [S]"));
  assert_non_null(strstr(tu_str_c(&td), "Flags [S.]"));
  assert_non_null(strstr(tu_str_c(&td), "Flags [F.]"));
  assert_non_null(strstr(tu_str_c(&td), "Flags [R.]"));
  tu_str_free(&td);
  unlink(path);
}

static void test_pcap_bad_path(void **state) {
  (void)state;
  wr_net *n;
  assert_int_equal(wr_simnet_create(NULL, &n, NULL, 0), 0);
  char err[256] = "";
  assert_int_equal(
      wr_pcap_export_open(n, "/nonexistent-dir/x.pcap", err, sizeof err),
      WR_EIO);
  assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
  assert_int_equal(wr_pcap_export_close(n), WR_ENOENT);
  wr_net_destroy(n);
}

/* On a transport without simnet's packet hook the export answers
 * WR_ENOTSUP before it creates (or truncates) the file. */
static void test_pcap_export_needs_packet_hook(void **state) {
  (void)state;
  wr_net *n;
  assert_int_equal(wr_loopback_create(NULL, &n, NULL, 0), 0);
  char path[] = "/tmp/wirerig-pcap-nohook-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "keep", 4), 4);
  close(fd);
  char err[256] = "";
  assert_int_equal(wr_pcap_export_open(n, path, err, sizeof err), WR_ENOTSUP);
  assert_non_null(strstr(err, "not supported on loopback"));
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_size, 4); /* untouched */
  assert_int_equal(wr_pcap_export_close(n), WR_ENOENT);
  unlink(path);
  wr_net_destroy(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pcap_libpcap),
      cmocka_unit_test(test_pcap_export_needs_packet_hook),
      cmocka_unit_test(test_pcap_tshark_follow),
      cmocka_unit_test(test_pcap_bad_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
