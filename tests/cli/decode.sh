#!/bin/sh
# `wirerig decode` as a program: usage errors and unreadable input exit 2
# with a message, framing errors exit 1, sample streams and batch lines
# give exactly the documented output.
#
#   tests/cli/decode.sh WIRERIG
set -u
wirerig=${1:?usage: decode.sh WIRERIG}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
count=0

# check NAME RC STDOUT STDERR -- ARGS...   (standard input: $tmp/in)
# STDOUT must match exactly; STDERR must contain the given text ("" = empty).
check() {
  name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 5
  count=$((count + 1))
  "$wirerig" decode "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
  ok=1
  [ "$rc" = "$want_rc" ] || ok=0
  [ "$out" = "$want_out" ] || ok=0
  if [ -z "$want_err" ]; then
    [ -z "$err" ] || ok=0
  else
    case "$err" in *"$want_err"*) ;; *) ok=0 ;; esac
  fi
  if [ $ok -eq 0 ]; then
    failures=$((failures + 1))
    printf 'FAIL %s: wirerig decode %s\n' "$name" "$*"
    printf '  exit %s (expected %s)\n' "$rc" "$want_rc"
    printf '  stdout:\n%s\n  expected stdout:\n%s\n' "$out" "$want_out"
    printf '  stderr:\n%s\n  expected stderr containing:\n%s\n' "$err" "$want_err"
  fi
}

# input FORMAT: the next checks read printf FORMAT (escapes like \000 are
# the point, so the format is deliberately the argument).
# shellcheck disable=SC2059
input() { printf "$1" >"$tmp/in"; }

# ---- usage errors: exit 2, a message naming the problem ----
input ''
check "no arguments" 2 "" "--packet TYPE is required (or use --batch)" --
check "unknown type" 2 "" \
  "wirerig decode: --packet: unknown packet type 'x3'; expected one of raw 0 1 2 4 asn1 sunrm cdr fcgi tpkt line http httph http_bin httph_bin" \
  -- --packet x3
check "type 3" 2 "" "unknown packet type '3'" -- --packet 3
check "negative size" 2 "" \
  "wirerig decode: --packet-size: expected an integer 0..4294967295, found '-1'" \
  -- --packet 2 --packet-size -1
check "size too big" 2 "" "found '4294967296'" -- --packet 2 --packet-size 4294967296
check "line length not a number" 2 "" \
  "--line-length: expected an integer 0..4294967295, found 'ten'" \
  -- --packet line --line-length ten
check "delimiter with packet 2" 2 "" \
  "--line-delimiter is only valid with --packet line" \
  -- --packet 2 --line-delimiter 10
check "delimiter 256" 2 "" "--line-delimiter: expected a byte" \
  -- --packet line --line-delimiter 256
check "delimiter two chars" 2 "" "found 'ab'" -- --packet line --line-delimiter ab
check "missing value" 2 "" "--packet needs a value" -- --packet
check "given twice" 2 "" "--packet is given more than once" -- --packet 2 --packet 4
check "unknown option" 2 "" "unknown option '--frobnicate'" -- --packet 2 --frobnicate
check "two files" 2 "" "more than one input file" -- --packet 2 a b
check "batch with packet" 2 "" "--packet cannot be combined with --batch" \
  -- --batch --packet 2
check "missing file" 2 "" \
  "wirerig decode: cannot open '$tmp/missing': No such file or directory" \
  -- --packet 2 "$tmp/missing"
check "directory" 2 "" "cannot read '$tmp': it is a directory" -- --packet 2 "$tmp"
check "batch missing file" 2 "" "cannot open '$tmp/missing'" -- --batch "$tmp/missing"

# ---- help ----
count=$((count + 1))
if ! "$wirerig" decode --help | grep -q '^usage: wirerig decode --packet TYPE'; then
  failures=$((failures + 1))
  echo "FAIL help: no usage line on stdout"
fi

