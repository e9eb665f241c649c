/* Framing of the byte-oriented packet types: raw, 1, 2, 4, asn1, sunrm,
 * cdr, fcgi, tpkt and line (semantics §1 and §2).
 *
 * Every row is one erlang:decode_packet/3 call and OTP 25's answer; see
 * test_framing_common.h for how each row is checked (one-shot, every
 * truncation, every split, and against real Erlang with --erlang).
 *
 * C string escapes in the inputs: octal escapes (\3) stop at a non-octal
 * character, hex escapes (\xff) never stop at a hex digit, so literals are
 * cut ("\xff" "abc", "\0" "12345") wherever a digit or a-f follows.
 */
#include "test_framing_common.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RAW WR_PACKET_RAW
#define P1 WR_PACKET_1
#define P2 WR_PACKET_2
#define P4 WR_PACKET_4
#define ASN1 WR_PACKET_ASN1
#define SUNRM WR_PACKET_SUNRM
#define CDR WR_PACKET_CDR
#define FCGI WR_PACKET_FCGI
#define TPKT WR_PACKET_TPKT
#define LINE WR_PACKET_LINE

/* ---- raw / 0 (2.1) --------------------------------------------------- */
static const fr_row raw_rows[] = {
    {"raw empty", RAW, IN(""), MORE_U},
    {"raw delivers everything", RAW, IN("abc"), PKT("abc", 0)},
    {"raw ignores packet_size", RAW, IN("abcdef"), PS(2), PKT("abcdef", 0)},
    {"raw binary bytes", RAW, IN("\0\xff\n"), PKT("\0\xff\n", 0)},
};

/* ---- packet 1, 2, 4 (2.2) --------------------------------------------- */
static const fr_row len_rows[] = {
    {"p1 empty", P1, IN(""), MORE_U},
    {"p1 zero-length packet", P1, IN("\0"), PKT("", 0)},
    {"p1 zero-length then rest", P1, IN("\0xy"), PKT("", 2)},
    {"p1 body partial", P1, IN("\3ab"), MORE(4)},
    {"p1 header only", P1, IN("\5"), MORE(6)},
    {"p1 complete with rest", P1, IN("\3abcd"), PKT("abc", 1)},
    {"p1 two packets", P1, IN("\1a\2bc"), PKT("a", 3)},
    {"p1 max length", P1, IN("\xff"), MORE(256)},
    {"p1 PS == L", P1, IN("\3abc"), PS(3), PKT("abc", 0)},
    {"p1 PS == L-1", P1, IN("\3abc"), PS(2), INVALID},
    {"p1 PS from header alone", P1, IN("\3"), PS(2), INVALID},
    {"p1 PS 0 is no limit", P1, IN("\3abc"), PS(0), PKT("abc", 0)},
    {"p1 body 5 PS 5", P1,
     IN("\5"
        "12345"),
     PS(5), PKT("12345", 0)},
    {"p1 body 5 PS 4", P1,
     IN("\5"
        "12345"),
     PS(4), INVALID},
    {"p1 line_length ignored", P1, IN("\3abc"), LL(1), PKT("abc", 0)},

    {"p2 one byte", P2, IN("\0"), MORE_U},
    {"p2 zero-length packet", P2, IN("\0\0"), PKT("", 0)},
    {"p2 body partial", P2, IN("\0\5abc"), MORE(7)},
    {"p2 big-endian", P2, IN("\1\0"), MORE(258)},
    {"p2 max length", P2, IN("\xff\xff"), MORE(65537)},
    {"p2 PS == L", P2, IN("\0\3abc!"), PS(3), PKT("abc", 1)},
    {"p2 PS == L-1", P2, IN("\0\3abc!"), PS(2), INVALID},
    {"p2 PS from header alone", P2, IN("\0\3"), PS(2), INVALID},
    {"p2 body 5 PS 5", P2,
     IN("\0\5"
        "12345"),
     PS(5), PKT("12345", 0)},
    {"p2 body 5 PS 4", P2,
     IN("\0\5"
        "12345"),
     PS(4), INVALID},
    {"p2 line_length ignored", P2, IN("\0\3abc"), LL(1), PKT("abc", 0)},

    {"p4 three bytes", P4, IN("\0\0\0"), MORE_U},
    {"p4 zero-length packet", P4, IN("\0\0\0\0"), PKT("", 0)},
    {"p4 body partial", P4, IN("\0\0\0\5ab"), MORE(9)},
    {"p4 big-endian", P4, IN("\0\0\1\0"), MORE(260)},
    {"p4 PS == L", P4, IN("\0\0\0\3abc"), PS(3), PKT("abc", 0)},
    {"p4 PS == L-1", P4, IN("\0\0\0\3abc"), PS(2), INVALID},
    {"p4 body 5 PS 5", P4,
     IN("\0\0\0\5"
        "12345"),
     PS(5), PKT("12345", 0)},
    {"p4 body 5 PS 4", P4,
     IN("\0\0\0\5"
        "12345"),
     PS(4), INVALID},
    /* 1.2 rule 2: H + L must fit in a signed 32-bit int. */
    {"p4 INT_MAX-4 is the largest", P4, IN("\x7f\xff\xff\xfb"),
     MORE(2147483647)},
    {"p4 INT_MAX-3 invalid", P4, IN("\x7f\xff\xff\xfc"), INVALID},
    {"p4 2^31 invalid", P4, IN("\x80\0\0\0"), INVALID},
    {"p4 2^32-1 invalid", P4, IN("\xff\xff\xff\xff"), INVALID},
    {"p4 2^32-1 invalid even under PS", P4, IN("\xff\xff\xff\xff"),
     PS(0xffffffffu), INVALID},
    {"p4 INT_MAX-4 under PS == L", P4, IN("\x7f\xff\xff\xfb"), PS(0x7ffffffbu),
     MORE(2147483647)},
    {"p4 INT_MAX-4 under PS == L-1", P4, IN("\x7f\xff\xff\xfb"),
     PS(0x7ffffffau), INVALID},
};

