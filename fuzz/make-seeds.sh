#!/usr/bin/env bash
# Writes the hand-made seed inputs under fuzz/corpus/<target>/. Re-running it
# rewrites the same files byte for byte; it never touches other files there
# (crash-* inputs found by fuzzing stay). Input layouts are described at the
# top of each target's source file; the cases come from docs/semantics.md.
#
# Usage: fuzz/make-seeds.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus
cd corpus

# seed TARGET NAME FORMAT: the bytes printf FORMAT produces (\xHH escapes).
seed() {
  mkdir -p "$1"
  printf -- "$3" >"$1/seed-$2"
}

# ---- split_<type>: 4 option bytes, then the stream ----------------------
# Option bytes: packet_size code, line_length code, delimiter code (0 = LF),
# then the number k of chunk-size bytes that follow (0 = byte at a time).
# Codes below 128 are the value itself.
O='\x00\x00\x00\x00'            # no limits, LF, one byte at a time
C='\x00\x00\x00\x03\x02\x05\x00' # no limits, LF, chunks of 2, 5, 0 in turn

seed split_raw bytes "${O}hello"
seed split_raw chunks "${C}hello, world"
seed split_raw empty "${O}"

seed split_1 two "${O}\x03abc\x00\x01z"
seed split_1 short "${O}\x03ab"
seed split_1 ps-equal '\x03\x00\x00\x00\x03abc'
seed split_1 ps-over '\x02\x00\x00\x00\x03abc'

seed split_2 hello "${C}\x00\x05hello\x00\x00\x00\x01x"
seed split_2 more-65537 "${O}\xff\xff"
seed split_2 ps-over '\x04\x00\x00\x00\x00\x05hello'

seed split_4 hello "${C}\x00\x00\x00\x05hello\x00\x00\x00\x00"
seed split_4 int-max "${O}\x7f\xff\xff\xfb"
seed split_4 over-int-max "${O}\x7f\xff\xff\xfc"
seed split_4 top-bit "${O}\x80\x00\x00\x00"

seed split_asn1 short-form "${C}\x30\x03\x02\x01\x05\x04\x00"
seed split_asn1 long-1 "${O}\x30\x81\xc8"
seed split_asn1 long-2 "${O}\x30\x82\x01\x00"
seed split_asn1 multi-byte-tag "${O}\x1f\x81\x01\x02ab"
seed split_asn1 indefinite "${O}\x30\x80\x02\x01\x05\x00\x00"
seed split_asn1 len-of-len-5 "${O}\x30\x85\x00\x00\x00\x00\x01"
seed split_asn1 over-int-max "${O}\x30\x84\x7f\xff\xff\xfa"
seed split_asn1 ps-equal '\x03\x00\x00\x00\x04\x03abc'

seed split_sunrm last-fragment "${C}\x80\x00\x00\x03abc\x00\x00\x00\x01z"
seed split_sunrm int-max "${O}\xff\xff\xff\xfb"
seed split_sunrm over-int-max "${O}\xff\xff\xff\xfc"

seed split_cdr big-endian "${C}GIOP\x01\x00\x00\x00\x00\x00\x00\x03abc"
seed split_cdr little-endian "${O}GIOP\x01\x02\x01\x07\x03\x00\x00\x00abc"
seed split_cdr bad-magic "${O}GIOp\x01\x00\x00\x00\x00\x00\x00\x00"
seed split_cdr eleven "${O}XXXX\x01\x00\x00\x00\x00\x00\x00"

seed split_fcgi padded "${C}\x01\x05\x00\x01\x00\x03\x05\x00abc\x00\x00\x00\x00\x00"
seed split_fcgi more-13 "${O}\x01\x01\x00\x01\x00\x03\x02\x00abc\x00"
seed split_fcgi version-2 "${O}\x02\x01\x00\x01\x00\x00\x00\x00"
seed split_fcgi ps-padding '\x04\x00\x00\x00\x01\x01\x00\x01\x00\x03\x01\x00abc\x00'

seed split_tpkt hello "${C}\x03\x00\x00\x09hello\x03\x00\x00\x04"
seed split_tpkt length-3 "${O}\x03\x00\x00\x03"
seed split_tpkt version-2 "${O}\x02\x00\x00\x07abc"

