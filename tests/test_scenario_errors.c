/* The scenario parser on invalid input: every row is a snippet and the
 * exact first error it must give ("LINE:COL: message", the file name left
 * out) and how many errors the whole snippet gives. One row per error kind
 * of docs/scenarios.md at least: unknown verb, bad escape, missing
 * argument, unterminated string, bad option value, unknown option, unknown
 * and duplicate endpoints, unbalanced braces, bad numbers and durations,
 * bad policy items, extra tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "wirerig/scenario.h"

#define VERBS                                                                  \
  "listen connect accept send recv message messages nothing drain setopts "    \
  "getopts shutdown close owner mailbox state sent received stream sockname "  \
  "peername"
#define OPTS                                                                   \
  "active packet packet_size line_delimiter buffer header exit_on_close "      \
  "show_econnreset send_timeout send_timeout_close high_watermark "            \
  "low_watermark delay_send nodelay linger reuseaddr backlog sndbuf recbuf "   \
  "priority tos"
#define REASONS                                                                \
  "einval emsgsize enomem closed timeout econnreset enotconn ealready eagain " \
  "econnrefused eaddrinuse eaddrnotavail epipe etimedout ehostunreach ebadf "  \
  "eio enoent eacces enotsup eproto eoverflow eof unknown emfile enfile "      \
  "not_owner killed"

typedef struct bad_row {
  const char *name;
  const char *text;
  const char *first; /* "LINE:COL: message" */
  size_t count;      /* errors in the snippet */
} bad_row;