/* ---- asn1 (2.3) -----------------------------------------------------------
 */
static const fr_row asn1_rows[] = {
    {"asn1 empty", ASN1, IN(""), MORE_U},
    {"asn1 tag only", ASN1, IN("\x30"), MORE_U},
    {"asn1 short form partial", ASN1, IN("\x30\3\1\2"), MORE(5)},
    {"asn1 short form with rest", ASN1, IN("\x30\3\1\2\3\t"),
     PKT("\x30\3\1\2\3", 1)},
    {"asn1 zero length", ASN1, IN("\x30\0"), PKT("\x30\0", 0)},
    {"asn1 octet string", ASN1,
     IN("\4\5"
        "12345"),
     PKT("\4\5"
         "12345",
         0)},
    {"asn1 PS == L", ASN1, IN("\x30\3\1\2\3"), PS(3), PKT("\x30\3\1\2\3", 0)},
    {"asn1 PS == L-1", ASN1, IN("\x30\3\1\2\3"), PS(2), INVALID},
    {"asn1 PS from header alone", ASN1, IN("\x30\3"), PS(2), INVALID},
    {"asn1 body 5 PS 5", ASN1,
     IN("\4\5"
        "12345"),
     PS(5),
     PKT("\4\5"
         "12345",
         0)},
    {"asn1 body 5 PS 4", ASN1,
     IN("\4\5"
        "12345"),
     PS(4), INVALID},
    /* long form: 0x80|k, then k big-endian length bytes */
    {"asn1 0x81 waits for its byte", ASN1, IN("\x30\x81"), MORE_U},
    {"asn1 0x81 200", ASN1, IN("\x30\x81\xc8"), MORE(203)},
    {"asn1 0x81 non-minimal", ASN1, IN("\x30\x81\3\1\2\3"),
     PKT("\x30\x81\3\1\2\3", 0)},
    {"asn1 0x82 needs both bytes", ASN1, IN("\x30\x82\1"), MORE_U},
    {"asn1 0x82 256", ASN1, IN("\x30\x82\1\0"), MORE(260)},
    {"asn1 0x83", ASN1, IN("\x30\x83\0\0\2\1\2"), PKT("\x30\x83\0\0\2\1\2", 0)},
    {"asn1 0x84", ASN1, IN("\x30\x84\0\0\0\2\1\2"),
     PKT("\x30\x84\0\0\0\2\1\2", 0)},
    {"asn1 0x84 INT_MAX-6 is the largest", ASN1, IN("\x30\x84\x7f\xff\xff\xf9"),
     MORE(2147483647)},
    {"asn1 0x84 INT_MAX-5 invalid", ASN1, IN("\x30\x84\x7f\xff\xff\xfa"),
     INVALID},
    {"asn1 0x84 2^32-1 invalid", ASN1, IN("\x30\x84\xff\xff\xff\xff"), INVALID},
    {"asn1 long form PS == L", ASN1, IN("\x30\x81\3\1\2\3"), PS(3),
     PKT("\x30\x81\3\1\2\3", 0)},
    {"asn1 long form PS == L-1", ASN1, IN("\x30\x81\3\1\2\3"), PS(2), INVALID},
    /* k > 4 is invalid, but only once the k bytes are there */
    {"asn1 0x85 waits before judging", ASN1, IN("\x30\x85"), MORE_U},
    {"asn1 0x85 invalid", ASN1, IN("\x30\x85\0\0\0\0\2"), INVALID},
    {"asn1 0xff waits before judging", ASN1, IN("\x30\xff"), MORE_U},
    /* indefinite form: the packet is tag + 0x80, contents come after */
    {"asn1 indefinite 0x80", ASN1, IN("\x30\x80\1\2\0\0"), PKT("\x30\x80", 4)},
    {"asn1 indefinite under PS 1", ASN1, IN("\x30\x80"), PS(1),
     PKT("\x30\x80", 0)},
    /* multi-byte tags: low 5 bits all ones, then bytes with the top bit set,
     * ended by one with it clear */
    {"asn1 multi-byte tag alone", ASN1, IN("\x1f"), MORE_U},
    {"asn1 multi-byte tag open", ASN1, IN("\x1f\x81"), MORE_U},
    {"asn1 multi-byte tag, no length", ASN1, IN("\x1f\x81\1"), MORE_U},
    {"asn1 multi-byte tag partial", ASN1, IN("\x1f\x81\1\2"), MORE(6)},
    {"asn1 multi-byte tag complete", ASN1,
     IN("\x1f\x81\1\2"
        "abz"),
     PKT("\x1f\x81\1\2"
         "ab",
         1)},
    {"asn1 two-byte tag", ASN1, IN("\x1f\5\1a"), PKT("\x1f\5\1a", 0)},
    {"asn1 four-byte tag", ASN1, IN("\x3f\x81\x81\1\x81\1a"),
     PKT("\x3f\x81\x81\1\x81\1a", 0)},
    {"asn1 tag still open", ASN1, IN("\x1f\x81\x81\x81"), MORE_U},
    {"asn1 multi-byte tag and long length", ASN1,
     IN("\x1f\x81\1\x81\2"
        "ab"),
     PKT("\x1f\x81\1\x81\2"
         "ab",
         0)},
    {"asn1 0x1e is a one-byte tag", ASN1, IN("\x1e\5"), MORE(7)},
};