seed split_line lines "${C}abc\ndef\r\n\nlast"
seed split_line truncated '\x00\x03\x00\x00abcdef\n'
seed split_line ps-equal '\x05\x00\x00\x00\x31234\n'
seed split_line ps-over '\x04\x00\x00\x00\x31234\n'
seed split_line ps-before-trunc '\x0a\x05\x00\x00abcdefghijkl\n'
seed split_line comma '\x00\x00\x26\x02\x01\x03a,bc,,d'

REQ='GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n'
RSP='HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=b\r\n\r\n'
for t in http http_bin; do
  seed split_$t request "${O}${REQ}"
  seed split_$t request-chunks "${C}${REQ}"
  seed split_$t response "${C}${RSP}"
  seed split_$t folded "${O}POST /x HTTP/1.0\r\nX-Long: a\r\n b\r\n\tc\r\n\r\n"
  seed split_$t absolute-uri "${O}GET http://h:8080/p?q HTTP/1.1\r\nhost:h\r\n\r\n"
  seed split_$t absolute-no-path "${O}GET HTTP://h:80 HTTP/1.1\r\n\r\n"
  seed split_$t options-star "${O}OPTIONS * HTTP/1.1\r\n\r\n"
  seed split_$t http09 "${O}GET /\r\n"
  seed split_$t leading-crlf "${O}\r\nGET / HTTP/1.0\r\n\r\n"
  seed split_$t errors "${O}HTTP/1.1\r\nHTTP/1.1 OK\r\nG(T / HTTP/1.1\r\n"
  seed split_$t body-as-request "${O}GET /y HTTP/1.0\r\n\r\nBODYGET /y HTTP/1.0\r\n"
  seed split_$t limit-12 '\x0c\x00\x00\x00GET / HTTP/1.1\r\n'
  seed split_$t line-length-16 '\x00\x10\x00\x00GET / HTTP/1.1\r\nHost: x\r\n'
  seed split_$t lf-only "${O}GET / HTTP/1.1\nHost: x\n\n"
done
for t in httph httph_bin; do
  seed split_$t headers "${C}Host: x\r\nAccept: */*\r\nContent-Length: 3\r\n\r\n"
  seed split_$t folded-13 '\x0d\x00\x00\x00Host: x\r\n y\r\nX'
  seed split_$t folded-12 '\x0c\x00\x00\x00Host: x\r\n y\r\nX'
  seed split_$t canonical "${O}x-custom-HEADER: v\r\na--b_c.d: w\r\nwww-authenticate: z\r\n\r\n"
  seed split_$t long-name "${O}an-unusually-long-header-name-over-fifty-bytes-long-x: v\r\n\r\n"
  seed split_$t errors "${O}Name : v\r\n Host: v\r\n: v\r\nv\r\r\n\r\n"
  seed split_$t short-continuation "${O}a\n b: c\r\n\r\n"
  seed split_$t cr-alone "${C}\r\n"
done

# ---- http_parse: state byte (bit 0: header state), then one line --------
seed http_parse request '\x00GET /a/b?c=d HTTP/1.1\r\n'
seed http_parse request-text-method '\x00PATCH /x HTTP/1.1\r\n'
seed http_parse request-http09 '\x00GET /\r\n'
seed http_parse request-extra '\x00GET / HTTP/1.1 extra\r\n'
seed http_parse request-absolute '\x00GET https://host:443/p HTTP/1.1\r\n'
seed http_parse request-absolute-no-path '\x00GET http://h:80 HTTP/1.1\r\n'
seed http_parse request-ipv6 '\x00GET http://[::1]:4000/x HTTP/1.1\r\n'
seed http_parse request-scheme '\x00CONNECT host:443 HTTP/1.1\r\n'
seed http_parse request-star '\x00OPTIONS * HTTP/1.0\r\n'
seed http_parse request-bad-version '\x00GET / http/1.1\r\n'
seed http_parse response '\x00HTTP/1.1 200 OK\r\n'
seed http_parse response-no-status '\x00HTTP/1.1 \r\n'
seed http_parse response-leading-zeros '\x00HTTP/01.001 404 Not  Found  \r\n'
seed http_parse response-glued '\x00HTTP/1.1 200OK\r\n'
seed http_parse header '\x01Content-Type: text/plain\r\n'
seed http_parse header-folded '\x01X-A: a\r\n b\r\n\tc\r\n'
seed http_parse header-empty-name '\x01: v\r\n'
seed http_parse header-del '\x01X\x7fy: v\r\n'
seed http_parse header-cr-cr '\x01X: v\r\r\n'
seed http_parse header-long '\x01abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij: v\r\n'
seed http_parse eoh '\x01\r\n'
seed http_parse eoh-lf '\x01\n'
seed http_parse no-terminator '\x01Host: x'

