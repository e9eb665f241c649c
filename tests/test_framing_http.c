/* The http, httph, http_bin and httph_bin packet types (semantics §3):
 * line framing with one byte of look-ahead, the line limits, and the
 * parsing of request, status and header lines.
 *
 * Rows are decode_packet calls (see test_framing_common.h), so http and
 * http_bin start in the request-line state and httph/httph_bin in the
 * header state. Terms are written as http_bin gives them, with binaries as
 * quoted strings: {http_header,14,'Host',"Host","x"}. The lists that
 * http/httph give compare the same way.
 */
#include "test_framing_common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define H WR_PACKET_HTTP
#define HH WR_PACKET_HTTPH
#define HB WR_PACKET_HTTP_BIN
#define HHB WR_PACKET_HTTPH_BIN

/* ---- 3.1 line framing
 * -------------------------------------------------------- */
static const fr_row framing_rows[] = {
    {"req no LF", HB, IN("GET /index.html HTTP/1.1"), MORE_U},
    {"req CR is not an end", HB, IN("GET /index.html HTTP/1.1\r"), MORE_U},
    {"req complete, headers follow", H,
     IN("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/index.html\"},{1,1}}", 11)},
    {"req needs no look-ahead", HB, IN("GET /index.html HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/index.html\"},{1,1}}", 0)},
    {"req LF only", H, IN("GET / HTTP/1.0\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,0}}", 0)},
    {"req LF then CRLF", H, IN("GET / HTTP/1.1\n\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 2)},
    {"hdr needs look-ahead", HHB, IN("Host: example.com\r\n"), MORE_U},
    {"hdr look-ahead byte", HHB, IN("Host: example.com\r\nX"),
     TERM("{http_header,14,'Host',\"Host\",\"example.com\"}", 1)},
    {"hdr list type", HH, IN("Host: example.com\r\n\r\n"),
     TERM("{http_header,14,'Host',\"Host\",\"example.com\"}", 2)},
    {"hdr LF only", HH, IN("Host: example.com\n\n"),
     TERM("{http_header,14,'Host',\"Host\",\"example.com\"}", 1)},
    {"a\\n alone waits for look-ahead", HHB, IN("a\n"), MORE_U},
    {"X\\r\\n alone waits for look-ahead", HHB, IN("X\r\n"), MORE_U},
    {"a\\n alone over PS 1", HHB, IN("a\n"), PS(1), INVALID},
    {"eoh CRLF alone", HHB, IN("\r\n"), TERM("http_eoh", 0)},
    {"eoh LF alone", HH, IN("\n"), TERM("http_eoh", 0)},
    {"eoh then body", HHB, IN("\r\nBODY"), TERM("http_eoh", 4)},
    {"eoh is never continued", HHB, IN("\r\n BODY"), TERM("http_eoh", 5)},
    {"eoh twice", HHB, IN("\r\n\r\n"), TERM("http_eoh", 2)},
    {"lone CRLF in request state", HB, IN("\r\n"),
     TERM("{http_error,\"\\r\\n\"}", 0)},
    {"lone LF in request state", H, IN("\n"), TERM("{http_error,\"\\n\"}", 0)},
    {"leading CRLF is not skipped", H, IN("\r\nGET / HTTP/1.1\r\n"),
     TERM("{http_error,\"\\r\\n\"}", 16)},
    {"folded value", HH, IN("X-Foo: a\r\n b\r\n\tc\r\n\r\n"),
     TERM("{http_header,0,\"X-Foo\",\"X-Foo\",\"a\\r\\n b\\r\\n\\tc\"}", 2)},
    {"folded needs look-ahead", HH, IN("X-Foo: a\r\n b\r\n"), MORE_U},
    {"folded with tab", HH, IN("Host: a\r\n\tb\r\n\r\n"),
     TERM("{http_header,14,'Host',\"Host\",\"a\\r\\n\\tb\"}", 2)},
    {"folded LF only", HH, IN("Host: a\n b\n\n"),
     TERM("{http_header,14,'Host',\"Host\",\"a\\n b\"}", 1)},
    {"a\\n (2 bytes) never continued", HH, IN("a\n b\n\n"),
     TERM("{http_error,\"a\\n\"}", 4)},
    {"3-byte line is continued", HHB, IN("a:\n b\n\n"),
     TERM("{http_header,0,\"A\",\"a\",\"\\n b\"}", 1)},
    /* 3.1 limits: M = packet_size, else line_length. `>=` without an LF */
    {"req PS == len", HB, IN("GET /aaaa HTTP/1.1\r\n"), PS(20),
     TERM("{http_request,'GET',{abs_path,\"/aaaa\"},{1,1}}", 0)},
    {"req PS == len-1", HB, IN("GET /aaaa HTTP/1.1\r\n"), PS(19), INVALID},
    {"req no LF, n == PS-1", HB, IN("GET /aaaa HTTP/1.1\r"), PS(20), MORE_U},
    {"req no LF, n == PS", HB, IN("GET /aaaa HTTP/1.1\r"), PS(19), INVALID},
    {"req no LF, n == PS-1 (b)", HB, IN("GET /aaaa HTTP/1.1"), PS(19), MORE_U},
    {"req line_length is the limit", HB, IN("GET /aaaa HTTP/1.1\r\n"), LL(19),
     INVALID},
    {"req PS overrides line_length", HB, IN("GET /aaaa HTTP/1.1\r\n"), LL(19),
     PS(100), TERM("{http_request,'GET',{abs_path,\"/aaaa\"},{1,1}}", 0)},
    {"req LL 10", H, IN("GET / HTTP/1.1\r\n"), LL(10), INVALID},
    {"req no LF, n == LL", H, IN("GET /"), LL(5), INVALID},
    {"req no LF, n == LL-1", H, IN("GET /"), LL(6), MORE_U},
    {"hdr PS == len", HH, IN("Host: x\r\n\r\n"), PS(9),
     TERM("{http_header,14,'Host',\"Host\",\"x\"}", 2)},
    {"hdr PS == len-1", HH, IN("Host: x\r\n\r\n"), PS(8), INVALID},
    {"hdr PS == len, no look-ahead", HH, IN("Host: x\r\n"), PS(9), MORE_U},
    {"hdr PS == len-1, no look-ahead", HH, IN("Host: x\r\n"), PS(8), INVALID},
    {"hdr no LF, n == PS", HHB, IN("Host: x"), PS(7), INVALID},
    {"hdr no LF, n == PS-1", HHB, IN("Host: x"), PS(8), MORE_U},
    {"hdr LL == len", HHB, IN("Host: x\r\n\r\n"), LL(9),
     TERM("{http_header,14,'Host',\"Host\",\"x\"}", 2)},
    {"hdr LL == len-1", HHB, IN("Host: x\r\n\r\n"), LL(8), INVALID},
    {"folded span vs PS 12", HH, IN("Host: x\r\n y\r\n\r\n"), PS(12), INVALID},
    {"folded span vs PS 13", HH, IN("Host: x\r\n y\r\n\r\n"), PS(13),
     TERM("{http_header,14,'Host',\"Host\",\"x\\r\\n y\"}", 2)},
    {"folded span vs PS 14", HH, IN("Host: x\r\n y\r\n\r\n"), PS(14),
     TERM("{http_header,14,'Host',\"Host\",\"x\\r\\n y\"}", 2)},
    {"lone CRLF beats PS 1", HH, IN("\r\n"), PS(1), TERM("http_eoh", 0)},
    {"lone LF beats LL 1 (req)", HB, IN("\n"), LL(1),
     TERM("{http_error,\"\\n\"}", 0)},
    {"CRLF + byte vs PS 1", HHB, IN("\r\nX"), PS(1), INVALID},
};

/* ---- 3.2 request lines
 * --------------------------------------------------------- */
static const fr_row request_rows[] = {
    {"bin request", HB, IN("GET /index.html HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/index.html\"},{1,1}}", 0)},
    {"HTTP/0.9", H, IN("GET /\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{0,9}}", 0)},
    {"HTTP/0.9 trailing space", H, IN("GET / \r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{0,9}}", 0)},
    {"HTTP/0.9 trailing tab", HB, IN("GET /x\t\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/x\"},{0,9}}", 0)},
    {"method OPTIONS", H, IN("OPTIONS / HTTP/1.1\r\n"),
     TERM("{http_request,'OPTIONS',{abs_path,\"/\"},{1,1}}", 0)},
    {"method HEAD", H, IN("HEAD / HTTP/1.1\r\n"),
     TERM("{http_request,'HEAD',{abs_path,\"/\"},{1,1}}", 0)},
    {"method POST", H, IN("POST / HTTP/1.1\r\n"),
     TERM("{http_request,'POST',{abs_path,\"/\"},{1,1}}", 0)},
    {"method PUT", H, IN("PUT / HTTP/1.1\r\n"),
     TERM("{http_request,'PUT',{abs_path,\"/\"},{1,1}}", 0)},
    {"method DELETE", H, IN("DELETE / HTTP/1.1\r\n"),
     TERM("{http_request,'DELETE',{abs_path,\"/\"},{1,1}}", 0)},
    {"method TRACE", H, IN("TRACE / HTTP/1.1\r\n"),
     TERM("{http_request,'TRACE',{abs_path,\"/\"},{1,1}}", 0)},
    {"method PATCH unknown", H, IN("PATCH / HTTP/1.1\r\n"),
     TERM("{http_request,\"PATCH\",{abs_path,\"/\"},{1,1}}", 0)},
    {"method CONNECT unknown", H, IN("CONNECT / HTTP/1.1\r\n"),
     TERM("{http_request,\"CONNECT\",{abs_path,\"/\"},{1,1}}", 0)},
    {"method case matters", H, IN("get / HTTP/1.1\r\n"),
     TERM("{http_request,\"get\",{abs_path,\"/\"},{1,1}}", 0)},
    {"method Get", HB, IN("Get / HTTP/1.1\r\n"),
     TERM("{http_request,\"Get\",{abs_path,\"/\"},{1,1}}", 0)},
    {"method prefix of a known one", HB, IN("GE / HTTP/1.1\r\n"),
     TERM("{http_request,\"GE\",{abs_path,\"/\"},{1,1}}", 0)},
    {"method extending a known one", HB, IN("GETS / HTTP/1.1\r\n"),
     TERM("{http_request,\"GETS\",{abs_path,\"/\"},{1,1}}", 0)},
    {"method with dash", H, IN("M-SEARCH * HTTP/1.1\r\n"),
     TERM("{http_request,\"M-SEARCH\",'*',{1,1}}", 0)},
    {"method with DEL (token char)", HB, IN("G\x7fT / HTTP/1.1\r\n"),
     TERM("{http_request,\"G\\x7fT\",{abs_path,\"/\"},{1,1}}", 0)},
    {"method with 0x80", HB, IN("G\x80T / HTTP/1.1\r\n"),
     TERM("{http_error,\"G\\x80T / HTTP/1.1\\r\\n\"}", 0)},
    {"method with separator", H, IN("G(T / HTTP/1.1\r\n"),
     TERM("{http_error,\"G(T / HTTP/1.1\\r\\n\"}", 0)},
    {"method then end of line", H, IN("GET\r\n"),
     TERM("{http_error,\"GET\\r\\n\"}", 0)},
    {"method then space, no uri", H, IN("GET \r\n"),
     TERM("{http_error,\"GET \\r\\n\"}", 0)},
    {"leading space", H, IN(" GET / HTTP/1.1\r\n"),
     TERM("{http_error,\" GET / HTTP/1.1\\r\\n\"}", 0)},
    {"bin error", HB, IN("GET\r\n"), TERM("{http_error,\"GET\\r\\n\"}", 0)},
    {"empty method", HB, IN(" / HTTP/1.1\r\n"),
     TERM("{http_error,\" / HTTP/1.1\\r\\n\"}", 0)},
    {"empty method, tab", HB, IN("\t/\r\n"),
     TERM("{http_error,\"\\t/\\r\\n\"}", 0)},
    {"version HTTPx1.1", HB, IN("GET / HTTPx1.1\r\n"),
     TERM("{http_error,\"GET / HTTPx1.1\\r\\n\"}", 0)},
    {"header line in request state", H, IN("Host: x\r\n"),
     TERM("{http_error,\"Host: x\\r\\n\"}", 0)},
    {"spaces and tabs between", H, IN("GET  /a \t HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/a\"},{1,1}}", 0)},
    {"tabs as separators", H, IN("GET\t/\tHTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    {"CR inside the uri", H, IN("GET /a\rb HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/a\\rb\"},{1,1}}", 0)},
    {"high bytes in the uri", HB, IN("GET /\xe9\xff HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\\xe9\\xff\"},{1,1}}", 0)},
    {"CR CR LF ending", H, IN("GET / HTTP/1.1\r\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    /* versions */
    {"version 1.0", HB, IN("GET / HTTP/1.0\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,0}}", 0)},
    {"version 12.34", H, IN("GET / HTTP/12.34\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{12,34}}", 0)},
    {"version leading zeros", H, IN("GET / HTTP/01.001\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    {"version 1.1xyz accepted", H, IN("GET / HTTP/1.1xyz\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    {"version then extra word", H, IN("GET / HTTP/1.1 extra\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    {"version then space", H, IN("GET / HTTP/1.1 \r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    {"version wraps as a C int", HB, IN("GET / HTTP/4294967297.2147483648\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,-2147483648}}", 0)},
    {"version HTTP/1", H, IN("GET / HTTP/1\r\n"),
     TERM("{http_error,\"GET / HTTP/1\\r\\n\"}", 0)},
    {"version HTTP/1.", H, IN("GET / HTTP/1.\r\n"),
     TERM("{http_error,\"GET / HTTP/1.\\r\\n\"}", 0)},
    {"version HTTP/.1", H, IN("GET / HTTP/.1\r\n"),
     TERM("{http_error,\"GET / HTTP/.1\\r\\n\"}", 0)},
    {"version lower-case http", H, IN("GET / http/1.1\r\n"),
     TERM("{http_error,\"GET / http/1.1\\r\\n\"}", 0)},
    {"version FOO/1.1", H, IN("GET / FOO/1.1\r\n"),
     TERM("{http_error,\"GET / FOO/1.1\\r\\n\"}", 0)},
    {"version HTT", H, IN("GET / HTT\r\n"),
     TERM("{http_error,\"GET / HTT\\r\\n\"}", 0)},
    /* URI classification */
    {"uri *", H, IN("OPTIONS * HTTP/1.1\r\n"),
     TERM("{http_request,'OPTIONS','*',{1,1}}", 0)},
    {"uri ** is a string", H, IN("GET ** HTTP/1.1\r\n"),
     TERM("{http_request,'GET',\"**\",{1,1}}", 0)},
    {"uri one byte is abs_path", H, IN("GET a HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\"a\"},{1,1}}", 0)},
    {"uri plain string", H, IN("GET foo HTTP/1.1\r\n"),
     TERM("{http_request,'GET',\"foo\",{1,1}}", 0)},
    {"uri absoluteURI with port", H,
     IN("GET http://host:8080/p?q=1 HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"host\",8080,\"/"
          "p?q=1\"},{1,1}}",
          0)},
    {"uri absoluteURI bin", HB, IN("GET http://h:81/p HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",81,\"/p\"},{1,1}}", 0)},
    {"uri HTTPS upper-case, no path", H, IN("GET HTTPS://Host HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,https,\"Host\",undefined,\"/\"},{1,"
          "1}}",
          0)},
    {"uri HtTp mixed case", HB, IN("GET HtTp://h/x HTTP/1.1\r\n"),
     TERM(
         "{http_request,'GET',{absoluteURI,http,\"h\",undefined,\"/x\"},{1,1}}",
         0)},
    {"uri port 0 is undefined", H, IN("GET http://host:0/x HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"host\",undefined,\"/x\"},{1,"
          "1}}",
          0)},
    {"uri port not all digits", H, IN("GET http://host:80a/x HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"host\",undefined,\"/x\"},{1,"
          "1}}",
          0)},
    {"uri empty port", H, IN("GET http://host: HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"host\",undefined,\"/\"},{1,"
          "1}}",
          0)},
    {"uri port 99999", H, IN("GET http://h:99999/ HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",99999,\"/\"},{1,1}}",
          0)},
    {"uri port leading zero", H, IN("GET http://h:08/ HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",8,\"/\"},{1,1}}", 0)},
    {"uri port 2^31 wraps negative", HB,
     IN("GET http://h:2147483648/ HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",-2147483648,\"/\"},{1,"
          "1}}",
          0)},
    {"uri port 2^32 wraps to undefined", HB,
     IN("GET http://h:4294967296/ HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",undefined,\"/\"},{1,1}}",
          0)},
    {"uri port 2^32+1 wraps to 1", HB,
     IN("GET http://h:4294967297/ HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",1,\"/\"},{1,1}}", 0)},
    {"uri host ends at first colon", HB, IN("GET http://a:b:c/ HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"a\",undefined,\"/\"},{1,1}}",
          0)},
    {"uri query without path", HB, IN("GET http://h?x HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h?x\",undefined,\"/\"},{1,"
          "1}}",
          0)},
    {"uri IPv6 host in OTP 25", H, IN("GET http://[::1]:4000/x HTTP/1.1\r\n"),
     TERM(
         "{http_request,'GET',{absoluteURI,http,\"[\",undefined,\"/x\"},{1,1}}",
         0)},
    {"uri empty host", H, IN("GET http:// HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"\",undefined,\"/\"},{1,1}}",
          0)},
    {"uri empty https host", HB, IN("GET https:// HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,https,\"\",undefined,\"/\"},{1,1}}",
          0)},
    {"uri scheme ftp", H, IN("GET ftp://x/y HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{scheme,\"ftp\",\"//x/y\"},{1,1}}", 0)},
    {"uri host:port is a scheme", H, IN("CONNECT host:443 HTTP/1.1\r\n"),
     TERM("{http_request,\"CONNECT\",{scheme,\"host\",\"443\"},{1,1}}", 0)},
    {"uri http:/x is a scheme", H, IN("GET http:/x HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{scheme,\"http\",\"/x\"},{1,1}}", 0)},
    {"uri http:x is a scheme", HB, IN("GET http:x HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{scheme,\"http\",\"x\"},{1,1}}", 0)},
    {"version .12 (no major digit)", HB, IN("GET / HTTP/.12\r\n"),
     TERM("{http_error,\"GET / HTTP/.12\\r\\n\"}", 0)},
    {"version 12. (no minor digit)", HB, IN("GET / HTTP/12.\r\n"),
     TERM("{http_error,\"GET / HTTP/12.\\r\\n\"}", 0)},
    {"version 1.x1", HB, IN("GET / HTTP/1.x1\r\n"),
     TERM("{http_error,\"GET / HTTP/1.x1\\r\\n\"}", 0)},
    {"version 1x1x", HB, IN("GET / HTTP/1x1x\r\n"),
     TERM("{http_error,\"GET / HTTP/1x1x\\r\\n\"}", 0)},
    {"version XTTP", HB, IN("GET / XTTP/1.1\r\n"),
     TERM("{http_error,\"GET / XTTP/1.1\\r\\n\"}", 0)},
    {"version then NUL ignored", HB, IN("GET / HTTP/1.1\0\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    {"version then CR x: one byte stripped", HB, IN("GET / HTTP/1.1\rx\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    {"CR CR CR LF ending", HB, IN("GET / HTTP/1.1\r\r\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{1,1}}", 0)},
    {"HTTP/0.9 LF only", HB, IN("GET /\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{0,9}}", 0)},
    {"HTTP/0.9 tabs", HB, IN("GET\t\t/\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\"},{0,9}}", 0)},
    {"NUL in the uri", HB, IN("GET /\0 HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/\\x00\"},{1,1}}", 0)},
    {"uri empty host with port", HB, IN("GET http://:80/x HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"\",80,\"/x\"},{1,1}}", 0)},
    {"uri port with sign", HB, IN("GET http://h:+80/ HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",undefined,\"/\"},{1,"
          "1}}",
          0)},
    {"uri port, no path", HB, IN("GET http://h:80 HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",80,\"/\"},{1,1}}", 0)},
    {"uri port INT_MAX", HB, IN("GET http://h:2147483647/ HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"h\",2147483647,\"/\"},{1,"
          "1}}",
          0)},
    {"uri https: is a scheme", HB, IN("GET https: HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{scheme,\"https\",\"\"},{1,1}}", 0)},
    {"uri : is abs_path (one byte)", HB, IN("GET : HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{abs_path,\":\"},{1,1}}", 0)},
    {"uri :x is an empty scheme", HB, IN("GET :x HTTP/1.1\r\n"),
     TERM("{http_request,'GET',{scheme,\"\",\"x\"},{1,1}}", 0)},
};

/* ---- 3.2 status lines
 * ---------------------------------------------------------- */
static const fr_row status_rows[] = {
    {"status 200 OK", H, IN("HTTP/1.1 200 OK\r\n"),
     TERM("{http_response,{1,1},200,\"OK\"}", 0)},
    {"status bin", HB, IN("HTTP/1.1 200 OK\r\n"),
     TERM("{http_response,{1,1},200,\"OK\"}", 0)},
    {"status no reason", H, IN("HTTP/1.0 404\r\n"),
     TERM("{http_response,{1,0},404,\"\"}", 0)},
    {"status empty reason", H, IN("HTTP/1.0 404 \r\n"),
     TERM("{http_response,{1,0},404,\"\"}", 0)},
    {"status reason keeps spaces", H, IN("HTTP/1.1 200  Two  Spaces \r\n"),
     TERM("{http_response,{1,1},200,\"Two  Spaces \"}", 0)},
    {"status reason keeps a CR", HB, IN("HTTP/1.1 200 OK\r\r\n"),
     TERM("{http_response,{1,1},200,\"OK\\r\"}", 0)},
    {"status 200OK", H, IN("HTTP/1.1 200OK\r\n"),
     TERM("{http_error,\"HTTP/1.1 200OK\\r\\n\"}", 0)},
    {"status missing", H, IN("HTTP/1.1\r\n"),
     TERM("{http_error,\"HTTP/1.1\\r\\n\"}", 0)},
    {"status not digits", H, IN("HTTP/1.1 OK\r\n"),
     TERM("{http_error,\"HTTP/1.1 OK\\r\\n\"}", 0)},
    {"status no digits is 0", H, IN("HTTP/1.1 \r\n"),
     TERM("{http_response,{1,1},0,\"\"}", 0)},
    {"status any magnitude", H, IN("HTTP/1.1 2000 Big\r\n"),
     TERM("{http_response,{1,1},2000,\"Big\"}", 0)},
    {"status wraps as a C int", HB, IN("HTTP/1.1 2147483648 X\r\n"),
     TERM("{http_response,{1,1},-2147483648,\"X\"}", 0)},
    {"status wraps past 2^32", HB, IN("HTTP/1.1 4294967496 X\r\n"),
     TERM("{http_response,{1,1},200,\"X\"}", 0)},
    {"status tabs", H, IN("HTTP/1.1\t200\tOK\r\n"),
     TERM("{http_response,{1,1},200,\"OK\"}", 0)},
    {"status leading zeros", HB, IN("HTTP/01.01 007 x\r\n"),
     TERM("{http_response,{1,1},7,\"x\"}", 0)},
    {"status HTTP/2", H, IN("HTTP/2 200 OK\r\n"),
     TERM("{http_error,\"HTTP/2 200 OK\\r\\n\"}", 0)},
    {"status HTTP/1.1x", H, IN("HTTP/1.1x 200 OK\r\n"),
     TERM("{http_error,\"HTTP/1.1x 200 OK\\r\\n\"}", 0)},
    {"status lower-case http", H, IN("http/1.1 200 OK\r\n"),
     TERM("{http_error,\"http/1.1 200 OK\\r\\n\"}", 0)},
    {"status HTTP/ alone", H, IN("HTTP/\r\n"),
     TERM("{http_error,\"HTTP/\\r\\n\"}", 0)},
    {"status .1 (no major digit)", HB, IN("HTTP/.1 200 OK\r\n"),
     TERM("{http_error,\"HTTP/.1 200 OK\\r\\n\"}", 0)},
    {"status 1. (no minor digit)", HB, IN("HTTP/1. 200 OK\r\n"),
     TERM("{http_error,\"HTTP/1. 200 OK\\r\\n\"}", 0)},
    {"status HTTP/. 200", HB, IN("HTTP/. 200\r\n"),
     TERM("{http_error,\"HTTP/. 200\\r\\n\"}", 0)},
    {"status no reason, no space", HB, IN("HTTP/1.1 200\r\n"),
     TERM("{http_response,{1,1},200,\"\"}", 0)},
    {"status mixed whitespace", HB, IN("HTTP/1.1 200 \t OK\r\n"),
     TERM("{http_response,{1,1},200,\"OK\"}", 0)},
    {"status LF only", HB, IN("HTTP/1.1 200 OK\n"),
     TERM("{http_response,{1,1},200,\"OK\"}", 0)},
    {"status CR is not a separator", HB, IN("HTTP/1.1\r200\r\n"),
     TERM("{http_error,\"HTTP/1.1\\r200\\r\\n\"}", 0)},
    {"status negative", HB, IN("HTTP/1.1 -1 x\r\n"),
     TERM("{http_error,\"HTTP/1.1 -1 x\\r\\n\"}", 0)},
    {"status reason with NUL", HB, IN("HTTP/1.1 200 OK\0\r\n"),
     TERM("{http_response,{1,1},200,\"OK\\x00\"}", 0)},
};

/* ---- 3.2 header lines
 * ------------------------------------------------------------ */
static const fr_row header_rows[] = {
    {"known header, bin", HHB, IN("Host: example.com\r\n\r\n"),
     TERM("{http_header,14,'Host',\"Host\",\"example.com\"}", 2)},
    {"canonical X-Custom-Header", HH, IN("x-custom-HEADER: v\r\n\r\n"),
     TERM("{http_header,0,\"X-Custom-Header\",\"x-custom-HEADER\",\"v\"}", 2)},
    {"canonical X-Custom-Header bin", HHB, IN("x-custom-HEADER: v\r\n\r\n"),
     TERM("{http_header,0,\"X-Custom-Header\",\"x-custom-HEADER\",\"v\"}", 2)},
    {"lower-case known", HH, IN("content-length: 5\r\n\r\n"),
     TERM("{http_header,38,'Content-Length',\"content-length\",\"5\"}", 2)},
    {"upper-case known, no space", HH, IN("CONTENT-LENGTH:5\r\n\r\n"),
     TERM("{http_header,38,'Content-Length',\"CONTENT-LENGTH\",\"5\"}", 2)},
    {"value whitespace skipped, trailing kept", HH,
     IN("Content-Length:   5  \r\n\r\n"),
     TERM("{http_header,38,'Content-Length',\"Content-Length\",\"5  \"}", 2)},
    {"value tab skipped, trailing tab kept", HH, IN("X-Foo:\tv\t\r\n\r\n"),
     TERM("{http_header,0,\"X-Foo\",\"X-Foo\",\"v\\t\"}", 2)},
    {"empty value", HH, IN("Content-Length:\r\n\r\n"),
     TERM("{http_header,38,'Content-Length',\"Content-Length\",\"\"}", 2)},
    {"value keeps one CR", HH, IN("X-Foo: v\r\r\n\r\n"),
     TERM("{http_header,0,\"X-Foo\",\"X-Foo\",\"v\\r\"}", 2)},
    {"value LF only", HH, IN("X-Foo: v\n\r\n"),
     TERM("{http_header,0,\"X-Foo\",\"X-Foo\",\"v\"}", 2)},
    {"colon in the value", HH, IN("Host:v:w\r\n\r\n"),
     TERM("{http_header,14,'Host',\"Host\",\"v:w\"}", 2)},
    {"high byte in the value", HH, IN("X: \xc8\r\n\r\n"),
     TERM("{http_header,0,\"X\",\"X\",\"\\xc8\"}", 2)},
    {"WWW-Authenticate", HH, IN("WWW-Authenticate: x\r\n\r\n"),
     TERM("{http_header,33,'Www-Authenticate',\"WWW-Authenticate\",\"x\"}", 2)},
    {"Content-MD5", HH, IN("Content-MD5: x\r\n\r\n"),
     TERM("{http_header,40,'Content-Md5',\"Content-MD5\",\"x\"}", 2)},
    {"ETag", HH, IN("ETag: x\r\n\r\n"),
     TERM("{http_header,43,'Etag',\"ETag\",\"x\"}", 2)},
    {"Sec-WebSocket-Key unknown", HH, IN("Sec-WebSocket-Key: k\r\n\r\n"),
     TERM("{http_header,0,\"Sec-Websocket-Key\",\"Sec-WebSocket-Key\",\"k\"}",
          2)},
    {"Te unknown", HH, IN("Te: a\r\n\r\n"),
     TERM("{http_header,0,\"Te\",\"Te\",\"a\"}", 2)},
    /* the canonicalisation walk: a '-' in the upper-case position does not
     * re-arm it */
    {"walk a--b_c.d", HH, IN("a--b_c.d: v\r\n\r\n"),
     TERM("{http_header,0,\"A--b_c.d\",\"a--b_c.d\",\"v\"}", 2)},
    {"walk -a", HHB, IN("-a: v\r\n\r\n"),
     TERM("{http_header,0,\"-a\",\"-a\",\"v\"}", 2)},
    {"walk aB-cD", HHB, IN("aB-cD: v\r\n\r\n"),
     TERM("{http_header,0,\"Ab-Cd\",\"aB-cD\",\"v\"}", 2)},
    {"walk 1a-b", HHB, IN("1a-b: v\r\n\r\n"),
     TERM("{http_header,0,\"1a-B\",\"1a-b\",\"v\"}", 2)},
    {"walk x-", HHB, IN("x-: v\r\n\r\n"),
     TERM("{http_header,0,\"X-\",\"x-\",\"v\"}", 2)},
    {"DEL is a token char", HHB, IN("X\x7f: v\r\n\r\n"),
     TERM("{http_header,0,\"X\\x7f\",\"X\\x7f\",\"v\"}", 2)},
    /* HTTP_MAX_NAME_LEN: names up to 50 bytes are canonicalised */
    {"name 50 bytes canonicalised", HH,
     IN("abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdef: v\r\n\r\n"),
     TERM("{http_header,0,\"Abcdefghij-Abcdefghij-Abcdefghij-Abcdefghij-"
          "Abcdef\","
          "\"abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdef\",\"v\"}",
          2)},
    {"name 51 bytes unmodified", HH,
     IN("abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefg: v\r\n\r\n"),
     TERM("{http_header,0,\"abcdefghij-abcdefghij-abcdefghij-abcdefghij-"
          "abcdefg\","
          "\"abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefg\",\"v\"}",
          2)},
    {"name 52 bytes unmodified", HH,
     IN("abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefgh: v\r\n\r\n"),
     TERM("{http_header,0,\"abcdefghij-abcdefghij-abcdefghij-abcdefghij-"
          "abcdefgh\",\"abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefgh\","
          "\"v\"}",
          2)},
    {"name 54 bytes mixed case unmodified", HH,
     IN("Abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij: v\r\n\r\n"),
     TERM("{http_header,0,\"Abcdefghij-abcdefghij-abcdefghij-abcdefghij-"
          "abcdefghij\",\"Abcdefghij-abcdefghij-abcdefghij-abcdefghij-"
          "abcdefghij\",\"v\"}",
          2)},
    /* errors keep the whole line, terminator included */
    {"no colon", HH, IN("Bogus\r\n\r\n"),
     TERM("{http_error,\"Bogus\\r\\n\"}", 2)},
    {"space before colon", HH, IN("Name : v\r\n\r\n"),
     TERM("{http_error,\"Name : v\\r\\n\"}", 2)},
    {"empty name", HH, IN(": v\r\n\r\n"),
     TERM("{http_header,0,\"\",\"\",\"v\"}", 2)},
    {"leading space", HH, IN(" Host: v\r\n\r\n"),
     TERM("{http_error,\" Host: v\\r\\n\"}", 2)},
    {"separator ( in name", HH, IN("Ho(st: v\r\n\r\n"),
     TERM("{http_error,\"Ho(st: v\\r\\n\"}", 2)},
    {"separator / in name", HHB, IN("Ho/st: v\r\n\r\n"),
     TERM("{http_error,\"Ho/st: v\\r\\n\"}", 2)},
    {"separator = in name", HHB, IN("Ho=st: v\r\n\r\n"),
     TERM("{http_error,\"Ho=st: v\\r\\n\"}", 2)},
    {"separator @ in name", HHB, IN("Ho@st: v\r\n\r\n"),
     TERM("{http_error,\"Ho@st: v\\r\\n\"}", 2)},
    {"separator { in name", HHB, IN("Ho{st: v\r\n\r\n"),
     TERM("{http_error,\"Ho{st: v\\r\\n\"}", 2)},
    {"control byte in name", HHB, IN("Ho\1st: v\r\n\r\n"),
     TERM("{http_error,\"Ho\\x01st: v\\r\\n\"}", 2)},
    {"high byte in name", HH, IN("X\xc8: v\r\n\r\n"),
     TERM("{http_error,\"X\\xc8: v\\r\\n\"}", 2)},
    {"request line in header state", HH, IN("GET / HTTP/1.1\r\n\r\n"),
     TERM("{http_error,\"GET / HTTP/1.1\\r\\n\"}", 2)},
    {"folded error keeps both lines", HHB, IN("Bad Name: x\r\n y\r\n\r\n"),
     TERM("{http_error,\"Bad Name: x\\r\\n y\\r\\n\"}", 2)},
    {"CR inside the value", HHB, IN("X: a\rb\r\n\r\n"),
     TERM("{http_header,0,\"X\",\"X\",\"a\\rb\"}", 2)},
    {"value only whitespace", HHB, IN("X:   \r\n\r\n"),
     TERM("{http_header,0,\"X\",\"X\",\"\"}", 2)},
    {"value keeps CR CR", HHB, IN("X: v\r\r\r\n\r\n"),
     TERM("{http_header,0,\"X\",\"X\",\"v\\r\\r\"}", 2)},
    {"NUL in the value", HHB, IN("Host: x\0y\r\n\r\n"),
     TERM("{http_header,14,'Host',\"Host\",\"x\\x00y\"}", 2)},
};

/* ---- the 52 known headers (3.2), spelled canonically
 * ------------------------------ */
#define KNOWN(i, name)                                                         \
  {                                                                            \
    "known " #i " " name, HHB, IN(name ": v\r\n\r\n"),                         \
        TERM("{http_header," #i ",'" name "',\"" name "\",\"v\"}", 2)          \
  }
static const fr_row known_rows[] = {
    KNOWN(1, "Cache-Control"),
    KNOWN(2, "Connection"),
    KNOWN(3, "Date"),
    KNOWN(4, "Pragma"),
    KNOWN(5, "Transfer-Encoding"),
    KNOWN(6, "Upgrade"),
    KNOWN(7, "Via"),
    KNOWN(8, "Accept"),
    KNOWN(9, "Accept-Charset"),
    KNOWN(10, "Accept-Encoding"),
    KNOWN(11, "Accept-Language"),
    KNOWN(12, "Authorization"),
    KNOWN(13, "From"),
    KNOWN(14, "Host"),
    KNOWN(15, "If-Modified-Since"),
    KNOWN(16, "If-Match"),
    KNOWN(17, "If-None-Match"),
    KNOWN(18, "If-Range"),
    KNOWN(19, "If-Unmodified-Since"),
    KNOWN(20, "Max-Forwards"),
    KNOWN(21, "Proxy-Authorization"),
    KNOWN(22, "Range"),
    KNOWN(23, "Referer"),
    KNOWN(24, "User-Agent"),
    KNOWN(25, "Age"),
    KNOWN(26, "Location"),
    KNOWN(27, "Proxy-Authenticate"),
    KNOWN(28, "Public"),
    KNOWN(29, "Retry-After"),
    KNOWN(30, "Server"),
    KNOWN(31, "Vary"),
    KNOWN(32, "Warning"),
    KNOWN(33, "Www-Authenticate"),
    KNOWN(34, "Allow"),
    KNOWN(35, "Content-Base"),
    KNOWN(36, "Content-Encoding"),
    KNOWN(37, "Content-Language"),
    KNOWN(38, "Content-Length"),
    KNOWN(39, "Content-Location"),
    KNOWN(40, "Content-Md5"),
    KNOWN(41, "Content-Range"),
    KNOWN(42, "Content-Type"),
    KNOWN(43, "Etag"),
    KNOWN(44, "Expires"),
    KNOWN(45, "Last-Modified"),
    KNOWN(46, "Accept-Ranges"),
    KNOWN(47, "Set-Cookie"),
    KNOWN(48, "Set-Cookie2"),
    KNOWN(49, "X-Forwarded-For"),
    KNOWN(50, "Cookie"),
    KNOWN(51, "Keep-Alive"),
    KNOWN(52, "Proxy-Connection"),
};

/* ---- lines long enough for the 16-byte scans ----------------------------
 * The SSE2 scans (framing/http_scan.h) load 16 bytes only where 16 remain,
 * so the short rows above mostly take their byte-by-byte tails. Here the
 * interesting byte lies well before the input's end: a name with token
 * characters outside letters, digits and '-' (the full token test), a
 * separator or a "--" in a 16-byte chunk, values crossing chunks, and the
 * request and status lines that wr_frame_http's one-walk paths hand back
 * to the general parser (two spaces, a tab or CR in the URI, text after
 * the version, HTTP/0.9, no SP after the code, the limit). Each row runs
 * on the SSE2 and the scalar builds and against Erlang (the oracle). */
static const fr_row wide_rows[] = {
    {"wide: token name, every class", HHB,
     IN("X_Y.Z!#$%&'*+^`|~Long-Name: value\r\nNext-Header-Line: x\r\n"),
     TERM("{http_header,0,\"X_y.z!#$%&'*+^`|~long-Name\","
          "\"X_Y.Z!#$%&'*+^`|~Long-Name\",\"value\"}",
          21)},
    {"wide: underscore in a known-looking name", HHB,
     IN("Accept_Encoding: gzip, deflate\r\nX-Pad: 0123456789\r\n"),
     TERM("{http_header,0,\"Accept_encoding\",\"Accept_Encoding\","
          "\"gzip, deflate\"}",
          19)},
    {"wide: separator at byte 16 of the name", HHB,
     IN("X-Custom-Header-(1): v\r\nX-Pad: 0123456789\r\n"),
     TERM("{http_error,\"X-Custom-Header-(1): v\\r\\n\"}", 19)},
    {"wide: double dash in a chunk", HHB,
     IN("X--Long--Header-Name: v\r\nX-Pad: 0123456789\r\n"),
     TERM("{http_header,0,\"X--long--header-Name\",\"X--Long--Header-Name\","
          "\"v\"}",
          19)},
    {"wide: dash ending a chunk", HHB,
     IN("X-Abcdefghijklm-Nop: v\r\nX-Pad: 0123456789\r\n"),
     TERM("{http_header,0,\"X-Abcdefghijklm-Nop\",\"X-Abcdefghijklm-Nop\","
          "\"v\"}",
          19)},
    {"wide: long value, tab and spaces skipped", HHB,
     IN("X-Long-Value:\t  0123456789abcdefghijklmnopqrstuvwxyz\r\n"
        "X-Pad: 0123456789\r\n"),
     TERM("{http_header,0,\"X-Long-Value\",\"X-Long-Value\","
          "\"0123456789abcdefghijklmnopqrstuvwxyz\"}",
          19)},
    {"wide: folded value", HHB,
     IN("X-Folded-Header-Name: first part\r\n continued here\r\n"
        "X-Pad: 0123456789\r\n"),
     TERM("{http_header,0,\"X-Folded-Header-Name\",\"X-Folded-Header-Name\","
          "\"first part\\r\\n continued here\"}",
          19)},
    {"wide: header over PS", HHB,
     IN("X-Long-Value: 0123456789abcdefghijklmnopqrstuvwxyz\r\n"
        "X-Pad: 0123456789\r\n"),
     PS(40), INVALID},
    {"wide: request, two spaces", HB,
     IN("GET  /two/spaces/in/front HTTP/1.1\r\nHost: padding.example\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/two/spaces/in/front\"},{1,1}}",
          23)},
    {"wide: request, tab in the URI", HB,
     IN("GET /tab\tin/the/uri/here HTTP/1.1\r\nHost: padding.example\r\n"),
     TERM("{http_error,\"GET /tab\\tin/the/uri/here HTTP/1.1\\r\\n\"}", 23)},
    {"wide: request, text after the version", HB,
     IN("GET /version/then/text HTTP/1.1 extra\r\nHost: padding.example\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/version/then/text\"},{1,1}}", 23)},
    {"wide: request, CR in the URI", HB,
     IN("GET /carriage\rreturn/in/uri HTTP/1.1\r\nHost: padding.example\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/carriage\\rreturn/in/uri\"},"
          "{1,1}}",
          23)},
    {"wide: request, CR right before the version", HB,
     IN("GET /cr/before/version\rHTTP/1.1\r\nHost: padding.example\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/cr/before/version\\rHTTP/1.1\"},"
          "{0,9}}",
          23)},
    {"wide: request, HTTP/0.9", HB,
     IN("GET /http09/long/path/here\r\nHost: padding.example\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/http09/long/path/here\"},{0,9}}",
          23)},
    {"wide: request, token method", HB,
     IN("CUSTOM_METHOD.X /long/path/here HTTP/1.1\r\nHost: "
        "padding.example\r\n"),
     TERM("{http_request,\"CUSTOM_METHOD.X\",{abs_path,\"/long/path/here\"},"
          "{1,1}}",
          23)},
    {"wide: request, LF only", HB,
     IN("GET /lf/only/terminator HTTP/1.0\nHost: padding.example\r\n"),
     TERM("{http_request,'GET',{abs_path,\"/lf/only/terminator\"},{1,0}}", 23)},
    {"wide: request, absolute URI", HB,
     IN("GET http://example.com:8080/p HTTP/1.1\r\nHost: padding.example\r\n"),
     TERM("{http_request,'GET',{absoluteURI,http,\"example.com\",8080,\"/p\"},"
          "{1,1}}",
          23)},
    {"wide: request over PS", HB,
     IN("GET /a/long/path/over/the/limit HTTP/1.1\r\nHost: "
        "padding.example\r\n"),
     PS(30), INVALID},
    {"wide: request at PS", HB,
     IN("GET /a/long/path/at/the/limit HTTP/1.1\r\nHost: padding.example\r\n"),
     PS(40),
     TERM("{http_request,'GET',{abs_path,\"/a/long/path/at/the/limit\"},"
          "{1,1}}",
          23)},
    {"wide: status, two spaces", HB,
     IN("HTTP/1.1  200 Two Spaces Before\r\nServer: padding-name\r\n"),
     TERM("{http_response,{1,1},200,\"Two Spaces Before\"}", 22)},
    {"wide: status, tab before the reason", HB,
     IN("HTTP/1.1 200 \t Reason After Tab\r\nServer: padding-name\r\n"),
     TERM("{http_response,{1,1},200,\"Reason After Tab\"}", 22)},
    {"wide: status, no SP after the code", HB,
     IN("HTTP/1.1 200OK-no-space-here\r\nServer: padding-name\r\n"),
     TERM("{http_error,\"HTTP/1.1 200OK-no-space-here\\r\\n\"}", 22)},
    {"wide: status, no reason", HB,
     IN("HTTP/1.1 304\r\nServer: padding-name-longer\r\n"),
     TERM("{http_response,{1,1},304,\"\"}", 29)},
    {"wide: status, LF only", HB,
     IN("HTTP/1.0 404 Not Found\nServer: padding-name\r\n"),
     TERM("{http_response,{1,0},404,\"Not Found\"}", 22)},
    {"wide: status, CR inside the reason", HB,
     IN("HTTP/1.1 200 O\rK\nServer: padding-name\r\n"),
     TERM("{http_response,{1,1},200,\"O\\rK\"}", 22)},
    {"wide: status over PS", HB,
     IN("HTTP/1.1 200 A Long Reason Phrase\r\nServer: padding-name\r\n"),
     PS(20), INVALID},
};

static const fr_table tables[] = {
    {framing_rows, FR_COUNT(framing_rows)},
    {request_rows, FR_COUNT(request_rows)},
    {status_rows, FR_COUNT(status_rows)},
    {header_rows, FR_COUNT(header_rows)},
    {known_rows, FR_COUNT(known_rows)},
    {wide_rows, FR_COUNT(wide_rows)},
};

static void test_line_framing(void **st) {
  (void)st;
  fr_check_rows(framing_rows, FR_COUNT(framing_rows));
}
static void test_request_lines(void **st) {
  (void)st;
  fr_check_rows(request_rows, FR_COUNT(request_rows));
}
static void test_status_lines(void **st) {
  (void)st;
  fr_check_rows(status_rows, FR_COUNT(status_rows));
}
static void test_header_lines(void **st) {
  (void)st;
  fr_check_rows(header_rows, FR_COUNT(header_rows));
}
static void test_wide_lines(void **st) {
  (void)st;
  fr_check_rows(wide_rows, FR_COUNT(wide_rows));
}
static void test_known_headers(void **st) {
  (void)st;
  fr_check_rows(known_rows, FR_COUNT(known_rows));
}

/* The name tables, and every known header found whatever its case. */
static void test_name_tables(void **st) {
  (void)st;
  static const char *const methods[] = {"OPTIONS", "GET",    "HEAD", "POST",
                                        "PUT",     "DELETE", "TRACE"};
  TU_CHECK(wr_http_method_name(0) == NULL && wr_http_method_name(8) == NULL &&
               wr_http_method_name(-1) == NULL,
           "method names out of 1..7 must be NULL");
  for (int i = 1; i <= WR_HTTP_METHOD_COUNT; i++) {
    const char *m = wr_http_method_name(i);
    TU_CHECK(m && strcmp(m, methods[i - 1]) == 0, "method %d = %s, want %s", i,
             m ? m : "NULL", methods[i - 1]);
    tu_count(1);
  }
  TU_CHECK(wr_http_header_name(0) == NULL && wr_http_header_name(53) == NULL &&
               wr_http_header_name(-1) == NULL,
           "header names out of 1..52 must be NULL");
  tu_guard g;
  tu_guard_init(&g, 256);
  for (int i = 1; i <= WR_HTTP_HEADER_COUNT; i++) {
    const char *name = wr_http_header_name(i);
    const char *want = known_rows[i - 1].name + strlen("known ");
    want = strchr(want, ' ') + 1;
    TU_CHECK(name && strcmp(name, want) == 0, "header %d = %s, want %s", i,
             name ? name : "NULL", want);
    /* lower-case and upper-case spellings map to the same index */
    for (int variant = 0; variant < 2; variant++) {
      char line[128];
      size_t n = strlen(name);
      for (size_t k = 0; k < n; k++)
        line[k] = (char)(variant ? toupper((unsigned char)name[k])
                                 : tolower((unsigned char)name[k]));
      memcpy(line + n, ": v\r\n", 6);
      size_t len = n + 5;
      int state = WR_HTTP_HEADERS;
      wr_http_packet p;
      wr_http_kind k =
          wr_http_parse(tu_guard_place(&g, line, len), len, &state, &p);
      wr_span f = wr_http_field(&p);
      TU_CHECK(k == WR_HTTP_HEADER && p.header_index == i &&
                   f.len == strlen(name) && memcmp(f.ptr, name, f.len) == 0,
               "'%.*s' parsed as kind %d index %d, want header %d (%s)",
               (int)(len - 2), line, (int)k, p.header_index, i, name);
      tu_count(1);
    }
  }
  tu_guard_free(&g);
}

/* wr_http_parse on its own: the state changes only on success, as
 * wr_http_state_after says. */
static void test_parse_state(void **st) {
  (void)st;
  static const struct {
    const char *name;
    int state_in;
    const char *line;
    wr_http_kind kind;
    int state_out;
  } rows[] = {
      {"request -> headers", WR_HTTP_REQUEST_LINE, "GET / HTTP/1.1\r\n",
       WR_HTTP_REQUEST, WR_HTTP_HEADERS},
      {"HTTP/0.9 request -> headers", WR_HTTP_REQUEST_LINE, "GET /\r\n",
       WR_HTTP_REQUEST, WR_HTTP_HEADERS},
      {"response -> headers", WR_HTTP_REQUEST_LINE, "HTTP/1.1 200 OK\r\n",
       WR_HTTP_RESPONSE, WR_HTTP_HEADERS},
      {"bad request keeps state", WR_HTTP_REQUEST_LINE, "bad\r\n",
       WR_HTTP_ERROR, WR_HTTP_REQUEST_LINE},
      {"empty line in request state", WR_HTTP_REQUEST_LINE, "\r\n",
       WR_HTTP_ERROR, WR_HTTP_REQUEST_LINE},
      {"header keeps headers", WR_HTTP_HEADERS, "Host: x\r\n", WR_HTTP_HEADER,
       WR_HTTP_HEADERS},
      {"eoh -> request", WR_HTTP_HEADERS, "\r\n", WR_HTTP_EOH,
       WR_HTTP_REQUEST_LINE},
      {"eoh LF -> request", WR_HTTP_HEADERS, "\n", WR_HTTP_EOH,
       WR_HTTP_REQUEST_LINE},
      {"bad header keeps state", WR_HTTP_HEADERS, "bad line\r\n", WR_HTTP_ERROR,
       WR_HTTP_HEADERS},
      {"request line as header", WR_HTTP_HEADERS, "GET / HTTP/1.1\r\n",
       WR_HTTP_ERROR, WR_HTTP_HEADERS},
  };
  tu_guard g;
  tu_guard_init(&g, 64);
  for (size_t i = 0; i < FR_COUNT(rows); i++) {
    size_t len = strlen(rows[i].line);
    const uint8_t *p = tu_guard_place(&g, rows[i].line, len);
    int state = rows[i].state_in;
    wr_http_packet pk;
    wr_http_kind k = wr_http_parse(p, len, &state, &pk);
    TU_CHECK(k == rows[i].kind && pk.kind == k && state == rows[i].state_out,
             "row '%s': kind %d state %d, want kind %d state %d", rows[i].name,
             (int)k, state, (int)rows[i].kind, rows[i].state_out);
    TU_CHECK(pk.line.ptr == p && pk.line.len == len,
             "row '%s': line span is not the whole line", rows[i].name);
    /* The batch callers' restatement of the rule (framing.h) agrees. */
    int after = wr_http_state_after(rows[i].state_in, k);
    TU_CHECK(after == state, "row '%s': wr_http_state_after %d, parse %d",
             rows[i].name, after, state);
    tu_count(1);
  }
  tu_guard_free(&g);
}

/* Names longer than 50 bytes come back from wr_http_field as received. */
static void test_long_field(void **st) {
  (void)st;
  tu_guard g;
  tu_guard_init(&g, 4096);
  char line[400];
  for (size_t n = 45; n <= 300; n++) {
    for (size_t k = 0; k < n; k++)
      line[k] = (char)((k % 7 == 3) ? '-' : "aBcDeFg"[k % 7]);
    memcpy(line + n, ":v\r\n", 4);
    int state = WR_HTTP_HEADERS;
    wr_http_packet p;
    const uint8_t *in = tu_guard_place(&g, line, n + 4);
    wr_http_kind kind = wr_http_parse(in, n + 4, &state, &p);
    TU_CHECK(kind == WR_HTTP_HEADER, "name of %zu bytes: kind %d", n,
             (int)kind);
    wr_span f = wr_http_field(&p);
    TU_CHECK(f.len == n, "name of %zu bytes: field of %zu", n, f.len);
    TU_CHECK(p.raw_field.ptr == in && p.raw_field.len == n,
             "name of %zu bytes: raw_field wrong", n);
    if (n > WR_HTTP_MAX_NAME_LEN) {
      TU_CHECK(memcmp(f.ptr, line, n) == 0, "name of %zu bytes was modified",
               n);
    } else {
      /* canonical: upper after start or a '-' that was not itself the
       * upper-case position, lower elsewhere */
      int up = 1;
      for (size_t k = 0; k < n; k++) {
        char c = line[k];
        char want = up ? (char)toupper((unsigned char)c)
                       : (char)tolower((unsigned char)c);
        up = up ? 0 : c == '-';
        TU_CHECK(f.ptr[k] == (uint8_t)want,
                 "name of %zu bytes, byte %zu: '%c' want '%c'", n, k, f.ptr[k],
                 want);
      }
    }
    tu_count(1);
  }
  tu_guard_free(&g);
}

/* ---- whole conversations with the state carried along (3.3) -----------------
 */

static const struct {
  const char *name;
  wr_packet_type type;
  tu_bytes in;
  const char *log;
} convo_rows[] = {
    {"request, headers, error keeps HDR, eoh, next request", HB,
     TU_B("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\nGET /2 HTTP/1.0\r\n"),
     "{http_request,'GET',{abs_path,\"/\"},{1,1}} "
     "{http_header,14,'Host',\"Host\",\"x\"} "
     "{http_error,\"Bad Header\\r\\n\"} http_eoh "
     "{http_request,'GET',{abs_path,\"/2\"},{1,0}} more left 0"},
    {"response and headers", HB,
     TU_B("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
     "{http_response,{1,1},200,\"OK\"} "
     "{http_header,38,'Content-Length',\"Content-Length\",\"0\"} http_eoh "
     "more left 0"},
    {"error in request state keeps REQ", H,
     TU_B("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"),
     "{http_error,\"\\r\\n\"} {http_request,'GET',{abs_path,\"/\"},{1,1}} "
     "{http_header,14,'Host',\"Host\",\"x\"} http_eoh more left 0"},
    {"body after eoh parses as a request", HB,
     TU_B("POST / HTTP/1.1\r\n\r\nBODYGET /y HTTP/1.0\r\n"),
     "{http_request,'POST',{abs_path,\"/\"},{1,1}} http_eoh "
     "{http_request,\"BODYGET\",{abs_path,\"/y\"},{1,0}} more left 0"},
    {"folded header in a request", HB,
     TU_B("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"),
     "{http_request,'GET',{abs_path,\"/\"},{1,1}} "
     "{http_header,0,\"X\",\"X\",\"a\\r\\n b\"} http_eoh more left 0"},
    {"last header waits for look-ahead", HB,
     TU_B("GET / HTTP/1.1\r\nHost: x\r\n"),
     "{http_request,'GET',{abs_path,\"/\"},{1,1}} more left 9"},
    {"httph stays in header state", HHB, TU_B("A: 1\r\n\r\nB: 2\r\n\r\n"),
     "{http_header,0,\"A\",\"A\",\"1\"} http_eoh "
     "{http_header,0,\"B\",\"B\",\"2\"} http_eoh more left 0"},
};

/* A header packet's fields that a header does not use are zero, as a
 * = {0} packet has them, whichever path parsed it: the one-pass header path
 * of wr_frame_http (a line with a byte after it that does not fold) and
 * wr_http_parse, into packets filled with garbage first. */
static void zero_outside_header(const wr_http_packet *p, const char *what) {
  TU_CHECK(p->kind == WR_HTTP_HEADER, "%s: kind %d, want a header", what,
           (int)p->kind);
  TU_CHECK(p->major == 0 && p->minor == 0 && p->method.ptr == NULL &&
               p->method.len == 0 && p->method_index == 0 && p->uri.kind == 0 &&
               p->uri.s1.ptr == NULL && p->uri.s1.len == 0 &&
               p->uri.s2.ptr == NULL && p->uri.s2.len == 0 &&
               p->uri.port == 0 && p->status == 0 && p->reason.ptr == NULL &&
               p->reason.len == 0,
           "%s: a field a header does not use is not zero", what);
}

static void test_header_fields_zero(void **st) {
  (void)st;
  static const char *const lines[] = {
      "Host: x\r\nA", "X-Custom-Name: v\r\nA", "Content-Length:  12\r\n\r\n",
      "A-Very-Long-Header-Name-Over-Sixteen: value\nB"};
  wr_framing cfg = wr_framing_default(WR_PACKET_HTTPH_BIN);
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    const uint8_t *b = (const uint8_t *)lines[i];
    size_t n = strlen(lines[i]);
    wr_http_packet p;
    wr_frame f;
    memset(&p, 0x5a, sizeof p);
    int state = WR_HTTP_HEADERS;
    TU_CHECK(wr_frame_http(&cfg, &state, b, n, &f, &p) == WR_FRAME_PACKET,
             "wr_frame_http on \"%s\"", lines[i]);
    zero_outside_header(&p, lines[i]);
    memset(&p, 0x5a, sizeof p);
    state = WR_HTTP_HEADERS;
    wr_http_parse(f.packet.ptr, f.packet.len, &state, &p);
    zero_outside_header(&p, lines[i]);
    tu_count(1);
  }
}

static void test_conversations(void **st) {
  (void)st;
  for (size_t i = 0; i < FR_COUNT(convo_rows); i++) {
    wr_framing cfg = wr_framing_default(convo_rows[i].type);
    fr_split(convo_rows[i].name, &cfg, 1, convo_rows[i].in.p,
             convo_rows[i].in.n, convo_rows[i].log);
  }
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_line_framing),
      cmocka_unit_test(test_request_lines),
      cmocka_unit_test(test_status_lines),
      cmocka_unit_test(test_header_lines),
      cmocka_unit_test(test_wide_lines),
      cmocka_unit_test(test_known_headers),
      cmocka_unit_test(test_name_tables),
      cmocka_unit_test(test_parse_state),
      cmocka_unit_test(test_long_field),
      cmocka_unit_test(test_conversations),
      cmocka_unit_test(test_header_fields_zero),
  };
  return fr_main(argc, argv, "framing_http", tests, FR_COUNT(tests), tables,
                 FR_COUNT(tables));
}