/* ---- sunrm (2.4) --------------------------------------------------------- */
static const fr_row sunrm_rows[] = {
    {"sunrm three bytes", SUNRM, IN("\0\0\0"), MORE_U},
    {"sunrm last fragment", SUNRM, IN("\x80\0\0\3abc"),
     PKT("\x80\0\0\3abc", 0)},
    {"sunrm not last fragment", SUNRM, IN("\0\0\0\3abc"),
     PKT("\0\0\0\3abc", 0)},
    {"sunrm fragments are separate packets", SUNRM, IN("\0\0\0\1a\x80\0\0\1b"),
     PKT("\0\0\0\1a", 5)},
    {"sunrm partial", SUNRM, IN("\x80\0\0\5abc"), MORE(9)},
    {"sunrm empty fragment", SUNRM, IN("\x80\0\0\0"), PKT("\x80\0\0\0", 0)},
    {"sunrm PS == L", SUNRM, IN("\x80\0\0\3abc"), PS(3),
     PKT("\x80\0\0\3abc", 0)},
    {"sunrm PS == L-1", SUNRM, IN("\x80\0\0\3abc"), PS(2), INVALID},
    {"sunrm body 5 PS 5", SUNRM,
     IN("\0\0\0\5"
        "12345"),
     PS(5),
     PKT("\0\0\0\5"
         "12345",
         0)},
    {"sunrm body 5 PS 4", SUNRM,
     IN("\0\0\0\5"
        "12345"),
     PS(4), INVALID},
    {"sunrm top bit masked, INT_MAX-4", SUNRM, IN("\xff\xff\xff\xfb"),
     MORE(2147483647)},
    {"sunrm INT_MAX-4 without the flag", SUNRM, IN("\x7f\xff\xff\xfb"),
     MORE(2147483647)},
    {"sunrm INT_MAX-3 invalid", SUNRM, IN("\xff\xff\xff\xfc"), INVALID},
    {"sunrm INT_MAX invalid", SUNRM, IN("\x7f\xff\xff\xff"), INVALID},
};