# ---- roundtrip: type, delimiter code, split fraction, 5-byte size, payload
rt() { # NAME TYPE-INDEX PAYLOAD
  seed roundtrip "$1" "$2"'\x00\x80\x2c\x01\x00\x00\x00'"$3"
}
types=(raw 1 2 4 asn1 sunrm cdr fcgi tpkt line http httph http_bin httph_bin)
for i in "${!types[@]}"; do
  rt "${types[$i]}" "$(printf '\\x%02x' "$i")" 'hello, world'
  rt "${types[$i]}-empty" "$(printf '\\x%02x' "$i")" ''
done
seed roundtrip wrap-2-70000 '\x02\x00\x00\x70\x11\x01\x00\x00ab'
seed roundtrip wrap-4-2to32 '\x03\x00\x00\x00\x00\x00\x00\x01ab'
seed roundtrip asn1-200 '\x04\x00\xff\x00\x00\x00\x00\x00'"$(printf 'x%.0s' {1..200})"
seed roundtrip line-with-delimiter '\x09\x00\x80\x00\x00\x00\x00\x00a\nb'

# ---- stream: type, buffer code, packet_size code, then operations -------
# Operation byte = argument << 3 | op: 0x00 N read N bytes (reserve/commit),
# 0x01 N read N bytes (feed), 0x02 next, 0x03 next until it stops,
# a<<3|4 set type a, 0x05 B set buffer, 0x06 P set packet_size,
# 0x0e D set delimiter, 0x07 N take N, 0x0f discard.
# rd / fd DATA: a read / feed operation carrying DATA (< 256 bytes).
rd() { printf '\\x00\\x%02x%s' "$(printf -- "$1" | wc -c)" "$1"; }
fd() { printf '\\x01\\x%02x%s' "$(printf -- "$1" | wc -c)" "$1"; }
seed stream packet-2 "\x02\x00\x00$(rd '\x00\x05hello\x00\x01x')\x03"
seed stream packet-2-buffer-1 "\x02\x01\x00$(rd '\x00\x05hello')\x03"
seed stream packet-2-buffer-2 "\x02\x02\x00$(fd '\x00\x05hello')\x03"
seed stream cdr-buffer-4 "\x06\x04\x00$(fd 'GIOP\x01\x00\x00\x00\x00\x00\x00\x03abc')\x03"
seed stream raw-buffer-4 "\x00\x04\x00$(rd 'abcdefghij')\x03"
seed stream raw-feed "\x00\x04\x00$(fd 'abcdefghij')\x03"
seed stream line-buffer-8 "\x09\x08\x1e$(fd 'abcdefghijklmnopqrstu\n')\x03"
seed stream line-comma "\x09\x00\x00\x0e\x26$(rd 'a,b,c,')\x03"
seed stream http-then-raw "\x0a\x00\x00$(rd 'POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody')\x02\x02\x02\x04\x02"
seed stream http-buffer-64 "\x0a\x40\x00$(fd "GET /$(printf 'a%.0s' {1..51}) HTTP/1.1\r\n")\x03"
seed stream httph-headers "\x0b\x00\x00$(fd 'Host: x\r\nAccept: y\r\n\r\nX')\x03"
seed stream fcgi-take "\x07\x00\x00$(rd '\x01\x05\x00\x01\x00\x03\x05\x00abc\x00\x00\x00\x00\x00')\x07\x03\x03"
seed stream tpkt-discard "\x08\x00\x00$(rd '\x03\x00\x00\x09h')\x0f$(rd '\x03\x00\x00\x04')\x03"
seed stream type-change "\x04\x00\x00$(rd '\x30\x03\x02')\x14\x03$(rd '\x01\x05')\x03"
seed stream http-packet-size "\x0a\x08\x06\x10$(fd 'GET /abcdefghijkl HTTP/1.1\r\n')\x03"
