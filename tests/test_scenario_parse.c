/* The scenario parser on valid input: every row is a snippet and the
 * whole parsed form it must give, written out by scn_dump (endpoints with
 * where they were declared, then one line per step: position, kind,
 * endpoints, options, evaluated bytes, times in ns, the expectation with
 * its position). Then file(), the HTTP renderer against the parser's
 * normalised terms, and loading files. */
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

#include "scenario/scn_dump.h"
#include "testutil.h"
#include "wirerig/scenario.h"

typedef struct good_row {
  const char *name;
  const char *text;
  const char *dump;
} good_row;

static const good_row rows[] = {
    {"spec example",
     "# A {packet,2} header split\n"
     "server listen packet=2 active=false\n"
     "client connect server\n"
     "net client->server cuts:1          # one byte at a time\n"
     "client send \"\\x00\\x05hello\"\n"
     "server recv -> \"hello\"\n"
     "client close\n"
     "server recv -> error closed\n",
     "ep server listener 2:1 named_conn\n"
     "ep client socket 3:1\n"
     "2:1 listen server opts=[packet=2 active=false]\n"
     "3:1 connect client peer=server acc=server\n"
     "4:1 net client->server policy=\"cuts:1\"\n"
     "5:1 send client data=\"\\x00\\x05hello\" expect=ok@5:1\n"
     "6:1 recv server expect=\"hello\"@6:16\n"
     "7:1 close client\n"
     "8:1 recv server expect=error closed@8:16\n"},
    {"header",
     "scenario \"title here\"\n"
     "seeds 100\n"
     "transports sim   # only simnet can do this\n"
     "exhaustive 12\n",
     "header seeds=100 transports=1 exhaustive=1/12\n"},
    {"exhaustive off",
     "exhaustive off\n"
     "transports loopback\n",
     "header seeds=0 transports=2 exhaustive=-1/0\n"},
    {"data terms",
     "s listen\n"
     "c connect s\n"
     "c send \"ab\" * 3 x\"00 05\" x\"0a0B\" \"\\\\\\\"\\n\\r\\t\\0\\x7f\"\n"
     "c send pattern(3) \"-\" pattern(258) * 0 \"x\"\n"
     "c send frame(2, \"hi\") frame(line, \"a\" \"b\") frame(1, frame(1, "
     "\"z\"))\n"
     "c send frame(asn1, \"\") frame(tpkt, \"q\") frame(raw, x\"ff\")\n"
     "c send \"\" -> error closed\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 2:1\n"
     "1:1 listen s\n"
     "2:1 connect c peer=s acc=s\n"
     "3:1 send c data=\"ababab\\x00\\x05\\n\\x0b\\\\\\\"\\n\\r\\t\\x00\\x7f\" "
     "expect=ok@3:1\n"
     "4:1 send c data=\"\\x00\\x01\\x02-x\" expect=ok@4:1\n"
     "5:1 send c data=\"\\x00\\x02hiab\\n\\x02\\x01z\" expect=ok@5:1\n"
     "6:1 send c data=\"\\x04\\x00\\x03\\x00\\x00\\x05q\\xff\" expect=ok@6:1\n"
     "7:1 send c data=\"\" expect=error closed@7:14\n"},
    {"continuation",
     "s listen \\\n"
     "  packet=line\n"
     "c connect s\n"
     "c send \"a\" \\\n"
     "       \"b\"   # comment\n"
     "s recv -> \"ab\"\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 3:1\n"
     "1:1 listen s opts=[packet=line]\n"
     "3:1 connect c peer=s acc=s\n"
     "4:1 send c data=\"ab\" expect=ok@4:1\n"
     "6:1 recv s expect=\"ab\"@6:11\n"},
    {"connections",
     "l listen backlog=5\n"
     "a connect l\n"
     "b connect l as b_srv nodelay=true\n"
     "c connect l manual\n"
     "acc accept l timeout=1s\n"
     "d connect l manual\n"
     "acc2 accept l -> error timeout\n"
     "b_srv send \"x\"\n"
     "l recv -> any\n",
     "ep l listener 1:1 named_conn\n"
     "ep a socket 2:1\n"
     "ep b socket 3:1\n"
     "ep b_srv socket 3:16\n"
     "ep c socket 4:1\n"
     "ep acc socket 5:1\n"
     "ep d socket 6:1\n"
     "ep acc2 socket 7:1\n"
     "1:1 listen l opts=[backlog=5]\n"
     "2:1 connect a peer=l acc=l\n"
     "3:1 connect b peer=l acc=b_srv opts=[nodelay=true]\n"
     "4:1 connect c peer=l\n"
     "5:1 accept acc peer=l timeout=1000000000ns expect=ok@5:1\n"
     "6:1 connect d peer=l\n"
     "7:1 accept acc2 peer=l expect=error timeout@7:18\n"
     "8:1 send b_srv data=\"x\" expect=ok@8:1\n"
     "9:1 recv l expect=any@9:11\n"},
    {"targets",
     "target app start \"./server --port {port}\" ready=\"listening\" "
     "timeout=2s\n"
     "target db at 127.0.0.1:5432\n"
     "target v6 at [::1]:80\n"
     "c connect app packet=line\n"
     "d connect db\n",
     "ep app target 1:8 cmd=\"./server --port {port}\" ready=\"listening\" "
     "timeout=2000000000ns\n"
     "ep db target 2:8 at=127.0.0.1:5432\n"
     "ep v6 target 3:8 at=::1:80\n"
     "ep c socket 4:1\n"
     "ep d socket 5:1\n"
     "1:1 target start app timeout=2000000000ns\n"
     "2:1 target at db\n"
     "3:1 target at v6\n"
     "4:1 connect c peer=app opts=[packet=line]\n"
     "5:1 connect d peer=db\n"},
    {"targets under the shim",
     "target app start \"./server {port}\" shim=\"fixed:1\" "
     "shim_writes=\"random:1-8\" shim_conn=\"0=cuts:3,7;2=whole\"\n"
     "c connect app\n",
     "ep app target 1:8 cmd=\"./server {port}\" shim=\"fixed:1\" "
     "shim_writes=\"random:1-8\" shim_conn=\"0=cuts:3,7;2=whole\"\n"
     "ep c socket 2:1\n"
     "1:1 target start app\n"
     "2:1 connect c peer=app\n"},
    {"recv forms",
     "s listen packet=raw active=false\n"
     "c connect s\n"
     "s recv 5 timeout=250ms -> bytes 5\n"
     "s recv -> any\n"
     "s recv 0 -> x\"01\"\n"
     "s recv -> http {http_request, 'GET', {abs_path, \"/a b\"}, {1,1}}\n"
     "s recv -> http http_eoh\n"
     "s recv -> http {http_response,{1,0},200,\"OK\"}\n"
     "s recv -> http {http_error, \"\\x01\\r\\n\"}\n"
     "s recv -> http {http_request,\"FOO\",'*',{1,1}}\n"
     "s recv -> http "
     "{http_request,'GET',{absoluteURI,http,\"h\",-1,\"/\"},{1,1}}\n"
     "s recv -> http {http_header,0,\"X-A\",\"x-a\",\"ab\" * 2 x\"21\"}\n"
     "s recv -> http {http_error,<<pattern(2) \"\\r\\n\">>}\n"
     "s recv -> http {http_request,'GET',{scheme,[],\"x\"},{1,1}}\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 2:1\n"
     "1:1 listen s opts=[packet=raw active=false]\n"
     "2:1 connect c peer=s acc=s\n"
     "3:1 recv s n=5 timeout=250000000ns expect=bytes 5@3:27\n"
     "4:1 recv s expect=any@4:11\n"
     "5:1 recv s n=0 expect=\"\\x01\"@5:13\n"
     "6:1 recv s expect=http {http_request,'GET',{abs_path,\"/a "
     "b\"},{1,1}}@6:11\n"
     "7:1 recv s expect=http http_eoh@7:11\n"
     "8:1 recv s expect=http {http_response,{1,0},200,\"OK\"}@8:11\n"
     "9:1 recv s expect=http {http_error,\"\\x01\\r\\n\"}@9:11\n"
     "10:1 recv s expect=http {http_request,\"FOO\",'*',{1,1}}@10:11\n"
     "11:1 recv s expect=http "
     "{http_request,'GET',{absoluteURI,http,\"h\",-1,\"/\"},{1,1}}@11:11\n"
     /* strings in a term are data expressions */
     "12:1 recv s expect=http {http_header,0,\"X-A\",\"x-a\",\"abab!\"}@12:11\n"
     "13:1 recv s expect=http {http_error,<<\"\\x00\\x01\\r\\n\">>}@13:11\n"
     "14:1 recv s expect=http {http_request,'GET',{scheme,[],\"x\"},{1,1}}@14:"
     "11\n"},
    {"messages",
     "s listen active=true\n"
     "c connect s\n"
     "s message -> tcp \"abc\"\n"
     "s message timeout=1s -> tcp bytes 3\n"
     "s message -> tcp any\n"
     "s message -> tcp_closed\n"
     "s message -> tcp_error econnreset\n"
     "s message -> tcp_passive\n"
     "s message -> http {http_header,14,'Host',\"Host\",\"x\"}\n"
     "s messages 10 timeout=5s -> tcp \"x\"\n"
     "s nothing within 1.5ms\n"
     "s drain timeout=2s -> bytes 4096\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 2:1\n"
     "1:1 listen s opts=[active=true]\n"
     "2:1 connect c peer=s acc=s\n"
     "3:1 message s expect=tcp \"abc\"@3:14\n"
     "4:1 message s timeout=1000000000ns expect=tcp bytes 3@4:25\n"
     "5:1 message s expect=tcp any@5:14\n"
     "6:1 message s expect=tcp_closed@6:14\n"
     "7:1 message s expect=tcp_error econnreset@7:14\n"
     "8:1 message s expect=tcp_passive@8:14\n"
     "9:1 message s expect=http {http_header,14,'Host',\"Host\",\"x\"}@9:14\n"
     "10:1 messages s n=10 timeout=5000000000ns expect=tcp \"x\"@10:29\n"
     "11:1 nothing s t=1500000ns\n"
     "12:1 drain s n=4096 timeout=2000000000ns\n"},
    {"control",
     "s listen\n"
     "c connect s\n"
     "c setopts packet=4 active=once\n"
     "c setopts active=40000 -> error einval\n"
     "c setopts bogus=1 -> error einval\n"
     "c getopts active -> once\n"
     "c getopts linger -> true,5\n"
     "c shutdown write\n"
     "c shutdown read_write -> error enotconn\n"
     "c owner box\n"
     "box message -> tcp_closed\n"
     "s owner c\n"
     "wait 10ms\n"
     "wait 0\n"
     "c close\n"
     "c setopts packet=0 line_delimiter=; send_timeout=infinity\n"
     "c setopts packet=raw packet=7 bogus=1 -> error einval\n"
     "c getopts packet -> 0\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 2:1\n"
     "ep box mailbox 10:9\n"
     "1:1 listen s\n"
     "2:1 connect c peer=s acc=s\n"
     "3:1 setopts c opts=[packet=4 active=once] expect=ok@3:1\n"
     "4:1 setopts c refused=\"active=40000\" expect=error einval@4:27\n"
     "5:1 setopts c refused=\"bogus=1\" expect=error einval@5:22\n"
     "6:1 getopts c opts=[active=once]\n"
     "7:1 getopts c opts=[linger=true,5]\n"
     "8:1 shutdown c how=2 expect=ok@8:1\n"
     "9:1 shutdown c how=3 expect=error enotconn@9:26\n"
     "10:1 owner c peer=box expect=ok@10:1\n"
     "11:1 message box expect=tcp_closed@11:16\n"
     "12:1 owner s peer=c expect=ok@12:1\n"
     "13:1 wait t=10000000ns\n"
     "14:1 wait\n"
     "15:1 close c\n"
     /* typed once: canonical values, the refused one kept as written */
     "16:1 setopts c opts=[packet=raw line_delimiter=59 "
     "send_timeout=infinity] expect=ok@16:1\n"
     "17:1 setopts c opts=[packet=raw] refused=\"packet=7\" expect=error "
     "einval@17:42\n"
     "18:1 getopts c opts=[packet=raw]\n"},
    {"observe",
     "s listen\n"
     "c connect s\n"
     "s mailbox <= 1\n"
     "c sent == 0x10\n"
     "c received != 3\n"
     "c state -> read_closed\n"
     "elapsed < 2s\n"
     "elapsed >= 0\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 2:1\n"
     "1:1 listen s\n"
     "2:1 connect c peer=s acc=s\n"
     "3:1 mailbox s n=1 <=\n"
     "4:1 sent c n=16 ==\n"
     "5:1 received c n=3 !=\n"
     "6:1 state c state=2\n"
     "7:1 elapsed t=2000000000ns <\n"
     "8:1 elapsed >=\n"},
    {"repeat",
     "s listen\n"
     "c connect s\n"
     "repeat 3 {\n"
     "  c send \"x\"\n"
     "  repeat 1000000 {\n"
     "    wait 1us\n"
     "  }\n"
     "}\n"
     "repeat 0 {\n"
     "}\n"
     "s recv -> \"xxx\"\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 2:1\n"
     "1:1 listen s\n"
     "2:1 connect c peer=s acc=s\n"
     "3:1 repeat n=3\n"
     "  4:3 send c data=\"x\" expect=ok@4:3\n"
     "  5:3 repeat n=1000000\n"
     "    6:5 wait t=1000ns\n"
     "  }\n"
     "}\n"
     "9:1 repeat\n"
     "}\n"
     "11:1 recv s expect=\"xxx\"@11:11\n"},
    {"net",
     "s listen\n"
     "c connect s\n"
     "net c->s fixed:4 latency:1ms\n"
     "net c<->s random:1-5 jitter:1ms-5ms bandwidth:1MB/s\n"
     "net s->c cuts:3,7,9\n"
     "net c->s sndbuf=1024 rcvbuf=4096\n"
     "net c->s reset after 100\n"
     "net c->s reset at 1s\n"
     "net c->s drop\n"
     "net c->s stall\n"
     "net c->s stall 5ms\n"
     "net c->s release\n"
     "net s refuse on\n"
     "net s refuse off\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 2:1\n"
     "1:1 listen s\n"
     "2:1 connect c peer=s acc=s\n"
     "3:1 net c->s policy=\"fixed:4 latency:1ms\"\n"
     "4:1 net c<->s policy=\"random:1-5 jitter:1ms-5ms bandwidth:1000000B/s\"\n"
     "5:1 net s->c policy=\"cuts:3,7,9\"\n"
     "6:1 net buffers c->s sndbuf=1024 rcvbuf=4096\n"
     "7:1 net reset c->s n=100\n"
     "8:1 net reset c->s t=1000000000ns\n"
     "9:1 net drop c->s\n"
     "10:1 net stall c->s\n"
     "11:1 net stall c->s t=5000000ns\n"
     "12:1 net release c->s\n"
     "13:1 net refuse s on\n"
     "14:1 net refuse s off\n"},
    {"listen and connect results",
     "s listen backlog=1 -> ok\n"
     "b listen packet=9 -> error einval\n"
     "c connect s manual timeout=300ms -> error timeout\n"
     "d connect s as a packet=2 timeout=2s -> ok\n"
     "e connect s manual active=40000 -> error einval\n",
     "ep s listener 1:1\n"
     "ep b listener 2:1\n"
     "ep c socket 3:1\n"
     "ep d socket 4:1\n"
     "ep a socket 4:16\n"
     "ep e socket 5:1\n"
     "1:1 listen s opts=[backlog=1] expect=ok@1:23\n"
     "2:1 listen b refused=\"packet=9\" expect=error einval@2:22\n"
     "3:1 connect c peer=s timeout=300000000ns expect=error timeout@3:37\n"
     "4:1 connect d peer=s acc=a opts=[packet=2] timeout=2000000000ns "
     "expect=ok@4:41\n"
     "5:1 connect e peer=s refused=\"active=40000\" expect=error "
     "einval@5:36\n"},
    {"variables, stream, byte patterns",
     "s listen packet=2\n"
     "c connect s packet=2\n"
     "s recv -> $req\n"
     "s send $req\n"
     "c recv -> $req\n"
     "c message -> tcp $m\n"
     "c recv -> prefix \"HT\" \"TP\"\n"
     "c recv -> len 5\n"
     "c message -> tcp prefix \"x\"\n"
     "c stream -> \"abc\"\n"
     "c stream -> $m\n"
     "c stream mark\n"
     "c stream -> len 0\n"
     "c stream -> $all\n",
     "ep s listener 1:1 named_conn\n"
     "ep c socket 2:1\n"
     "1:1 listen s opts=[packet=2]\n"
     "2:1 connect c peer=s acc=s opts=[packet=2]\n"
     "3:1 recv s expect=$req#1 bind@3:11\n"
     "4:1 send s data=\"\" expect=ok@4:1 data=$req\n"
     "5:1 recv c expect=$req#1@5:11\n"
     "6:1 message c expect=tcp $m#2 bind@6:14\n"
     "7:1 recv c expect=prefix \"HTTP\"@7:11\n"
     "8:1 recv c expect=len 5@8:11\n"
     "9:1 message c expect=tcp prefix \"x\"@9:14\n"
     "10:1 stream c expect=\"abc\"@10:13\n"
     "11:1 stream c expect=$m#2@11:13\n"
     "12:1 stream c n=0 mark\n"
     "13:1 stream c expect=len 0@13:13\n"
     "14:1 stream c expect=$all#3 bind@14:13\n"},
    {"processes",
     "L listen\n"
     "spawn A {\n"
     "  a accept L timeout=1s -> error closed\n"
     "  repeat 2 {\n"
     "    a send \"x\"\n"
     "  }\n"
     "}\n"
     "spawn B {\n"
     "  c connect L manual\n"
     "  c owner A -> error not_owner\n"
     "  kill A\n"
     "}\n"
     "await A timeout=2s -> killed\n"
     "await B -> normal\n"
     "await B\n"
     "kill B\n",
     "ep L listener 1:1\n"
     "ep A mailbox 2:7 process\n"
     "ep a socket 3:3 in=A\n"
     "ep B mailbox 8:7 process\n"
     "ep c socket 9:3 in=B\n"
     "1:1 listen L\n"
     "2:1 spawn A\n"
     "  3:3 accept a peer=L timeout=1000000000ns expect=error closed@3:28\n"
     "  4:3 repeat n=2\n"
     "    5:5 send a data=\"x\" expect=ok@5:5\n"
     "  }\n"
     "}\n"
     "8:1 spawn B\n"
     "  9:3 connect c peer=L\n"
     "  10:3 owner c peer=A expect=error not_owner@10:16\n"
     "  11:3 kill A\n"
     "}\n"
     "13:1 await A timeout=2000000000ns exit=killed@13:23\n"
     "14:1 await B exit=normal@14:12\n"
     "15:1 await B exit=normal@15:1\n"
     "16:1 kill B\n"},
};