static const bad_row rows[] = {
    {"line_delimiter in listen", "s listen packet=line line_delimiter=;\n",
     "1:22: line_delimiter cannot be given to listen (gen_tcp:listen raises "
     "badarg for it); set it with setopts on the accepted socket",
     1},
    {"unknown verb",
     "s listen\n"
     "s lisen\n",
     "2:3: unknown verb 'lisen'; expected one of: " VERBS, 1},
    {"missing verb", "s\n",
     "1:2: missing verb after 's'; expected one of: " VERBS, 1},
    {"not a statement", "\"x\" listen\n",
     "1:1: expected a statement (NAME VERB ..., or scenario, seeds, "
     "transports, exhaustive, target, net, wait, repeat, elapsed, rounds, "
     "spawn, await, kill), found "
     "'\"x\"'",
     1},
    {"bad escape",
     "s listen\n"
     "c connect s\n"
     "c send \"ab\\q\"\n",
     "3:11: bad escape '\\q' in string; expected \\\\ \\\" \\n \\r \\t \\0 or "
     "\\xHH",
     1},
    {"bad escape x1",
     "s listen\n"
     "c connect s\n"
     "c send \"\\x4\"\n",
     "3:9: bad escape '\\x4' in string; expected \\xHH with exactly two hex "
     "digits",
     1},
    {"bad escape xg",
     "s listen\n"
     "c connect s\n"
     "c send \"\\xg0\"\n",
     "3:9: bad escape '\\x' in string; expected \\xHH with exactly two hex "
     "digits",
     1},
    {"unterminated string",
     "s listen\n"
     "c connect s\n"
     "c send \"abc\n",
     "3:8: unterminated string; expected '\"' before end of line", 1},
    {"unterminated hex",
     "s listen\n"
     "c connect s\n"
     "c send x\"00 0\n",
     "3:8: unterminated hex string; expected '\"' before end of line", 1},
    {"bad hex digit",
     "s listen\n"
     "c connect s\n"
     "c send x\"0g\"\n",
     "3:11: bad hex string; expected a second hex digit, found 'g'", 1},
    {"missing data",
     "s listen\n"
     "c connect s\n"
     "c send\n",
     "3:7: missing data for send; expected a string, x\"HEX\", file(), frame() "
     "or pattern(), found end of line",
     1},
    {"missing data arrow",
     "s listen\n"
     "c connect s\n"
     "c send -> ok\n",
     "3:8: missing data for send; expected a string, x\"HEX\", file(), frame() "
     "or pattern(), found '->'",
     1},
    {"missing recv arrow",
     "s listen\n"
     "s recv\n",
     "2:7: missing '-> EXPECT' for recv; found end of line", 1},
    {"missing expectation",
     "s listen\n"
     "s recv ->\n",
     "2:10: bad expectation for recv; expected DATA, bytes N, prefix DATA, "
     "len N, $VAR, http TERM, error REASON or any, found end of line",
     1},
    {"missing peer", "c connect\n",
     "1:10: missing endpoint name for connect; expected a name, found end of "
     "line",
     1},
    {"missing title", "scenario\n",
     "1:9: missing title; expected a string, found end of line", 1},
    {"missing wait", "wait\n",
     "1:5: missing duration for wait; expected a number with a unit ns us ms s "
     "(e.g. 1.5ms), found end of line",
     1},
    {"missing repeat count", "repeat {\n",
     "1:8: missing repeat count; expected a number, found '{'", 1},
    {"missing frame type",
     "s listen\n"
     "c connect s\n"
     "c send frame()\n",
     "3:14: missing packet type for frame(); expected one of raw 0 1 2 4 asn1 "
     "sunrm cdr fcgi tpkt line http httph http_bin httph_bin, found ')'",
     1},
    {"bad option value", "s listen packet=7\n",
     "1:17: bad option value: packet: expected a packet type (raw, 0, 1, 2, 4, "
     "asn1, sunrm, cdr, fcgi, tpkt, line, http, httph, http_bin, httph_bin), "
     "found '7'",
     1},
    {"bad option active", "s listen active=maybe\n",
     "1:17: bad option value: active: expected false, true, once or "
     "-32768..32767, found 'maybe'",
     1},
    {"bad option linger", "s listen linger=on\n",
     "1:17: bad option value: linger: expected true,SECONDS or false,SECONDS, "
     "found 'on'",
     1},
    {"unknown option", "s listen pakcet=2\n",
     "1:10: unknown option 'pakcet'; expected one of: " OPTS, 1},
    {"unknown timeout option",
     "s listen\n"
     "s recv tmeout=1s -> any\n",
     "2:8: unknown option 'tmeout' for recv; expected timeout=T", 1},
    {"option quoted", "s listen packet=\"2\"\n",
     "1:17: bad option value for 'packet'; expected a value without quotes, "
     "found a string",
     1},
    {"option missing value", "s listen packet=\n",
     "1:17: missing value after 'packet='; options are written NAME=VALUE "
     "without spaces",
     1},
    {"unknown endpoint",
     "s listen\n"
     "c connect t\n",
     "2:11: unknown endpoint 't'; expected a name declared above (by listen, "
     "connect, accept, target or owner)",
     1},
    {"unknown endpoint use",
     "s listen\n"
     "x send \"a\"\n",
     "2:1: unknown endpoint 'x'; expected a name declared above (by listen, "
     "connect, accept, target or owner)",
     1},
    {"wrong kind",
     "target t at 127.0.0.1:1\n"
     "t send \"x\"\n",
     "2:1: 't' is a target; send needs a socket", 1},
    {"duplicate endpoint",
     "s listen\n"
     "s listen\n",
     "2:1: duplicate endpoint 's'; already declared at line 1 column 1", 1},
    {"duplicate conn name",
     "s listen\n"
     "a connect s\n"
     "b connect s\n",
     "3:11: duplicate endpoint 's': listener 's' already names its first "
     "accepted connection; name this one with `as NAME`",
     1},
    {"declare in repeat",
     "s listen\n"
     "repeat 2 {\n"
     "  c connect s\n"
     "}\n",
     "3:3: cannot declare 'c' inside a repeat block (it would be declared once "
     "per round); declare it before the block",
     1},
    {"keyword name", "net listen\n",
     "1:11: expected '->' or '<->' after 'listen' (a direction A->B), found "
     "end of line",
     1},
    {"unbalanced close", "}\n", "1:1: unbalanced '}': no repeat block is open",
     1},
    {"unbalanced open",
     "repeat 2 {\n"
     "wait 1ms\n",
     "1:1: unbalanced '{': this repeat block is never closed; expected a line "
     "with '}' alone",
     1},
    {"unbalanced http open",
     "s listen\n"
     "s recv -> http {http_request,'GET',{abs_path,\"/\"},{1,1}\n",
     "2:16: unbalanced '{' in http term; expected '}' before end of line", 1},
    {"unbalanced http close",
     "s listen\n"
     "s recv -> http {http_request,'GET',{abs_path,\"/\"},{1,1}}}\n",
     "2:57: unbalanced '}' in http term", 1},
    {"connect result",
     "s listen\n"
     "c connect s -> maybe\n",
     "2:16: expected ok or error REASON after '->', found 'maybe'", 1},
    {"listen option under a result", "s listen packet=9 -> ok\n",
     "1:17: bad option value: packet: expected a packet type (raw, 0, 1, 2, "
     "4, asn1, sunrm, cdr, fcgi, tpkt, line, http, httph, http_bin, "
     "httph_bin), found '9'",
     1},
    {"http binary open",
     "s listen\n"
     "s recv -> http {http_response,{1,1},200,<\"OK\">>}\n",
     "2:41: bad http term; expected a binary <<\"...\">> after '<', found "
     "'\"OK\"'",
     1},
    {"http binary close",
     "s listen\n"
     "s recv -> http {http_response,{1,1},200,<<\"OK\">}\n",
     "2:48: bad http term; a binary is <<\"...\">> or <<>>, expected '>>' to "
     "close it, found '}'",
     1},
    {"http binary of an atom",
     "s listen\n"
     "s recv -> http {http_response,{1,1},200,<<OK>>}\n",
     "2:43: bad http term; a binary is <<\"...\">> or <<>>, expected '>>' to "
     "close it, found 'OK'",
     1},
    {"http arity",
     "s listen\n"
     "s recv -> http {http_header,14,'Host',\"x\"}\n",
     "2:16: bad http term; {http_header, ...} has 5 elements, found 4", 1},
    {"http tag",
     "s listen\n"
     "s recv -> http {http_foo,1}\n",
     "2:17: bad http term; expected http_request, http_response, http_header "
     "or http_error, found 'http_foo'",
     1},
    {"http method atom",
     "s listen\n"
     "s recv -> http {http_request,'FOO','*',{1,1}}\n",
     "2:30: bad http term; gen_tcp gives only OPTIONS GET HEAD POST PUT DELETE "
     "TRACE as atoms, other methods as strings; found 'FOO'",
     1},
    {"http method string",
     "s listen\n"
     "s recv -> http {http_request,\"GET\",'*',{1,1}}\n",
     "2:30: bad http term; gen_tcp gives the method GET as the atom 'GET', not "
     "as a string",
     1},
    {"http lists and binaries",
     "s listen\n"
     "s recv -> http {http_header,0,\"X-A\",<<\"X-A\">>,\"v\"}\n",
     "2:37: bad http term; it mixes strings and binaries, but gen_tcp gives "
     "every string of a packet as a list (http, httph) or every one as a "
     "binary (http_bin, httph_bin)",
     1},
    {"http header number",
     "s listen\n"
     "s recv -> http {http_header,13,'Host',\"Host\",\"x\"}\n",
     "2:29: bad http term; gen_tcp numbers the header 'Host' 14, found '13'",
     1},
    {"http known header as a string",
     "s listen\n"
     "s recv -> http {http_header,0,\"Host\",\"Host\",\"x\"}\n",
     "2:31: bad http term; gen_tcp gives the header Host as the atom 'Host' "
     "(number 14), not as a string",
     1},
    {"http unknown header atom",
     "s listen\n"
     "s recv -> http {http_header,0,'X-Foo',\"X-Foo\",\"v\"}\n",
     "2:31: bad http term; 'X-Foo' is not a header gen_tcp knows (those come "
     "as atoms); write the field as a string",
     1},
    {"http string field numbered",
     "s listen\n"
     "s recv -> http {http_header,5,\"X-A\",\"X-A\",\"v\"}\n",
     "2:29: bad http term; a header whose field is a string has the number 0, "
     "found '5'",
     1},
    {"http header number range",
     "s listen\n"
     "s recv -> http {http_header,53,\"X\",\"X\",\"v\"}\n",
     "2:29: bad http term; the header number is 0..52 (0 for a header gen_tcp "
     "does not know), found '53'",
     1},
    {"http port 0",
     "s listen\n"
     "s recv -> http "
     "{http_request,'GET',{absoluteURI,http,\"h\",0,\"/\"},{1,1}}\n",
     "2:58: bad http term; gen_tcp gives a missing port as undefined, never 0",
     1},
    {"http scheme",
     "s listen\n"
     "s recv -> http "
     "{http_request,'GET',{absoluteURI,ftp,\"h\",1,\"/\"},{1,1}}\n",
     "2:49: bad http term; an absoluteURI's scheme is http or https, found "
     "'ftp'",
     1},
    {"http status range",
     "s listen\n"
     "s recv -> http {http_response,{1,1},2147483648,\"OK\"}\n",
     "2:37: bad http term; the status is an integer in -2147483648..2147483647 "
     "(gen_tcp wraps them like a C int), found '2147483648'",
     1},
    {"http uri",
     "s listen\n"
     "s recv -> http {http_request,'GET',{abs_path},{1,1}}\n",
     "2:36: bad http term; expected the URI: '*', {abs_path,S}, "
     "{absoluteURI,http|https,Host,Port|undefined,Path}, {scheme,S,S} or a "
     "string, found '{'",
     1},
    {"http version",
     "s listen\n"
     "s recv -> http {http_response,1,200,\"OK\"}\n",
     "2:31: bad http term; expected the version {Major,Minor}, found '1'", 1},
    {"http string data",
     "s listen\n"
     "s recv -> http {http_error,\"a\" * x}\n",
     "2:34: bad number for repeat count; expected a decimal or 0x hex number "
     "0..18446744073709551615, found 'x'",
     1},
    {"bad number", "seeds 12x\n",
     "1:7: bad number for seeds; expected a decimal or 0x hex number "
     "1..4294967295, found '12x'",
     1},
    {"number overflow",
     "s listen\n"
     "s recv 99999999999999999999 -> any\n",
     "2:8: bad number for recv length; expected 0..4294967295, found "
     "'99999999999999999999'",
     1},
    {"bad hex number", "exhaustive 0xg\n",
     "1:12: bad number for exhaustive; expected a decimal or 0x hex number "
     "0..4294967295, found '0xg'",
     1},
    {"seeds zero", "seeds 0\n",
     "1:7: bad number for seeds; expected 1..4294967295, found '0'", 1},
    {"bad duration", "wait 5 \n",
     "1:6: bad duration for wait; expected a number with a unit ns us ms s "
     "(e.g. 1.5ms), found '5'",
     1},
    {"bad duration unit", "wait 1.5h\n",
     "1:6: bad duration for wait; expected a number with a unit ns us ms s "
     "(e.g. 1.5ms), found '1.5h'",
     1},
    {"bad timeout",
     "s listen\n"
     "s recv timeout=fast -> any\n",
     "2:16: bad duration for timeout; expected a number with a unit ns us ms s "
     "(e.g. 1.5ms), found 'fast'",
     1},
    {"bad policy item",
     "s listen\n"
     "c connect s\n"
     "net c->s fixed:0\n",
     "3:10: bad policy item 'fixed:0': segment size must be 1..67108864, found "
     "'0'",
     1},
    {"bad policy second",
     "s listen\n"
     "c connect s\n"
     "net c->s latency:1ms whole:3\n",
     "3:22: bad policy item 'whole:3': 'whole' takes no value", 1},
    {"bad policy word",
     "s listen\n"
     "c connect s\n"
     "net c->s \"fixed\"\n",
     "3:10: bad policy item '\"fixed\"'; expected whole, fixed:N, random:A-B, "
     "cuts:N,N..., latency:T, jitter:T-T or bandwidth:RATE",
     1},
    {"extra tokens",
     "s listen\n"
     "c connect s\n"
     "c close now\n",
     "3:9: extra token 'now'; expected end of line", 1},
    {"extra after repeat", "repeat 2 { wait 1ms\n",
     "1:12: extra token 'wait'; expected end of line", 1},
    {"extra after close brace",
     "repeat 2 {\n"
     "} x\n",
     "2:3: extra token 'x'; expected end of line", 1},
    {"bad reason",
     "s listen\n"
     "c connect s\n"
     "c send \"x\" -> error eoops\n",
     "3:21: unknown error reason 'eoops'; expected one of " REASONS, 1},
    /* the harness's livelock ends a run as ERROR, no step answers it */
    {"livelock is no reason",
     "s listen\n"
     "c connect s\n"
     "c send \"x\" -> error livelock\n",
     "3:21: unknown error reason 'livelock'; expected one of " REASONS, 1},
    {"bad result",
     "s listen\n"
     "c connect s\n"
     "c send \"x\" -> fine\n",
     "3:15: expected ok or error REASON after '->', found 'fine'", 1},
    {"too large",
     "s listen\n"
     "c connect s\n"
     "c send \"ab\" * 200000000\n",
     "3:13: data too large: 2 bytes * 200000000 would take the file's data "
     "(0 bytes before this expression) over the limit of 67108864 bytes for "
     "one file",
     1},
    {"pattern too large",
     "s listen\n"
     "c connect s\n"
     "c send pattern(300000000)\n",
     "3:16: bad number for pattern() length; expected 0..268435456, found "
     "'300000000'",
     1},
    {"frame too long",
     "s listen\n"
     "c connect s\n"
     "c send frame(1, pattern(256))\n",
     "3:8: frame(1, ...): 256 bytes cannot be framed as 1 (too long for its "
     "header)",
     1},
    {"frame line delim",
     "s listen\n"
     "c connect s\n"
     "c send frame(line, \"a\\nb\")\n",
     "3:8: frame(line, ...): 3 bytes cannot be framed as line (too long for "
     "its header, or it contains the delimiter)",
     1},
    {"file missing",
     "s listen\n"
     "c connect s\n"
     "c send file(\"does-not-exist.bin\")\n",
     "3:13: cannot read file(\"does-not-exist.bin\") (./does-not-exist.bin): "
     "cannot open: No such file or directory",
     1},
    {"unexpected char", "s listen !\n", "1:10: unexpected '!'", 1},
    {"equals alone", "s listen packet = 2\n",
     "1:17: unexpected '='; options are written NAME=VALUE without spaces, "
     "comparisons as ==",
     1},
    {"stray backslash", "s listen \\ packet=2\n",
     "1:10: unexpected '\\'; a '\\' continues a line only as its last "
     "character (escapes belong in strings)",
     1},
    {"bad address", "target t at localhost\n",
     "1:13: bad address; expected HOST:PORT (e.g. 127.0.0.1:8080 or "
     "[::1]:8080), found 'localhost'",
     1},
    {"shim not a string", "target t start \"x\" shim=3\n",
     "1:25: bad option value for 'shim'; expected a policy string like "
     "\"random:1-8\"",
     1},
    {"shim bad policy", "target t start \"x\" shim=\"fixed:0\"\n",
     "1:20: bad shim policy: policy item 1 'fixed:0': segment size must be "
     "1..67108864, found '0'",
     1},
    {"shim delays", "target t start \"x\" shim=\"latency:1ms\"\n",
     "1:20: bad shim policy 'latency:1ms': the shim cuts calls; latency, "
     "jitter and bandwidth do not apply",
     1},
    {"shim_conn bad", "target t start \"x\" shim_conn=\"a=whole\"\n",
     "1:20: bad shim_conn: connection policy item 1 'a=whole': expected "
     "CONN=POLICY with CONN a connection number (0 is the first), e.g. "
     "0=cuts:3,7",
     1},
    {"shim_conn not a string", "target t start \"x\" shim_conn=3\n",
     "1:30: bad option value for 'shim_conn'; expected a string like "
     "\"0=cuts:3,7\"",
     1},
    {"shim_conn twice",
     "target t start \"x\" shim_conn=\"0=whole\" shim_conn=\"1=whole\"\n",
     "1:40: shim_conn given twice", 1},
    {"shim twice", "target t start \"x\" shim=\"fixed:1\" shim=\"fixed:2\"\n",
     "1:35: shim given twice", 1},
    {"bad port", "target t at 127.0.0.1:70000\n",
     "1:13: bad port in '127.0.0.1:70000'; expected 1..65535", 1},
    {"net same",
     "s listen\n"
     "c connect s\n"
     "net c->c whole\n",
     "3:8: a direction needs two different endpoints, found 'c' twice", 1},
    {"net refuse socket",
     "s listen\n"
     "c connect s\n"
     "net c refuse on\n",
     "3:5: 'c' is a socket; net ... refuse needs a listener", 1},
    {"net missing arrow",
     "s listen\n"
     "net s whole\n",
     "2:7: expected '->' or '<->' after 's' (a direction A->B), found 'whole'",
     1},
    {"state bad",
     "s listen\n"
     "s state -> half\n",
     "2:12: bad state; expected open, closed, read_closed or write_closed, "
     "found 'half'",
     1},
    {"cmp missing",
     "s listen\n"
     "s mailbox 3\n",
     "2:11: missing comparison; expected == != < <= > or >=, found '3'", 1},
    {"target as",
     "target t at 127.0.0.1:80\n"
     "c connect t as x\n",
     "2:13: 'as' needs a listener; 't' is a target, which accepts on its own",
     1},
    {"getopts bad value",
     "s listen\n"
     "s getopts active -> maybe\n",
     "2:21: bad option value: active: expected false, true, once or "
     "-32768..32767, found 'maybe'",
     1},
    {"getopts unknown",
     "s listen\n"
     "s getopts color -> red\n",
     "2:11: unknown option 'color'; expected one of: " OPTS, 1},
    {"sockname not an IP",
     "s listen\n"
     "s sockname -> \"localhost\"\n",
     "2:15: bad address for sockname; expected an IP in quotes "
     "(\"127.0.0.1\", \"::1\") or error REASON, found '\"localhost\"'",
     1},
    {"peername bare IP",
     "s listen inet6\n"
     "s peername -> ::1\n",
     "2:15: bad address for peername; expected an IP in quotes "
     "(\"127.0.0.1\", \"::1\") or error REASON, found '::1'",
     1},
    {"listen inet6 twice", "s listen inet6 inet6\n",
     "1:16: expected an option NAME=VALUE, found 'inet6'", 1},
    {"until with count 0",
     "s listen\n"
     "repeat 0 until ok {\n"
     "}\n",
     "2:8: a repeat ... until loop runs at least once; expected a count of 1 "
     "or more, found 0",
     1},
    {"until bad result",
     "s listen\n"
     "repeat 3 until done {\n"
     "}\n",
     "2:16: bad result after 'until'; expected ok, error REASON, tcp_closed, "
     "tcp_passive or tcp_error REASON, found 'done'",
     1},
    {"until within 0",
     "s listen\n"
     "repeat 3 until ok within 0ms {\n"
     "}\n",
     "2:26: a repeat ... until loop needs time to run; expected within T with "
     "T > 0, found '0ms'",
     1},
    {"until without brace",
     "s listen\n"
     "repeat 3 until tcp_closed\n",
     "2:26: expected '{' after the repeat count and its until RESULT, found "
     "end of line",
     1},
    {"rounds without a loop",
     "s listen\n"
     "rounds == 3\n",
     "2:1: 'rounds' counts the rounds of a repeat ... until loop; no such "
     "loop comes before it",
     1},
    {"shutdown bad",
     "s listen\n"
     "s shutdown both\n",
     "2:12: bad shutdown direction; expected read, write or read_write, found "
     "'both'",
     1},
    {"unbound variable", "s listen\nc connect s\nc send $x\n",
     "3:8: unbound variable '$x': capture it first with `recv -> $x`, "
     "`message -> tcp $x` or `stream -> $x`",
     1},
    {"bad variable name", "s listen\nc connect s\nc recv -> $1x\n",
     "3:11: bad variable '$1x'; expected $NAME with NAME "
     "[A-Za-z_][A-Za-z0-9_]* (at most 63 characters)",
     1},
    {"variable joined with data",
     "s listen\nc connect s\nc recv -> $x\nc send \"a\" $x\n",
     "4:12: a variable stands alone: `send $x` sends its bytes, `-> $x` "
     "captures or compares; it cannot be joined with other data in send",
     1},
    {"data after a sent variable",
     "s listen\nc connect s\nc recv -> $x\nc send $x \"a\"\n",
     "4:11: a variable stands alone: `send $x` sends its bytes and nothing "
     "else; found '\"a\"' after it",
     1},
    {"len without a number", "s listen\nc connect s\nc recv -> len\n",
     "3:14: missing length after 'len'; expected a number, found end of "
     "line",
     1},
    {"prefix without data", "s listen\nc connect s\nc recv -> prefix\n",
     "3:17: missing data for prefix; expected a string, x\"HEX\", file(), "
     "frame() or pattern(), found end of line",
     1},
    {"stream without mark or arrow", "s listen\nc connect s\nc stream\n",
     "3:9: expected 'mark' or '-> EXPECT' after stream, found end of line", 1},
    {"stream -> any", "s listen\nc connect s\nc stream -> any\n",
     "3:13: bad expectation for stream; expected DATA, bytes N, prefix DATA, "
     "len N or $VAR, found 'any'",
     1},
    /* processes */
    {"await of an unknown process", "await P\n",
     "1:7: unknown process 'P' for await; expected a name spawned above "
     "(spawn NAME { ... })",
     1},
    {"kill of an unknown process", "kill P\n",
     "1:6: unknown process 'P' for kill; expected a name spawned above "
     "(spawn NAME { ... })",
     1},
    {"await of a socket", "s listen\nawait s\n",
     "2:7: 's' is not a process (only spawn NAME { ... } makes one); await "
     "needs a process",
     1},
    {"await before the spawn", "await P\nspawn P {\n}\n",
     "1:7: unknown process 'P' for await; expected a name spawned above "
     "(spawn NAME { ... })",
     1},
    {"nested spawn", "spawn A {\n  spawn B {\n  }\n}\n",
     "2:3: spawn is allowed only at the top of the file, not inside a spawn "
     "block; spawn every process at the top",
     1},
    {"spawn inside repeat", "repeat 2 {\n  spawn B {\n  }\n}\n",
     "2:3: spawn is allowed only at the top of the file, not inside a repeat "
     "block; spawn every process at the top",
     1},
    {"process awaits itself", "spawn A {\n  await A\n}\n",
     "2:9: process 'A' cannot await itself (it would wait for its own end)", 1},
    {"spawn without a name", "spawn {\n}\n",
     "1:7: missing process name after 'spawn'; expected a name, found '{'", 1},
    {"spawn without a block", "spawn A\n",
     "1:8: expected '{' after spawn A, found end of line", 1},
    {"spawn never closed", "spawn A {\n",
     "1:1: unbalanced '{': this spawn block is never closed; expected a line "
     "with '}' alone",
     1},
    {"spawn of a name in use", "s listen\nspawn s {\n}\n",
     "2:7: duplicate endpoint 's'; already declared at line 1 column 1", 1},
    {"bad await result", "spawn A {\n}\nawait A -> ok\n",
     "3:12: bad exit reason after '->' for await; expected normal or killed, "
     "found 'ok'",
     1},
    {"await option", "spawn A {\n}\nawait A within=1s\n",
     "3:9: unknown option 'within' for await; expected timeout=T", 1},
    {"header inside spawn", "spawn A {\n  seeds 3\n}\n",
     "2:3: 'seeds' is not allowed inside a spawn block", 1},
    {"kill with extra", "spawn A {\n}\nkill A now\n",
     "3:8: extra token 'now'; expected end of line", 1},
    {"owner with a bad result", "s listen\nc connect s\nc owner m -> maybe\n",
     "3:14: expected ok or error REASON after '->', found 'maybe'", 1},
};