# ---- streams ----
input '\000\005hello\000\002hi\000\011abc'
check "packet 2 needs more" 0 'packet 1 at offset 0 (5 bytes): "hello"
packet 2 at offset 7 (2 bytes): "hi"
end: need 6 more bytes: the packet at offset 11 is 11 bytes, 5 present' "" -- --packet 2
check "packet 2 json" 0 '{"result":"ok","offset":0,"packet":"hello"}
{"result":"ok","offset":7,"packet":"hi"}
{"result":"more","offset":11,"length":11,"missing":6}' "" -- --packet 2 --json
check "packet 2 from a file" 0 'packet 1 at offset 0 (5 bytes): "hello"
packet 2 at offset 7 (2 bytes): "hi"
end: need 6 more bytes: the packet at offset 11 is 11 bytes, 5 present' "" -- --packet 2 "$tmp/in"
# packet_size 5 admits "hello" and "hi" but not the 9-byte body after them.
check "packet 2 too big" 1 'packet 1 at offset 0 (5 bytes): "hello"
packet 2 at offset 7 (2 bytes): "hi"
error at offset 11: invalid packet (decode_packet returns {error,invalid}; a socket fails with emsgsize)' "" \
  -- --packet 2 --packet-size 5
check "packet 2 too big json" 1 '{"result":"ok","offset":0,"packet":"hello"}
{"result":"ok","offset":7,"packet":"hi"}
{"result":"error","offset":11,"reason":"invalid"}' "" -- --packet 2 --packet-size=5 --json

input '\001\000\001\000\000\003\002\000abc\000\000'
check "fcgi padding" 0 'packet 1 at offset 0 (11 bytes): "\x01\x00\x01\x00\x00\x03\x02\x00abc"
end: complete at offset 13 (1 packet)' "" -- --packet fcgi

input ''
check "empty input" 0 'end: complete at offset 0 (0 packets)' "" -- --packet raw
check "empty input json" 0 '{"result":"complete","offset":0,"packets":0}' "" -- --packet 4 --json

input 'a,b\nc,'
check "line delimiter char" 0 'packet 1 at offset 0 (2 bytes): "a,"
packet 2 at offset 2 (4 bytes): "b\nc,"
end: complete at offset 6 (2 packets)' "" -- --packet line --line-delimiter ,
check "line delimiter escape" 0 'packet 1 at offset 0 (4 bytes): "a,b\n"
end: need more bytes, length unknown: 2 bytes present at offset 4' "" \
  -- --packet line --line-delimiter '\n'
check "line delimiter hex" 0 'packet 1 at offset 0 (2 bytes): "a,"
packet 2 at offset 2 (4 bytes): "b\nc,"
end: complete at offset 6 (2 packets)' "" -- --packet line --line-delimiter '\x2c'
check "line length" 0 'packet 1 at offset 0 (2 bytes): "a,"
packet 2 at offset 2 (2 bytes): "b\n"
packet 3 at offset 4 (2 bytes): "c,"
end: complete at offset 6 (3 packets)' "" -- --packet line --line-length 2