/* ---- cdr (2.5) ----------------------------------------------------------- */
static const fr_row cdr_rows[] = {
    {"cdr 11 bytes", CDR, IN("GIOP\1\0\0\0\0\0\0"), MORE_U},
    {"cdr bad magic unseen below 12", CDR, IN("XXXX\1\0\0\0\0\0\0"), MORE_U},
    {"cdr big-endian", CDR, IN("GIOP\1\0\0\0\0\0\0\3abcz"),
     PKT("GIOP\1\0\0\0\0\0\0\3abc", 1)},
    {"cdr little-endian flag", CDR, IN("GIOP\1\0\1\0\3\0\0\0abc"),
     PKT("GIOP\1\0\1\0\3\0\0\0abc", 0)},
    {"cdr LE bytes read big-endian", CDR, IN("GIOP\1\0\0\0\3\0\0\0abc"),
     MORE(50331660)},
    {"cdr flags 3 is little-endian", CDR, IN("GIOP\1\0\3\0\3\0\0\0abc"),
     PKT("GIOP\1\0\3\0\3\0\0\0abc", 0)},
    {"cdr flags 2 is big-endian", CDR, IN("GIOP\1\0\2\0\0\0\0\3abc"),
     PKT("GIOP\1\0\2\0\0\0\0\3abc", 0)},
    {"cdr version and type ignored", CDR, IN("GIOP\11\11\0\x4d\0\0\0\3abc"),
     PKT("GIOP\11\11\0\x4d\0\0\0\3abc", 0)},
    {"cdr partial", CDR, IN("GIOP\1\0\0\0\0\0\0\5abc"), MORE(17)},
    {"cdr header only", CDR, IN("GIOP\1\0\0\0\0\0\0\0"),
     PKT("GIOP\1\0\0\0\0\0\0\0", 0)},
    {"cdr bad magic", CDR, IN("GIOX\1\0\0\0\0\0\0\3abc"), INVALID},
    {"cdr magic is case-sensitive", CDR, IN("giop\1\0\0\0\0\0\0\3abc"),
     INVALID},
    {"cdr PS == L", CDR, IN("GIOP\1\0\0\0\0\0\0\3abc"), PS(3),
     PKT("GIOP\1\0\0\0\0\0\0\3abc", 0)},
    {"cdr PS == L-1", CDR, IN("GIOP\1\0\0\0\0\0\0\3abc"), PS(2), INVALID},
    {"cdr body 5 PS 5", CDR,
     IN("GIOP\1\0\0\0\0\0\0\5"
        "12345"),
     PS(5),
     PKT("GIOP\1\0\0\0\0\0\0\5"
         "12345",
         0)},
    {"cdr body 5 PS 4", CDR,
     IN("GIOP\1\0\0\0\0\0\0\5"
        "12345"),
     PS(4), INVALID},
    {"cdr INT_MAX-12 is the largest", CDR, IN("GIOP\1\0\0\0\x7f\xff\xff\xf3"),
     MORE(2147483647)},
    {"cdr INT_MAX-11 invalid", CDR, IN("GIOP\1\0\0\0\x7f\xff\xff\xf4"),
     INVALID},
    {"cdr INT_MAX-12 little-endian", CDR, IN("GIOP\1\0\1\0\xf3\xff\xff\x7f"),
     MORE(2147483647)},
    {"cdr 2^32-1 invalid", CDR, IN("GIOP\1\0\1\0\xff\xff\xff\xff"), INVALID},
};

/* ---- fcgi (2.6) ---------------------------------------------------------- */
static const fr_row fcgi_rows[] = {
    {"fcgi 7 bytes", FCGI, IN("\1\1\0\1\0\3\2"), MORE_U},
    {"fcgi padding dropped", FCGI, IN("\1\1\0\1\0\3\2\0abc\0\0z"),
     PKT("\1\1\0\1\0\3\2\0abc", 1)},
    {"fcgi more counts padding", FCGI, IN("\1\1\0\1\0\3\2\0abc\0"), MORE(13)},
    {"fcgi header only, more", FCGI, IN("\1\1\0\1\0\5\3\0"), MORE(16)},
    {"fcgi no padding", FCGI, IN("\1\1\0\1\0\3\0\0abc"),
     PKT("\1\1\0\1\0\3\0\0abc", 0)},
    {"fcgi empty content", FCGI, IN("\1\1\0\1\0\0\0\0"),
     PKT("\1\1\0\1\0\0\0\0", 0)},
    {"fcgi padding only", FCGI, IN("\1\1\0\1\0\0\4\0pppp"),
     PKT("\1\1\0\1\0\0\4\0", 0)},
    {"fcgi version 2", FCGI, IN("\2\1\0\1\0\3\0\0abc"), INVALID},
    {"fcgi version 0", FCGI, IN("\0\1\0\1\0\3\0\0abc"), INVALID},
    {"fcgi type, id, reserved ignored", FCGI, IN("\1\x63\xab\xcd\0\1\0\x77x"),
     PKT("\1\x63\xab\xcd\0\1\0\x77x", 0)},
    {"fcgi PS counts padding (== L)", FCGI, IN("\1\1\0\1\0\3\2\0abc\0\0"),
     PS(5), PKT("\1\1\0\1\0\3\2\0abc", 0)},
    {"fcgi PS counts padding (L-1)", FCGI, IN("\1\1\0\1\0\3\2\0abc\0\0"), PS(4),
     INVALID},
    {"fcgi body 5 PS 5", FCGI,
     IN("\1\1\0\1\0\5\0\0"
        "12345"),
     PS(5),
     PKT("\1\1\0\1\0\5\0\0"
         "12345",
         0)},
    {"fcgi body 5 PS 4", FCGI,
     IN("\1\1\0\1\0\5\0\0"
        "12345"),
     PS(4), INVALID},
    {"fcgi largest record", FCGI, IN("\1\1\0\1\xff\xff\xff\0"), MORE(65798)},
};