/* Formats e the way `wirerig check` does, without the file name. */
static void format_error(const wr_scenario *s, const wr_scn_error *e, char *buf,
                         size_t len) {
  char full[WR_SCN_MSG_MAX + 128];
  wr_scn_error_format(s, e, full, sizeof full);
  size_t fl = strlen(s->file);
  snprintf(buf, len, "%s",
           strncmp(full, s->file, fl) == 0 && full[fl] == ':' ? full + fl + 1
                                                              : full);
}

static void test_bad_rows(void **state) {
  (void)state;
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
    const bad_row *r = &rows[k];
    tu_where_set("row '%s'", r->name);
    wr_scenario *s = wr_scn_parse("t.scn", r->text, strlen(r->text), NULL);
    TU_CHECK(s != NULL, "out of memory");
    TU_CHECK(s->nerrors > 0, "no error; expected %s", r->first);
    char got[WR_SCN_MSG_MAX + 128];
    format_error(s, &s->errors[0], got, sizeof got);
    TU_CHECK(strcmp(got, r->first) == 0,
             "first error\n  got:      %s\n  expected: %s", got, r->first);
    TU_CHECK(s->nerrors_total == r->count, "%zu errors, expected %zu",
             s->nerrors_total, r->count);
    wr_scn_free(s);
    tu_count(1);
  }
  tu_where_set("%s", "");
  assert_int_equal(tu_counted(), sizeof rows / sizeof rows[0]);
}