# The HTTP state carries over: request line, headers, then a request line.
input 'GET /x HTTP/1.1\r\nhost: a\r\nX-foo: b\r\n\r\nBODYGET / HTTP/1.0\r\n'
check "http stream" 0 "packet 1 at offset 0: {http_request,'GET',{abs_path,\"/x\"},{1,1}}
packet 2 at offset 17: {http_header,14,'Host',\"host\",\"a\"}
packet 3 at offset 26: {http_header,0,\"X-Foo\",\"X-foo\",\"b\"}
packet 4 at offset 36: http_eoh
packet 5 at offset 38: {http_request,\"BODYGET\",{abs_path,\"/\"},{1,0}}
end: complete at offset 58 (5 packets)" "" -- --packet http
# http_bin: the same terms with binaries for strings, as Erlang prints them.
check "http_bin stream" 0 "packet 1 at offset 0: {http_request,'GET',{abs_path,<<\"/x\">>},{1,1}}
packet 2 at offset 17: {http_header,14,'Host',<<\"host\">>,<<\"a\">>}
packet 3 at offset 26: {http_header,0,<<\"X-Foo\">>,<<\"X-foo\">>,<<\"b\">>}
packet 4 at offset 36: http_eoh
packet 5 at offset 38: {http_request,<<\"BODYGET\">>,{abs_path,<<\"/\">>},{1,0}}
end: complete at offset 58 (5 packets)" "" -- --packet http_bin
check "http stream json" 0 '{"result":"ok","offset":0,"packet":{"type":"http_request","method":"GET","method_known":true,"uri":{"type":"abs_path","path":"/x"},"version":[1,1]}}
{"result":"ok","offset":17,"packet":{"type":"http_header","index":14,"field":"Host","field_known":true,"raw_field":"host","value":"a"}}
{"result":"ok","offset":26,"packet":{"type":"http_header","index":0,"field":"X-Foo","field_known":false,"raw_field":"X-foo","value":"b"}}
{"result":"ok","offset":36,"packet":{"type":"http_eoh"}}
{"result":"ok","offset":38,"packet":{"type":"http_request","method":"BODYGET","method_known":false,"uri":{"type":"abs_path","path":"/"},"version":[1,0]}}
{"result":"complete","offset":58,"packets":5}' "" -- --packet http --json
# httph parses every line as a header, so the first line is an error, and
# the last one waits for the next byte (it could be a folded header).
check "httph stream" 0 "packet 1 at offset 0: {http_error,\"GET /x HTTP/1.1\\r\\n\"}
packet 2 at offset 17: {http_header,14,'Host',\"host\",\"a\"}
packet 3 at offset 26: {http_header,0,\"X-Foo\",\"X-foo\",\"b\"}
packet 4 at offset 36: http_eoh
end: need more bytes, length unknown: 20 bytes present at offset 38" "" -- --packet httph
check "http line limit" 1 'error at offset 0: invalid packet (decode_packet returns {error,invalid}; a socket fails with emsgsize)' "" \
  -- --packet http --packet-size 10

# ---- batch ----
cat >"$tmp/in" <<'LINES'
{"packet":"2","input":"\u0000\u0003abcd"}
{"packet":"http_bin","input":"HTTP/1.1 2147483648 OK\r\n"}
{"packet":"httph_bin","input":"content-md5: x\r\n\r\n"}
{"packet":"line","line_delimiter":44,"line_length":0,"packet_size":0,"input":"a,b"}
{"packet":"4","input":"\u0080\u0000\u0000\u0000"}
{"packet":"asn1","input":"0\u0081"}
{"packet":"http","input":"GET http://[::1]:4000/x HTTP/1.1\r\n"}

{"packet":"2","line_delimiter":44,"input":""}
{"packet":"x3","input":""}
{"packet":"2","input":"\u20ac"}
{"packet":"2","input":"", "foo":1}
{"packet":"2","packet_size":-1,"input":""}
{"packet":"2","packet_size":1.5,"input":""}
{"packet":"line","line_delimiter":256,"input":""}
{"packet":"2" "input":""}
{"packet":"2"}
{"input":""}
{"packet":2,"input":""}
{"packet":"2","input":null}
[1]
{"packet":"2","input":"","input":""}
LINES
cat >"$tmp/expect" <<'LINES'
{"result":"ok","packet":"abc","rest":"d"}
{"result":"ok","packet":{"type":"http_response","version":[1,1],"status":-2147483648,"reason":"OK"},"rest":""}
{"result":"ok","packet":{"type":"http_header","index":40,"field":"Content-Md5","field_known":true,"raw_field":"content-md5","value":"x"},"rest":"\u000d\u000a"}
{"result":"ok","packet":"a,","rest":"b"}
{"result":"error","reason":"invalid"}
{"result":"more","length":null}
{"result":"ok","packet":{"type":"http_request","method":"GET","method_known":true,"uri":{"type":"absoluteURI","scheme":"http","host":"[","port":null,"path":"/x"},"version":[1,1]},"rest":""}
{"result":"bad_input","detail":"line 8: empty line (expected a JSON object)","line":8}
{"result":"bad_input","detail":"line 9: \"line_delimiter\" is only valid with packet \"line\" (decode_packet/3 raises badarg)","line":9}
{"result":"bad_input","detail":"line 10: \"packet\": unknown packet type \"x3\"; expected one of raw 0 1 2 4 asn1 sunrm cdr fcgi tpkt line http httph http_bin httph_bin","line":10}
{"result":"bad_input","detail":"line 11: \"input\": character 1 is above U+00FF; each character stands for one byte, U+0000..U+00FF","line":11}
{"result":"bad_input","detail":"line 12: unknown field \"foo\"; expected packet, input, packet_size, line_length, line_delimiter","line":12}
{"result":"bad_input","detail":"line 13: \"packet_size\": expected an integer 0..4294967295, found -1","line":13}
{"result":"bad_input","detail":"line 14: \"packet_size\": expected an integer 0..4294967295, found 1.5","line":14}
{"result":"bad_input","detail":"line 15: \"line_delimiter\": expected an integer 0..255, found 256","line":15}
{"result":"bad_input","detail":"line 16, column 21: invalid JSON: '}' expected near '\"input\"'","line":16,"column":21}
{"result":"bad_input","detail":"line 17: missing field \"input\"","line":17}
{"result":"bad_input","detail":"line 18: missing field \"packet\"","line":18}
{"result":"bad_input","detail":"line 19: \"packet\": expected a string, found number","line":19}
{"result":"bad_input","detail":"line 20: \"input\": expected a string, found null","line":20}
{"result":"bad_input","detail":"line 21: expected an object, found array","line":21}
{"result":"bad_input","detail":"line 22, column 32: invalid JSON: duplicate object key near '\"input\"'","line":22,"column":32}
LINES
check "batch" 0 "$(cat "$tmp/expect")" "" -- --batch

# A last line without a newline is still answered; --json is accepted.
printf '{"packet":"raw","input":"x"}' >"$tmp/in"
check "batch last line" 0 '{"result":"ok","packet":"x","rest":""}' "" -- --batch --json

# Many lines are answered in order (and quickly: the test has a timeout).
i=0
: >"$tmp/in"
while [ $i -lt 2000 ]; do
  printf '{"packet":"1","input":"\\u0001%d"}\n' $((i % 10)) >>"$tmp/in"
  i=$((i + 1))
done
count=$((count + 1))
"$wirerig" decode --batch <"$tmp/in" >"$tmp/out"
lines=$(wc -l <"$tmp/out")
last=$(tail -n 1 "$tmp/out")
if [ "$lines" -ne 2000 ] || [ "$last" != '{"result":"ok","packet":"9","rest":""}' ]; then
  failures=$((failures + 1))
  echo "FAIL batch 2000 lines: $lines lines, last '$last'"
fi

# ---- streaming: packets come out as the input arrives ----
# The first packet must be printed while the writer still holds the pipe
# open (a decoder that read everything first would print nothing yet); then
# the rest arrives and the end is reported. Bounded: 100 polls of 0.1 s.
count=$((count + 1))
mkfifo "$tmp/fifo"
"$wirerig" decode --packet 1 "$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
dec=$!
exec 3>"$tmp/fifo"
printf '\003abc' >&3
i=0
while [ $i -lt 100 ] && ! grep -q '^packet 1 ' "$tmp/out"; do
  sleep 0.1
  i=$((i + 1))
done
early=$(cat "$tmp/out")
printf '\002de' >&3
exec 3>&-
wait $dec
rc=$?
want='packet 1 at offset 0 (3 bytes): "abc"
packet 2 at offset 4 (2 bytes): "de"
end: complete at offset 7 (2 packets)'
if [ "$early" != 'packet 1 at offset 0 (3 bytes): "abc"' ] || [ $rc -ne 0 ] ||
  [ "$(cat "$tmp/out")" != "$want" ]; then
  failures=$((failures + 1))
  echo "FAIL streaming: before the end '$early', exit $rc, output:"
  cat "$tmp/out" "$tmp/err"
fi

# A long input (8 MB, many read chunks) decodes completely; the framer's
# own test (test_framer) shows the memory stays bounded.
count=$((count + 1))
awk 'BEGIN { for (i = 0; i < 8000; i++) printf "%0999d\n", i }' >"$tmp/big"
last=$("$wirerig" decode --packet line "$tmp/big" | tail -n 1)
if [ "$last" != "end: complete at offset 8000000 (8000 packets)" ]; then
  failures=$((failures + 1))
  echo "FAIL big input: last line '$last'"
fi

echo "cli_decode: $count checks, $failures failed"
[ "$failures" -eq 0 ]