/* ---- tpkt (2.7) -----------------------------------------------------------
 */
static const fr_row tpkt_rows[] = {
    {"tpkt 3 bytes", TPKT, IN("\3\0\0"), MORE_U},
    {"tpkt bad version unseen below 4", TPKT, IN("\2\0\0"), MORE_U},
    {"tpkt complete with rest", TPKT, IN("\3\0\0\7abcz"),
     PKT("\3\0\0\7abc", 1)},
    {"tpkt partial", TPKT, IN("\3\0\0\11abc"), MORE(9)},
    {"tpkt header-only packet", TPKT, IN("\3\0\0\4"), PKT("\3\0\0\4", 0)},
    {"tpkt length 3", TPKT, IN("\3\0\0\3"), INVALID},
    {"tpkt length 2", TPKT, IN("\3\0\0\2"), INVALID},
    {"tpkt length 1", TPKT, IN("\3\0\0\1"), INVALID},
    {"tpkt length 0", TPKT, IN("\3\0\0\0"), INVALID},
    {"tpkt version 2", TPKT, IN("\2\0\0\7abc"), INVALID},
    {"tpkt version 4", TPKT, IN("\4\0\0\7abc"), INVALID},
    {"tpkt reserved ignored", TPKT, IN("\3\x63\0\7abc"),
     PKT("\3\x63\0\7abc", 0)},
    {"tpkt PS == length-4", TPKT, IN("\3\0\0\7abc"), PS(3),
     PKT("\3\0\0\7abc", 0)},
    {"tpkt PS == length-5", TPKT, IN("\3\0\0\7abc"), PS(2), INVALID},
    {"tpkt body 5 PS 5", TPKT,
     IN("\3\0\0\11"
        "12345"),
     PS(5),
     PKT("\3\0\0\11"
         "12345",
         0)},
    {"tpkt body 5 PS 4", TPKT,
     IN("\3\0\0\11"
        "12345"),
     PS(4), INVALID},
    {"tpkt header-only under PS 1", TPKT, IN("\3\0\0\4"), PS(1),
     PKT("\3\0\0\4", 0)},
    {"tpkt largest", TPKT, IN("\3\0\xff\xff"), MORE(65535)},
};

/* ---- line (2.10) ------------------------------------------------------------
 */
static const fr_row line_rows[] = {
    {"line empty", LINE, IN(""), MORE_U},
    {"line no delimiter", LINE, IN("abc"), MORE_U},
    {"line with rest", LINE, IN("abc\ndef"), PKT("abc\n", 3)},
    {"line just the delimiter", LINE, IN("\n"), PKT("\n", 0)},
    {"line CR is not special", LINE, IN("ab\r\ncd"), PKT("ab\r\n", 2)},
    {"line CR alone is not an end", LINE, IN("ab\r"), MORE_U},
    {"line CR inside", LINE, IN("a\rb\n"), PKT("a\rb\n", 0)},
    {"line truncated at TL", LINE, IN("abcdef\n"), LL(3), PKT("abc", 4)},
    {"line TL + delimiter splits it off", LINE, IN("def\n"), LL(3),
     PKT("def", 1)},
    {"line TL-1 + delimiter whole", LINE, IN("ab\n"), LL(3), PKT("ab\n", 0)},
    {"line no delimiter, n == TL", LINE, IN("abc"), LL(3), PKT("abc", 0)},
    {"line no delimiter, n > TL", LINE, IN("abcd"), LL(3), PKT("abc", 1)},
    {"line no delimiter, n < TL", LINE, IN("ab"), LL(3), MORE_U},
    {"line TL 0 is no limit", LINE, IN("abcdef\n"), LL(0), PKT("abcdef\n", 0)},
    {"line PS counts the delimiter (==)", LINE, IN("abc\n"), PS(4),
     PKT("abc\n", 0)},
    {"line PS counts the delimiter (+1)", LINE, IN("abc\n"), PS(3), INVALID},
    {"line n == PS without delimiter", LINE, IN("abc"), PS(3), MORE_U},
    {"line n > PS without delimiter", LINE, IN("abcd"), PS(3), INVALID},
    {"line PS before TL (found)", LINE, IN("abcd\n"), PS(3), LL(2), INVALID},
    {"line TL under a larger PS", LINE, IN("abcd\n"), PS(10), LL(2),
     PKT("ab", 3)},
    {"line PS before TL (not found)", LINE, IN("abcd"), PS(3), LL(2), INVALID},
    {"line TL when n == PS", LINE, IN("abc"), PS(3), LL(2), PKT("ab", 1)},
    {"line body 5 PS 5", LINE, IN("1234\n"), PS(5), PKT("1234\n", 0)},
    {"line body 5 PS 4", LINE, IN("1234\n"), PS(4), INVALID},
    {"line delimiter ;", LINE, IN("a;b"), DELIM(';'), PKT("a;", 1)},
    {"line LF is plain with ;", LINE, IN("a\nb;c"), DELIM(';'),
     PKT("a\nb;", 1)},
    {"line delimiter NUL", LINE, IN("a\0b"), DELIM(0), PKT("a\0", 1)},
    {"line delimiter 255", LINE,
     IN("a\xff"
        "b"),
     DELIM(255), PKT("a\xff", 1)},
    {"line delimiter with TL", LINE, IN("abcd;"), DELIM(';'), LL(2),
     PKT("ab", 3)},
};