/* Errors on separate lines are all reported, in line order, up to the cap
 * and a note; the statements between them still parse. */
static void test_collects_errors(void **state) {
  (void)state;
  const char *text = "s listen\n"
                     "s sned \"x\"\n" /* 2:3 */
                     "c connect s\n"
                     "c send \"\\q\"\n" /* 4:9 */
                     "c close\n"
                     "repeat 2 {\n"; /* 6:1, never closed */
  wr_scenario *s = wr_scn_parse("t.scn", text, strlen(text), NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 3);
  assert_int_equal(s->errors[0].line, 2);
  assert_int_equal(s->errors[0].col, 3);
  assert_int_equal(s->errors[1].line, 4);
  assert_int_equal(s->errors[1].col, 9);
  assert_int_equal(s->errors[2].line, 6);
  assert_int_equal(s->errors[2].col, 1);
  /* listen, connect, close and the repeat survived */
  assert_int_equal(s->steps.n, 4);
  wr_scn_free(s);

  tu_str t = {0};
  for (int k = 0; k < 50; k++)
    tu_str_printf(&t, "a b\n");
  s = wr_scn_parse("t.scn", tu_str_c(&t), t.len, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, WR_SCN_MAX_ERRORS + 1);
  assert_non_null(strstr(s->errors[WR_SCN_MAX_ERRORS].msg, "too many errors"));
  wr_scn_free(s);

  wr_scn_config cfg = {.max_errors = 3};
  s = wr_scn_parse("t.scn", tu_str_c(&t), t.len, &cfg);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 4);
  wr_scn_free(s);
  tu_str_free(&t);
}