static void test_good_rows(void **state) {
  (void)state;
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
    const good_row *r = &rows[k];
    tu_where_set("row '%s'", r->name);
    wr_scenario *s = wr_scn_parse("t.scn", r->text, strlen(r->text), NULL);
    TU_CHECK(s != NULL, "out of memory");
    TU_CHECK(s->nerrors == 0, "unexpected error %u:%u: %s",
             s->nerrors ? s->errors[0].line : 0,
             s->nerrors ? s->errors[0].col : 0,
             s->nerrors ? s->errors[0].msg : "");
    tu_str d = {0};
    scn_dump(s, &d);
    TU_CHECK(strcmp(tu_str_c(&d), r->dump) == 0,
             "parsed form\n--- got:\n%s--- expected:\n%s", tu_str_c(&d),
             r->dump);
    tu_str_free(&d);
    wr_scn_free(s);
    tu_count(1);
  }
  tu_where_set("%s", "");
  assert_int_equal(tu_counted(), sizeof rows / sizeof rows[0]);
}

/* Details the dump does not show: the file in positions, the title, and
 * that a repeat's body is kept once, not expanded. */
static void test_positions_and_title(void **state) {
  (void)state;
  const char *text = "s listen\nrepeat 4000000000 {\n  s close\n}\n";
  wr_scenario *s = wr_scn_parse("dir/x.scn", text, strlen(text), NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  assert_string_equal(s->title, "x.scn");
  assert_int_equal(s->steps.n, 2);
  const wr_scn_step *r = &s->steps.steps[1];
  assert_int_equal(r->kind, WR_SCN_REPEAT);
  assert_true(r->n == 4000000000u);
  assert_int_equal(r->body.n, 1);
  assert_string_equal(r->body.steps[0].pos.file, "dir/x.scn");
  assert_int_equal(r->body.steps[0].pos.line, 3);
  assert_int_equal(r->body.steps[0].pos.col, 3);
  wr_scn_free(s);

  text = "scenario \"a \\\"title\\\"\"\n";
  s = wr_scn_parse("x.scn", text, strlen(text), NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  assert_string_equal(s->title, "a \"title\"");
  wr_scn_free(s);
}

static char tmpdir[64];

static void write_file(const char *name, const void *data, size_t len) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

/* file() reads relative to the scenario's directory; a missing file, a
 * directory and a fifo are errors (the fifo must not block). */
static void test_file_term(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/wr_scn_test_XXXXXX");
  assert_non_null(mkdtemp(tmpdir));
  write_file("body.bin", "\x00\x01zz", 4);
  char fifo[128], scn[128];
  snprintf(fifo, sizeof fifo, "%s/pipe", tmpdir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  const char *text = "s listen\nc connect s\n"
                     "c send file(\"body.bin\") \"!\" file(\"body.bin\") * 2\n";
  write_file("a.scn", text, strlen(text));
  snprintf(scn, sizeof scn, "%s/a.scn", tmpdir);
  wr_scenario *s = wr_scn_load(scn, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  const wr_scn_step *st = &s->steps.steps[2];
  assert_int_equal(st->data.len, 13);
  assert_memory_equal(st->data.ptr, "\x00\x01zz!\x00\x01zz\x00\x01zz", 13);
  wr_scn_free(s);

  static const struct {
    const char *arg;
    const char *msg_part;
  } bad[] = {
      {"missing.bin", "cannot open: No such file or directory"},
      {".", "not a regular file"},
      {"pipe", "not a regular file"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    char t[256];
    snprintf(t, sizeof t, "s listen\nc connect s\nc send file(\"%s\")\n",
             bad[k].arg);
    wr_scenario *e = wr_scn_parse(scn, t, strlen(t), NULL);
    assert_non_null(e);
    TU_CHECK(e->nerrors == 1, "%s: %zu errors", bad[k].arg, e->nerrors);
    TU_CHECK(e->errors[0].line == 3 && e->errors[0].col == 13, "%s: at %u:%u",
             bad[k].arg, e->errors[0].line, e->errors[0].col);
    TU_CHECK(strstr(e->errors[0].msg, bad[k].msg_part) != NULL,
             "%s: message '%s' lacks '%s'", bad[k].arg, e->errors[0].msg,
             bad[k].msg_part);
    wr_scn_free(e);
  }

  /* file() is refused outright when the configuration says so (fuzzing) */
  wr_scn_config cfg = {.no_files = 1};
  s = wr_scn_parse(scn, text, strlen(text), &cfg);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  assert_string_equal(s->errors[0].msg, "file() is disabled here");
  wr_scn_free(s);

  /* An unreadable scenario is one error at line 0. */
  char missing[160];
  snprintf(missing, sizeof missing, "%s/nope.scn", tmpdir);
  s = wr_scn_load(missing, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  char line[512];
  wr_scn_error_format(s, &s->errors[0], line, sizeof line);
  char want[512];
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
           missing);
  assert_string_equal(line, want);
  wr_scn_free(s);

  unlink(fifo);
  snprintf(line, sizeof line, "%s/body.bin", tmpdir);
  unlink(line);
  unlink(scn);
  rmdir(tmpdir);
}

/* A term the parser types matches the packet it describes, and only
 * that one: for packets parsed from real lines, every term is compared
 * with every packet (and each packet type's kind of string), and matches
 * exactly where the two print alike. Written back, the term reads as the
 * packet does (wr_http_render), so reports show both in one spelling. */
static void test_http_term_matches_packet(void **state) {
  (void)state;
  static const struct {
    const char *line;
    int state;
    const char *term; /* as a scenario would write it */
    int binaries;     /* rendered as http_bin gives it */
  } cases[] = {
      {"GET / HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE,
       "{http_request, 'GET', {abs_path, \"/\"}, {1,1}}", 0},
      {"FOO * HTTP/1.0\r\n", WR_HTTP_REQUEST_LINE,
       "{http_request,\"FOO\",'*',{1,0}}", 0},
      {"GET http://h:8080/p HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE,
       "{http_request,'GET',{absoluteURI,http,\"h\",8080,\"/p\"},{1,1}}", 0},
      {"GET https://h HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE,
       "{http_request,'GET',{absoluteURI,https,\"h\",undefined,\"/\"},{1,1}}",
       0},
      {"HTTP/1.1 200 OK\r\n", WR_HTTP_REQUEST_LINE,
       "{http_response,{1,1},200,\"OK\"}", 0},
      {"Host: x\r\n", WR_HTTP_HEADERS, "{http_header,14,'Host',\"Host\",\"x\"}",
       0},
      {"x-odd: \"q\"\\\r\n", WR_HTTP_HEADERS,
       "{http_header,0,\"X-Odd\",\"x-odd\",\"\\\"q\\\"\\\\\"}", 0},
      {"\r\n", WR_HTTP_HEADERS, "http_eoh", 0},
      {"\x01\r\n", WR_HTTP_REQUEST_LINE, "{http_error,\"\\x01\\r\\n\"}", 0},
      /* "" is [] (Erlang prints it so), whichever way it is written */
      {"Host:\r\n", WR_HTTP_HEADERS, "{http_header,14,'Host',\"Host\",\"\"}",
       0},
      {"Host:\r\n", WR_HTTP_HEADERS, "{http_header,14,'Host',\"Host\",[]}", 0},
      {"HTTP/1.1 200\r\n", WR_HTTP_REQUEST_LINE, "{http_response,{1,1},200,[]}",
       0},
      /* http_bin: binaries, spaces allowed inside, <<"">> is <<>> */
      {"GET /a HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE,
       "{http_request,'GET',{abs_path,<< \"/a\" >>},{1,1}}", 1},
      {"FOO http://h:8/p HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE,
       "{http_request,<<\"FOO\">>,{absoluteURI,http,<<\"h\">>,8,<<\"/p\">>},"
       "{1,1}}",
       1},
      {"GET x:y HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE,
       "{http_request,'GET',{scheme,<<\"x\">>,<<\"y\">>},{1,1}}", 1},
      {"HTTP/1.1 404 Not Found\r\n", WR_HTTP_REQUEST_LINE,
       "{http_response,{1,1},404,<<\"Not Found\">>}", 1},
      {"HTTP/1.1 200\r\n", WR_HTTP_REQUEST_LINE,
       "{http_response,{1,1},200,<<\"\">>}", 1},
      {"X-A:\r\n", WR_HTTP_HEADERS,
       "{http_header,0,<<\"X-A\">>,<<\"X-A\">>,<<>>}", 1},
      {"\x01\r\n", WR_HTTP_REQUEST_LINE, "{http_error,<<\"\\x01\\r\\n\">>}", 1},
  };
  enum { N = sizeof cases / sizeof cases[0] };
  wr_http_packet pk[N];
  char rendered[N][256];
  wr_scenario *scn[N];
  const wr_scn_http *term[N];
  for (size_t k = 0; k < N; k++) {
    int st = cases[k].state;
    wr_http_parse((const uint8_t *)cases[k].line, strlen(cases[k].line), &st,
                  &pk[k]);
    int n = wr_http_render(&pk[k], cases[k].binaries, rendered[k],
                           sizeof rendered[k]);
    assert_int_equal((size_t)n, strlen(rendered[k]));
    char text[512];
    snprintf(text, sizeof text, "s listen\ns recv -> http %s\n", cases[k].term);
    scn[k] = wr_scn_parse("t.scn", text, strlen(text), NULL);
    assert_non_null(scn[k]);
    TU_CHECK(scn[k]->nerrors == 0, "%s: %s", cases[k].term,
             scn[k]->nerrors ? scn[k]->errors[0].msg : "");
    term[k] = scn[k]->steps.steps[1].expect.http;
    char back[256];
    n = wr_scn_http_render(term[k], back, sizeof back);
    assert_int_equal((size_t)n, strlen(back));
    TU_CHECK(strcmp(rendered[k], back) == 0,
             "line %zu\n  rendered: %s\n  parsed:   %s", k, rendered[k], back);
  }
  for (size_t k = 0; k < N; k++)
    for (size_t j = 0; j < N; j++)
      for (int bin = 0; bin < 2; bin++) {
        char other[256];
        wr_http_render(&pk[j], bin, other, sizeof other);
        int want = strcmp(rendered[k], other) == 0;
        TU_CHECK(wr_scn_http_match(term[k], &pk[j], bin) == want,
                 "term %s against %s (%s): expected %s", cases[k].term, other,
                 bin ? "binaries" : "lists", want ? "a match" : "no match");
      }
  /* The typed fields themselves. */
  assert_int_equal(term[0]->kind, WR_HTTP_REQUEST);
  assert_int_equal(term[0]->method_index, 2); /* 'GET' */
  assert_int_equal(term[0]->uri_kind, WR_URI_ABS_PATH);
  assert_int_equal(term[0]->strings, WR_SCN_HTTP_LISTS);
  assert_int_equal(term[1]->method_index, 0); /* "FOO" */
  assert_int_equal(term[1]->strings, WR_SCN_HTTP_LISTS);
  assert_int_equal(term[3]->uri_kind, WR_URI_HTTPS);
  assert_int_equal(term[3]->port, 0); /* undefined */
  assert_int_equal(term[2]->port, 8080);
  assert_int_equal(term[5]->field_index, 14); /* 'Host' */
  assert_int_equal(term[6]->field_index, 0);
  assert_int_equal(term[7]->strings, WR_SCN_HTTP_NO_STRINGS);
  assert_int_equal(term[12]->strings, WR_SCN_HTTP_BINARIES);
  for (size_t k = 0; k < N; k++)
    wr_scn_free(scn[k]);

  /* snprintf-style truncation */
  wr_http_packet p;
  int st = WR_HTTP_REQUEST_LINE;
  wr_http_parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &st, &p);
  char small[8];
  int n = wr_http_render(&p, 0, small, sizeof small);
  assert_int_equal(n,
                   (int)strlen("{http_request,'GET',{abs_path,\"/\"},{1,1}}"));
  assert_string_equal(small, "{http_r");
}

/* `_` leaves a field open: the term matches whatever that field holds,
 * and still compares every field written; it renders back as written. */
static void test_http_wildcards(void **state) {
  (void)state;
  static const struct {
    const char *line;
    int state, binaries;
    const char *term;
    int want;
  } cases[] = {
      {"GET /x HTTP/1.0\r\n", WR_HTTP_REQUEST_LINE, 0,
       "{http_request,'GET',_,{1,_}}", 1},
      {"GET /x HTTP/2.0\r\n", WR_HTTP_REQUEST_LINE, 0,
       "{http_request,'GET',_,{1,_}}", 0},
      {"PUT /x HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE, 0,
       "{http_request,'GET',_,_}", 0},
      {"FOO /x HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE, 1,
       "{http_request,_,{abs_path,<<\"/x\">>},_}", 1},
      {"FOO /y HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE, 1,
       "{http_request,_,{abs_path,<<\"/x\">>},_}", 0},
      {"Date: today\r\n", WR_HTTP_HEADERS, 0, "{http_header,_,'Date',_,_}", 1},
      {"Date: today\r\n", WR_HTTP_HEADERS, 1, "{http_header,_,'Date',_,_}", 1},
      {"Host: today\r\n", WR_HTTP_HEADERS, 0, "{http_header,_,'Date',_,_}", 0},
      {"date: x\r\n", WR_HTTP_HEADERS, 0, "{http_header,3,_,\"date\",_}", 1},
      {"date: x\r\n", WR_HTTP_HEADERS, 0, "{http_header,3,_,\"Date\",_}", 0},
      {"X-T: 1\r\n", WR_HTTP_HEADERS, 0, "{http_header,0,\"X-T\",_,\"1\"}", 1},
      {"X-T: 2\r\n", WR_HTTP_HEADERS, 0, "{http_header,0,\"X-T\",_,\"1\"}", 0},
      {"HTTP/1.1 503 Busy\r\n", WR_HTTP_REQUEST_LINE, 0,
       "{http_response,_,503,_}", 1},
      {"HTTP/1.1 500 Busy\r\n", WR_HTTP_REQUEST_LINE, 0,
       "{http_response,_,503,_}", 0},
      {"\x01\r\n", WR_HTTP_REQUEST_LINE, 0, "{http_error,_}", 1},
      {"\r\n", WR_HTTP_HEADERS, 0, "_", 1},
      {"GET / HTTP/1.1\r\n", WR_HTTP_REQUEST_LINE, 1, "_", 1},
      {"\r\n", WR_HTTP_HEADERS, 0, "{http_error,_}", 0},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    wr_http_packet pk;
    int st = cases[k].state;
    wr_http_parse((const uint8_t *)cases[k].line, strlen(cases[k].line), &st,
                  &pk);
    char text[256];
    snprintf(text, sizeof text, "s listen\ns recv -> http %s\n", cases[k].term);
    wr_scenario *scn = wr_scn_parse("t.scn", text, strlen(text), NULL);
    assert_non_null(scn);
    TU_CHECK(scn->nerrors == 0, "%s: %s", cases[k].term,
             scn->nerrors ? scn->errors[0].msg : "");
    const wr_scn_http *term = scn->steps.steps[1].expect.http;
    TU_CHECK(wr_scn_http_match(term, &pk, cases[k].binaries) == cases[k].want,
             "%s against %s: expected %s", cases[k].term, cases[k].line,
             cases[k].want ? "a match" : "no match");
    char back[256];
    wr_scn_http_render(term, back, sizeof back);
    TU_CHECK(strcmp(back, cases[k].term) == 0, "%s rendered as %s",
             cases[k].term, back);
    wr_scn_free(scn);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_rows),
      cmocka_unit_test(test_positions_and_title),
      cmocka_unit_test(test_file_term),
      cmocka_unit_test(test_http_term_matches_packet),
      cmocka_unit_test(test_http_wildcards),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