static const fr_table tables[] = {
    {raw_rows, FR_COUNT(raw_rows)},   {len_rows, FR_COUNT(len_rows)},
    {asn1_rows, FR_COUNT(asn1_rows)}, {sunrm_rows, FR_COUNT(sunrm_rows)},
    {cdr_rows, FR_COUNT(cdr_rows)},   {fcgi_rows, FR_COUNT(fcgi_rows)},
    {tpkt_rows, FR_COUNT(tpkt_rows)}, {line_rows, FR_COUNT(line_rows)},
};

static void test_raw(void **st) {
  (void)st;
  fr_check_rows(raw_rows, FR_COUNT(raw_rows));
}
static void test_len_prefixed(void **st) {
  (void)st;
  fr_check_rows(len_rows, FR_COUNT(len_rows));
}
static void test_asn1(void **st) {
  (void)st;
  fr_check_rows(asn1_rows, FR_COUNT(asn1_rows));
}
static void test_sunrm(void **st) {
  (void)st;
  fr_check_rows(sunrm_rows, FR_COUNT(sunrm_rows));
}
static void test_cdr(void **st) {
  (void)st;
  fr_check_rows(cdr_rows, FR_COUNT(cdr_rows));
}
static void test_fcgi(void **st) {
  (void)st;
  fr_check_rows(fcgi_rows, FR_COUNT(fcgi_rows));
}
static void test_tpkt(void **st) {
  (void)st;
  fr_check_rows(tpkt_rows, FR_COUNT(tpkt_rows));
}
static void test_line(void **st) {
  (void)st;
  fr_check_rows(line_rows, FR_COUNT(line_rows));
}

/* ---- whole streams: every packet and the order they come in ----------------
 */

typedef struct stream_row {
  const char *name;
  wr_packet_type type;
  tu_bytes in;
  uint32_t ps, tl;
  int set_delim;
  uint8_t delim;
  const char *log; /* fr_split's log */
} stream_row;