/* Bytes a text file should not hold: NUL outside strings, a lone CR. */
static void test_odd_bytes(void **state) {
  (void)state;
  static const char nul[] = "s listen\0packet=2\n";
  wr_scenario *s = wr_scn_parse("t.scn", nul, sizeof nul - 1, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  assert_string_equal(s->errors[0].msg, "unexpected byte 0x00");
  assert_int_equal(s->errors[0].col, 9);
  wr_scn_free(s);

  static const char cr[] = "s listen\rx\n";
  s = wr_scn_parse("t.scn", cr, sizeof cr - 1, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  assert_string_equal(s->errors[0].msg, "unexpected byte 0x0d");
  wr_scn_free(s);

  /* raw control bytes in a quoted atom (atoms are names gen_tcp prints) */
  static const char qa[] = "s listen\ns recv -> http {http_request,'G\001'}\n";
  s = wr_scn_parse("t.scn", qa, sizeof qa - 1, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  assert_string_equal(
      s->errors[0].msg,
      "bad byte 0x01 in a quoted atom; expected printable ASCII");
  assert_int_equal(s->errors[0].col, 32);
  wr_scn_free(s);

  /* CRLF line ends are fine */
  static const char crlf[] = "s listen\r\nc connect s\r\n";
  s = wr_scn_parse("t.scn", crlf, sizeof crlf - 1, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  assert_int_equal(s->steps.n, 2);
  wr_scn_free(s);
}

/* The data cap: repetitions, pattern() and frames over it are errors and
 * nothing near the requested size is allocated. */
static void test_data_cap(void **state) {
  (void)state;
  wr_scn_config cfg = {.max_data = 16};
  static const struct {
    const char *line;
    const char *first;
  } cases[] = {
      {"c send \"ab\" * 9",
       "3:13: data too large: 2 bytes * 9 is over the limit of 16 bytes"},
      {"c send \"ab\" * 8", NULL},
      {"c send \"\" * 18446744073709551615 \"x\"", NULL},
      {"c send pattern(17)",
       "3:16: bad number for pattern() length; expected 0..16, found '17'"},
      {"c send pattern(16) \"x\"",
       "3:20: data too large: 17 bytes; the limit is 16 bytes"},
      {"c send frame(2, pattern(15))",
       "3:8: data too large: 17 bytes; the limit is 16 bytes"},
      {"c send \"a\" * 18446744073709551615",
       "3:12: data too large: 1 bytes * 18446744073709551615 is over the limit "
       "of 16 bytes"},
      {"c send \"a\" * 18446744073709551616",
       "3:14: bad number for repeat count; expected 0..18446744073709551615, "
       "found '18446744073709551616'"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char text[256];
    snprintf(text, sizeof text, "s listen\nc connect s\n%s\n", cases[k].line);
    wr_scenario *s = wr_scn_parse("t.scn", text, strlen(text), &cfg);
    assert_non_null(s);
    if (!cases[k].first) {
      TU_CHECK(s->nerrors == 0, "'%s': unexpected error %s", cases[k].line,
               s->nerrors ? s->errors[0].msg : "");
    } else {
      char got[WR_SCN_MSG_MAX + 128];
      TU_CHECK(s->nerrors == 1, "'%s': %zu errors", cases[k].line, s->nerrors);
      format_error(s, &s->errors[0], got, sizeof got);
      TU_CHECK(strcmp(got, cases[k].first) == 0,
               "'%s'\n  got:      %s\n  expected: %s", cases[k].line, got,
               cases[k].first);
    }
    wr_scn_free(s);
  }
}

/* All of a file's data together is capped too (issue #17): four
 * expressions each within the per-expression limit once built a GiB from
 * a 130-byte file. The error is at the term that crosses the file's limit,
 * with the limit's value; the lines before it are kept. */
static void test_file_data_cap(void **state) {
  (void)state;
  wr_scn_config cfg = {.max_data = 16, .max_file_data = 40};
  static const char text[] = "s listen\n"
                             "c connect s\n"
                             "c send pattern(16)\n"
                             "c send \"ab\" * 8\n"
                             "c send \"x\" pattern(8)\n";
  wr_scenario *s = wr_scn_parse("t.scn", text, strlen(text), &cfg);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  char got[WR_SCN_MSG_MAX + 128];
  format_error(s, &s->errors[0], got, sizeof got);
  assert_string_equal(got, "5:12: data too large: this expression would come "
                           "to 9 bytes, and the file's data (32 bytes before "
                           "it) to over the limit of 40 bytes for one file");
  wr_scn_free(s);
  /* A repetition is refused before anything is built, at its '*'. */
  static const char rep[] = "s listen\n"
                            "c connect s\n"
                            "c send pattern(16)\n"
                            "c send \"abcd\" * 4\n"
                            "c send \"ab\" * 5\n";
  s = wr_scn_parse("t.scn", rep, strlen(rep), &cfg);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  format_error(s, &s->errors[0], got, sizeof got);
  assert_string_equal(got, "5:13: data too large: 2 bytes * 5 would take the "
                           "file's data (32 bytes before this expression) "
                           "over the limit of 40 bytes for one file");
  wr_scn_free(s);
  /* The default: 64 MiB for the file, whatever each line asks. */
  static const char big[] = "s listen\n"
                            "c connect s\n"
                            "c send pattern(33554432)\n"
                            "c send pattern(33554432)\n"
                            "c send \"x\"\n";
  s = wr_scn_parse("t.scn", big, strlen(big), NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  assert_int_equal(s->errors[0].line, 5);
  assert_int_equal(s->errors[0].col, 8);
  assert_non_null(strstr(s->errors[0].msg, "limit of 67108864 bytes"));
  wr_scn_free(s);
}

/* Endpoint names are looked up linearly, so their number is capped. */
static void test_endpoint_cap(void **state) {
  (void)state;
  tu_str t = {0};
  for (int k = 0; k <= WR_SCN_MAX_ENDPOINTS; k++)
    tu_str_printf(&t, "l%d listen\n", k);
  wr_scenario *s = wr_scn_parse("t.scn", tu_str_c(&t), t.len, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 1);
  assert_int_equal(s->errors[0].line, WR_SCN_MAX_ENDPOINTS + 1);
  assert_string_equal(s->errors[0].msg, "too many endpoints (more than 4096)");
  assert_int_equal(s->nendpoints, WR_SCN_MAX_ENDPOINTS);
  wr_scn_free(s);
  tu_str_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_rows),
      cmocka_unit_test(test_collects_errors),
      cmocka_unit_test(test_odd_bytes),
      cmocka_unit_test(test_data_cap),
      cmocka_unit_test(test_file_data_cap),
      cmocka_unit_test(test_endpoint_cap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