static const stream_row stream_rows[] = {
    /* 2.10: truncation never discards */
    {"line abcdef\\n TL 3", LINE, TU_B("abcdef\n"), 0, 3, 0, 0,
     "\"abc\" \"def\" \"\\n\" more left 0"},
    {"line two lines and a tail", LINE, TU_B("a\nbc\nd"), 0, 0, 0, 0,
     "\"a\\n\" \"bc\\n\" more left 1"},
    {"line PS hit on the second line", LINE, TU_B("ab\ncdef\n"), 4, 0, 0, 0,
     "\"ab\\n\" invalid left 5"},
    {"line ; delimiter keeps LF", LINE, TU_B("a\n;b;"), 0, 0, 1, ';',
     "\"a\\n;\" \"b;\" more left 0"},
    {"p1 three packets incl. empty", WR_PACKET_1, TU_B("\1a\0\2bc\3"), 0, 0, 0,
     0, "\"a\" \"\" \"bc\" more 4 left 1"},
    {"p2 packets then invalid", WR_PACKET_2, TU_B("\0\1a\0\3abc"), 2, 0, 0, 0,
     "\"a\" invalid left 5"},
    {"p4 two packets", WR_PACKET_4, TU_B("\0\0\0\2hi\0\0\0\0"), 0, 0, 0, 0,
     "\"hi\" \"\" more left 0"},
    /* A body one over packet_size that fits the input with a header after
     * it: the input is one byte longer than the largest packet allowed plus
     * a header, where wr_frame_batch must still check the limit (it skips
     * the check only on inputs no longer than that). */
    {"p1 over the limit, header after", WR_PACKET_1, TU_B("\3abc\1"), 2, 0, 0,
     0, "invalid left 5"},
    {"p2 over the limit, header after", WR_PACKET_2, TU_B("\0\3abc\0\0"), 2, 0,
     0, 0, "invalid left 7"},
    {"p4 over the limit, header after", WR_PACKET_4,
     TU_B("\0\0\0\3abc\0\0\0\0"), 2, 0, 0, 0, "invalid left 11"},
    {"p1 at the limit, header after", WR_PACKET_1, TU_B("\2ab\2cd"), 2, 0, 0, 0,
     "\"ab\" \"cd\" more left 0"},
    /* 2.3: indefinite length, the contents and EOC come out separately */
    {"asn1 indefinite stream", WR_PACKET_ASN1, TU_B("\x30\x80\2\1\5\0\0"), 0, 0,
     0, 0, "\"0\\x80\" \"\\x02\\x01\\x05\" \"\\x00\\x00\" more left 0"},
    {"sunrm fragments", WR_PACKET_SUNRM, TU_B("\0\0\0\1a\x80\0\0\1b"), 0, 0, 0,
     0, "\"\\x00\\x00\\x00\\x01a\" \"\\x80\\x00\\x00\\x01b\" more left 0"},
    {"fcgi two records, padding dropped", WR_PACKET_FCGI,
     TU_B("\1\5\0\1\0\1\7\0x-------\1\5\0\1\0\0\0\0"), 0, 0, 0, 0,
     "\"\\x01\\x05\\x00\\x01\\x00\\x01\\x07\\x00x\" "
     "\"\\x01\\x05\\x00\\x01\\x00\\x00\\x00\\x00\" more left 0"},
    {"tpkt then bad version", WR_PACKET_TPKT, TU_B("\3\0\0\5x\2\0\0\5y"), 0, 0,
     0, 0, "\"\\x03\\x00\\x00\\x05x\" invalid left 5"},
    {"cdr then partial", WR_PACKET_CDR,
     TU_B("GIOP\1\0\0\0\0\0\0\1xGIOP\1\0\0\0\0\0\0\2y"), 0, 0, 0, 0,
     "\"GIOP\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x01x\" more 14 left 13"},
    {"raw delivers all bytes", WR_PACKET_RAW, TU_B("abc\0def"), 0, 0, 0, 0,
     "raw \"abc\\x00def\" more left 0"},
};

static void test_streams(void **st) {
  (void)st;
  for (size_t i = 0; i < FR_COUNT(stream_rows); i++) {
    const stream_row *r = &stream_rows[i];
    wr_framing cfg = wr_framing_default(r->type);
    cfg.packet_size = r->ps;
    cfg.trunc_len = r->tl;
    if (r->set_delim)
      cfg.delimiter = r->delim;
    fr_split(r->name, &cfg, 0, r->in.p, r->in.n, r->log);
  }
}

/* ---- packet type names ------------------------------------------------------
 */

static void test_type_names(void **st) {
  (void)st;
  static const struct {
    const char *name;
    int rc;
    wr_packet_type type;
  } rows[] = {
      {"raw", 0, WR_PACKET_RAW},
      {"0", 0, WR_PACKET_RAW},
      {"1", 0, WR_PACKET_1},
      {"2", 0, WR_PACKET_2},
      {"4", 0, WR_PACKET_4},
      {"asn1", 0, WR_PACKET_ASN1},
      {"sunrm", 0, WR_PACKET_SUNRM},
      {"cdr", 0, WR_PACKET_CDR},
      {"fcgi", 0, WR_PACKET_FCGI},
      {"tpkt", 0, WR_PACKET_TPKT},
      {"line", 0, WR_PACKET_LINE},
      {"http", 0, WR_PACKET_HTTP},
      {"httph", 0, WR_PACKET_HTTPH},
      {"http_bin", 0, WR_PACKET_HTTP_BIN},
      {"httph_bin", 0, WR_PACKET_HTTPH_BIN},
      /* decode_packet(3, ...) is badarg; atoms are case-sensitive */
      {"3", WR_EINVAL, 0},
      {"", WR_EINVAL, 0},
      {"RAW", WR_EINVAL, 0},
      {"Line", WR_EINVAL, 0},
      {"http ", WR_EINVAL, 0},
      {"htt", WR_EINVAL, 0},
      {"httph_bin2", WR_EINVAL, 0},
      {"00", WR_EINVAL, 0},
      {"-1", WR_EINVAL, 0},
  };
  for (size_t i = 0; i < FR_COUNT(rows); i++) {
    wr_packet_type t = (wr_packet_type)99;
    int rc = wr_packet_type_parse(rows[i].name, &t);
    TU_CHECK(rc == rows[i].rc,
             "wr_packet_type_parse(\"%s\") = %d (%s), want %d", rows[i].name,
             rc, wr_err_name(rc), rows[i].rc);
    if (rc == 0)
      TU_CHECK(t == rows[i].type, "wr_packet_type_parse(\"%s\") gave type %d",
               rows[i].name, (int)t);
    tu_count(1);
  }
  /* Every type's canonical name parses back to it and is in the list. */
  const char *all = wr_packet_type_names();
  TU_CHECK(all != NULL, "wr_packet_type_names() is NULL");
  for (int t = 0; t < WR_PACKET_TYPE_COUNT; t++) {
    const char *n = wr_packet_type_name((wr_packet_type)t);
    TU_CHECK(n != NULL && strcmp(n, fr_type_erl((wr_packet_type)t)) == 0,
             "wr_packet_type_name(%d) = %s, want %s", t, n ? n : "NULL",
             fr_type_erl((wr_packet_type)t));
    wr_packet_type back;
    TU_CHECK(wr_packet_type_parse(n, &back) == 0 && back == (wr_packet_type)t,
             "name %s does not parse back to %d", n, t);
    TU_CHECK(strstr(all, n) != NULL, "'%s' missing from \"%s\"", n, all);
    TU_CHECK(!wr_packet_type_is_http((wr_packet_type)t) ==
                 !fr_is_http((wr_packet_type)t),
             "wr_packet_type_is_http(%s) wrong", n);
    tu_count(4);
  }
  TU_CHECK(strcmp(wr_packet_type_name(WR_PACKET_TYPE_COUNT), "?") == 0,
           "out-of-range type name should be \"?\"");
}

static void test_framing_defaults(void **st) {
  (void)st;
  for (int t = 0; t < WR_PACKET_TYPE_COUNT; t++) {
    wr_framing f = wr_framing_default((wr_packet_type)t);
    TU_CHECK(f.type == (wr_packet_type)t && f.packet_size == 0 &&
                 f.trunc_len == 0 && f.delimiter == '\n',
             "wr_framing_default(%s) = {%d, %u, %u, %u}",
             fr_type_erl((wr_packet_type)t), (int)f.type, f.packet_size,
             f.trunc_len, f.delimiter);
    tu_count(1);
  }
}

/* Empty input is {more,undefined} for every type (semantics §1.1). */
static void test_empty_every_type(void **st) {
  (void)st;
  tu_guard g;
  tu_guard_init(&g, 1);
  for (int t = 0; t < WR_PACKET_TYPE_COUNT; t++) {
    wr_framing f = wr_framing_default((wr_packet_type)t);
    tu_str got = {0};
    fr_fmt_decode(&got, &f, fr_base_state((wr_packet_type)t),
                  tu_guard_place(&g, "", 0), 0, NULL);
    TU_CHECK(strcmp(tu_str_c(&got), "more") == 0,
             "%s on empty input: %s, want more", fr_type_erl((wr_packet_type)t),
             tu_str_c(&got));
    tu_str_free(&got);
    tu_count(1);
  }
  tu_guard_free(&g);
}

/* The guard page really traps: a read one byte past a placed input must
 * crash (in a child process, so the test itself survives). */
static void on_segv(int sig) {
  (void)sig;
  _exit(42);
}

static void test_guard_page_traps(void **st) {
  (void)st;
  tu_guard g;
  tu_guard_init(&g, 3);
  const uint8_t *p = tu_guard_place(&g, "abc", 3);
  TU_CHECK(p[0] == 'a' && p[2] == 'c', "placed bytes readable");
  fflush(NULL);
  pid_t pid = fork();
  TU_CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    volatile uint8_t c = p[3]; /* one past the end */
    (void)c;
    _exit(0);
  }
  int status = 0;
  TU_CHECK(waitpid(pid, &status, 0) == pid, "waitpid failed");
  TU_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42,
           "reading past a guarded input did not fault (status %d)", status);
  tu_guard_free(&g);
  tu_count(1);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_guard_page_traps),
      cmocka_unit_test(test_type_names),
      cmocka_unit_test(test_framing_defaults),
      cmocka_unit_test(test_empty_every_type),
      cmocka_unit_test(test_raw),
      cmocka_unit_test(test_len_prefixed),
      cmocka_unit_test(test_asn1),
      cmocka_unit_test(test_sunrm),
      cmocka_unit_test(test_cdr),
      cmocka_unit_test(test_fcgi),
      cmocka_unit_test(test_tpkt),
      cmocka_unit_test(test_line),
      cmocka_unit_test(test_streams),
  };
  return fr_main(argc, argv, "framing_length", tests, FR_COUNT(tests), tables,
                 FR_COUNT(tables));
}
