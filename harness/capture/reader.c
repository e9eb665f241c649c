/* The capture reader: libpcap for the file formats, then link layer, IP,
 * fragments and TCP header, one record at a time.
 *
 * libpcap is opened with nanosecond precision whatever the file holds, so
 * every timestamp comes out in nanoseconds. The file is opened here rather
 * than by libpcap so that "no such file" keeps its errno, and with a
 * buffer smaller than large records: glibc then reads those straight into
 * libpcap's buffer (one copy) while small records still share a read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcap_internal.h"

#define READ_BUFFER ((size_t)16 << 10)
#define MAX_TS_SEC (INT64_MAX / 1000000000LL - 1)

struct wr_pcap_reader {
  pcap_t *pcap;
  char *name;
  int dlt;
  int no_checksum;
  int error; /* sticky */
  wr_fragq *frags;
  wr_fragq_limits frag_lim;
  wr_pcap_stats st;
  char msg[512];
  char *iobuf;
  /* Classic pcap in a regular file: records are read here, out of a
   * window of the file (see direct_next); direct is 0 when libpcap reads
   * every record. */
  int direct;
  uint8_t *win;
  size_t win_cap, win_len;
  uint64_t win_off, map_pos;
  int map_swapped, map_nano;
  FILE *fp;
  int fd;         /* fileno(fp) when it is a regular file we opened, else -1 */
  uint64_t size0; /* its size when it was opened */
  /* A pcapng file (read whole) whose interfaces have different link types
   * (dumpcap -i lo -i eth0): libpcap refuses its packets, so it is read
   * here block by block, each packet with its own interface's link type
   * and time resolution, as tshark does. ng_pos 0: not in use. */
  const uint8_t *ng;
  uint8_t *ng_buf; /* the file's bytes, read whole (owned) */
  size_t ng_size, ng_pos;
  int ng_swapped;
  struct ng_if {
    int dlt;
    uint64_t per_sec; /* time units per second (if_tsresol) */
  } * ng_ifs;
  size_t ng_nifs, ng_cap;
};

static const int supported[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
                                DLT_RAW,    DLT_IPV4,      DLT_IPV6,
                                DLT_NULL,   DLT_LOOP};

int wr_pcap_linktype_supported(int dlt) {
  for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++)
    if (supported[i] == dlt)
      return 1;
  return 0;
}

const char *wr_pcap_linktype_name(int dlt) {
  const char *n = pcap_datalink_val_to_name(dlt);
  return n ? n : "unknown";
}

static void set_msg(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(char *buf, size_t len, const char *fmt, ...) {
  if (!buf || len == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

/* libpcap's open errors are sentences of its own; "unknown file format" is
 * the one people hit, so it gets a plainer wording. */
static int open_failed(const char *name, const char *why, char *err,
                       size_t errlen) {
  if (strstr(why, "unknown file format"))
    set_msg(err, errlen,
            "%s: not a pcap or pcapng file (libpcap: unknown file format)",
            name);
  else
    set_msg(err, errlen, "%s: cannot read the capture: %s", name, why);
  return WR_EPROTO;
}

int wr_pcap_reader_create_stream(FILE *fp, const char *name,
                                 const wr_pcap_options *opt,
                                 wr_pcap_reader **out, char *err,
                                 size_t errlen) {
  *out = NULL;
  wr_pcap_options dflt = {0};
  if (!opt)
    opt = &dflt;
  wr_pcap_reader *r = calloc(1, sizeof *r);
  if (r)
    r->fd = -1;
  if (!r || !(r->name = strdup(name))) {
    free(r);
    fclose(fp);
    set_msg(err, errlen, "%s: out of memory", name);
    return WR_ENOMEM;
  }
  char ebuf[PCAP_ERRBUF_SIZE] = "";
  r->pcap = pcap_fopen_offline_with_tstamp_precision(
      fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
  if (!r->pcap) {
    fclose(fp); /* libpcap leaves the stream to us when it fails */
    int rc = open_failed(name, ebuf, err, errlen);
    wr_pcap_reader_destroy(r);
    return rc;
  }
  r->fp = fp;
  r->dlt = pcap_datalink(r->pcap);
  if (!wr_pcap_linktype_supported(r->dlt)) {
    set_msg(err, errlen,
            "%s: link type %d (%s) is not supported; wirerig reads EN10MB "
            "(Ethernet, with VLAN tags), LINUX_SLL, LINUX_SLL2, RAW, IPV4, "
            "IPV6, NULL and LOOP",
            name, r->dlt, wr_pcap_linktype_name(r->dlt));
    wr_pcap_reader_destroy(r);
    return WR_ENOTSUP;
  }
  if (opt->filter && *opt->filter) {
    struct bpf_program prog;
    if (pcap_compile(r->pcap, &prog, opt->filter, 1, PCAP_NETMASK_UNKNOWN) !=
        0) {
      set_msg(err, errlen, "%s: bad filter \"%s\": %s", name, opt->filter,
              pcap_geterr(r->pcap));
      wr_pcap_reader_destroy(r);
      return WR_EINVAL;
    }
    int rc = pcap_setfilter(r->pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
      set_msg(err, errlen, "%s: cannot apply filter \"%s\": %s", name,
              opt->filter, pcap_geterr(r->pcap));
      wr_pcap_reader_destroy(r);
      return WR_EINVAL;
    }
  }
  r->no_checksum = opt->no_checksum;
  r->frag_lim = (wr_fragq_limits){opt->frag_mem, opt->frag_max_pending,
                                  opt->frag_max_fragments};
  r->frags = wr_fragq_new(&r->frag_lim);
  if (!r->frags) {
    set_msg(err, errlen, "%s: out of memory", name);
    wr_pcap_reader_destroy(r);
    return WR_ENOMEM;
  }
  *out = r;
  return 0;
}

/* ---- classic pcap read in place ------------------------------------------ */

/* A classic pcap file that is a regular file is read here, record by
 * record, out of a window filled with pread(2): no copy into a stdio
 * buffer and on into libpcap's. libpcap has read and checked the file
 * header (and gives the link type, the snaplen and every message).
 * Anything this loop does not expect -- a record cut short, a captured
 * length above the snaplen, a filter to apply -- hands the rest of the file
 * back to libpcap at that record, so what is reported stays exactly
 * libpcap's.
 *
 * The file used to be mapped, but a mapping turns a file that shrinks
 * while it is read (a log rotated, a capture truncated by another process)
 * into SIGBUS and a silent death. pread just returns fewer bytes, which is
 * an ordinary end of file; wr_pcap_next then tells a shrunk file from a
 * truncated one by its size (see check_shrunk). */
#define WINDOW ((size_t)256 << 10)

static uint32_t get32(const uint8_t *p, int swapped) {
  uint32_t v;
  memcpy(&v, p, 4);
  return swapped ? __builtin_bswap32(v) : v;
}

static void direct_start(wr_pcap_reader *r, const wr_pcap_options *opt) {
  if ((opt && opt->filter && *opt->filter) || r->fd < 0 || r->size0 < 24)
    return;
  uint8_t h[4];
  if (pread(r->fd, h, 4, 0) != 4)
    return;
  uint32_t magic = get32(h, 0), swapped = __builtin_bswap32(magic);
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
    r->map_swapped = 0;
    r->map_nano = magic == 0xa1b23c4d;
  } else if (swapped == 0xa1b2c3d4 || swapped == 0xa1b23c4d) {
    r->map_swapped = 1;
    r->map_nano = swapped == 0xa1b23c4d;
  } else {
    return; /* pcapng and the rarer variants stay with libpcap */
  }
  r->win = malloc(WINDOW);
  if (!r->win)
    return; /* libpcap reads it all: slower, not wrong */
  r->win_cap = WINDOW;
  r->win_off = 24;
  r->win_len = 0;
  r->map_pos = 24;
  r->direct = 1;
}

/* Makes file bytes [pos, pos + n) available in the window; returns a
 * pointer to them, or NULL when the file ends (or cannot be read) first. */
static const uint8_t *window_get(wr_pcap_reader *r, uint64_t pos, size_t n) {
  if (pos >= r->win_off && pos + n <= r->win_off + r->win_len)
    return r->win + (pos - r->win_off);
  if (n > r->win_cap) {
    uint8_t *nw = realloc(r->win, n);
    if (!nw)
      return NULL;
    r->win = nw;
    r->win_cap = n;
  }
  size_t got = 0;
  while (got < r->win_cap) {
    ssize_t k =
        pread(r->fd, r->win + got, r->win_cap - got, (off_t)(pos + got));
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    got += (size_t)k;
  }
  r->win_off = pos;
  r->win_len = got;
  return got >= n ? r->win : NULL;
}

/* 1 a record, 0 the end of the file, -1 libpcap takes over from here. */
static int direct_next(wr_pcap_reader *r, struct pcap_pkthdr *h,
                       const u_char **data) {
  uint64_t pos = r->map_pos;
  const uint8_t *p = window_get(r, pos, 16);
  if (!p) {
    if (r->win_len == 0 && r->win_off == pos)
      return 0; /* nothing after the last record: the end */
  } else {
    uint32_t sec = get32(p, r->map_swapped);
    uint32_t frac = get32(p + 4, r->map_swapped);
    uint32_t caplen = get32(p + 8, r->map_swapped);
    uint32_t len = get32(p + 12, r->map_swapped);
    if (caplen <= (uint32_t)pcap_snapshot(r->pcap) &&
        frac < (r->map_nano ? 1000000000u : 1000000u) &&
        (p = window_get(r, pos, 16 + (size_t)caplen)) != NULL) {
      h->ts.tv_sec = (time_t)sec;
      h->ts.tv_usec = (suseconds_t)(r->map_nano ? frac : frac * 1000u);
      h->caplen = caplen;
      h->len = len;
      *data = p + 16;
      r->map_pos = pos + 16 + caplen;
      return 1;
    }
  }
  r->direct = 0;
  if (fseeko(r->fp, (off_t)pos, SEEK_SET) != 0)
    return -2;
  return -1;
}

/* ---- pcapng with several link types ------------------------------------- */

#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 1u
#define NG_PB 2u /* obsolete Packet Block */
#define NG_SPB 3u
#define NG_EPB 6u

static uint16_t get16(const uint8_t *p, int swapped) {
  uint16_t v;
  memcpy(&v, p, 2);
  return swapped ? __builtin_bswap16(v) : v;
}

/* The header of the block at pos: 1 and its type and length, 0 at the
 * end, -1 when it is cut short or malformed. A section header sets the
 * byte order of what follows. */
static int ng_block(const uint8_t *base, size_t size, size_t pos, int *swapped,
                    uint32_t *type, uint32_t *len) {
  if (pos == size)
    return 0;
  if (size - pos < 12)
    return -1;
  const uint8_t *p = base + pos;
  *type = get32(p, *swapped);
  if (get32(p, 0) == NG_SHB) {
    uint32_t bom = get32(p + 8, 0);
    if (bom == 0x1A2B3C4Du)
      *swapped = 0;
    else if (bom == 0x4D3C2B1Au)
      *swapped = 1;
    else
      return -1;
    *type = NG_SHB;
  }
  *len = get32(p + 4, *swapped);
  if (*len < 12 || *len % 4 || *len > size - pos)
    return -1;
  return 1;
}

/* An Interface Description Block: its link type and if_tsresol. */
static int ng_add_if(wr_pcap_reader *r, const uint8_t *p, uint32_t len) {
  if (len < 20)
    return -1;
  if (r->ng_nifs == r->ng_cap) {
    size_t cap = r->ng_cap ? r->ng_cap * 2 : 8;
    struct ng_if *v = realloc(r->ng_ifs, cap * sizeof *v);
    if (!v)
      return -1;
    r->ng_ifs = v;
    r->ng_cap = cap;
  }
  struct ng_if *f = &r->ng_ifs[r->ng_nifs++];
  f->dlt = get16(p + 8, r->ng_swapped);
  /* Files hold LINKTYPE_ values; they equal the DLT_ values for every
   * type wirerig decodes but raw IP (LINKTYPE_RAW 101), which libpcap
   * maps to the platform's DLT_RAW when it reads the first interface. */
  if (f->dlt == 101)
    f->dlt = DLT_RAW;
  f->per_sec = 1000000; /* the default resolution: microseconds */
  for (size_t o = 16; o + 4 <= len - 4;) {
    uint16_t code = get16(p + o, r->ng_swapped);
    uint16_t olen = get16(p + o + 2, r->ng_swapped);
    if (code == 0 || o + 4 + olen > len - 4)
      break;
    if (code == 9 && olen >= 1) { /* if_tsresol */
      uint8_t v = p[o + 4], n = v & 0x7f;
      uint64_t ps = 1;
      for (uint8_t i = 0; i < n && ps <= UINT64_MAX / 10; i++)
        ps *= (v & 0x80) ? 2 : 10;
      f->per_sec = n < 64 ? ps : 1;
    }
    o += 4 + ((olen + 3u) & ~3u);
  }
  return 0;
}

/* Switches a pcapng file read whole to this reader when its interfaces do not
 * all have one link type (libpcap would stop at the first packet of the
 * second type). A filter stays libpcap's: it is compiled for one link
 * type. */
static void ng_start(wr_pcap_reader *r, const uint8_t *base, size_t size,
                     const wr_pcap_options *opt) {
  if ((opt && opt->filter && *opt->filter) || size < 28 ||
      get32(base, 0) != NG_SHB)
    return;
  int swapped = 0, first = -1, mixed = 0;
  uint32_t type, len;
  for (size_t pos = 0;
       ng_block(base, size, pos, &swapped, &type, &len) == 1 && !mixed;
       pos += len)
    if (type == NG_IDB && len >= 20) {
      int dlt = get16(base + pos + 8, swapped);
      if (first < 0)
        first = dlt;
      else if (dlt != first)
        mixed = 1;
    }
  if (!mixed)
    return;
  r->direct = 0;
  r->ng = base;
  r->ng_size = size;
  r->ng_pos = 0;
  r->ng_swapped = 0;
}

/* 1 a packet (with its interface's link type in *dlt), 0 the end, -1 a
 * malformed block, -2 out of memory. */
static int ng_next(wr_pcap_reader *r, struct pcap_pkthdr *h,
                   const u_char **data, int *dlt) {
  for (;;) {
    uint32_t type, len;
    int b = ng_block(r->ng, r->ng_size, r->ng_pos, &r->ng_swapped, &type, &len);
    if (b <= 0)
      return b;
    const uint8_t *p = r->ng + r->ng_pos;
    r->ng_pos += len;
    int sw = r->ng_swapped;
    uint32_t ifc, caplen, origlen;
    uint64_t ts = 0;
    const uint8_t *d;
    switch (type) {
    case NG_SHB:
      r->ng_nifs = 0; /* interfaces are numbered per section */
      continue;
    case NG_IDB:
      if (ng_add_if(r, p, len) < 0)
        return len < 20 ? -1 : -2;
      continue;
    case NG_EPB:
    case NG_PB:
      if (len < 32)
        return -1;
      ifc = type == NG_EPB ? get32(p + 8, sw) : get16(p + 8, sw);
      ts = (uint64_t)get32(p + 12, sw) << 32 | get32(p + 16, sw);
      caplen = get32(p + 20, sw);
      origlen = get32(p + 24, sw);
      d = p + 28;
      if (caplen > len - 32)
        return -1;
      break;
    case NG_SPB:
      if (len < 16)
        return -1;
      ifc = 0;
      origlen = get32(p + 8, sw);
      caplen = origlen < len - 16 ? origlen : len - 16;
      d = p + 12;
      break;
    default:
      continue; /* statistics, name resolution, custom blocks */
    }
    if (ifc >= r->ng_nifs)
      return -1;
    const struct ng_if *f = &r->ng_ifs[ifc];
    h->ts.tv_sec = (time_t)(ts / f->per_sec);
    /* the reader keeps nanoseconds in tv_usec (PCAP_TSTAMP_PRECISION_NANO) */
    h->ts.tv_usec = (suseconds_t)((unsigned __int128)(ts % f->per_sec) *
                                  1000000000u / f->per_sec);
    h->caplen = caplen;
    h->len = origlen;
    *data = d;
    *dlt = f->dlt;
    return 1;
  }
}

/* A regular pcapng file is read whole (pread, so a file that shrinks
 * meanwhile gives fewer bytes, never a fault) and handed to ng_start; the
 * bytes are kept only when ng_start takes the file over. */
static void ng_load(wr_pcap_reader *r, int fd, uint64_t size,
                    const wr_pcap_options *opt) {
  uint8_t magic[4];
  if ((opt && opt->filter && *opt->filter) || size < 28 || size > SIZE_MAX ||
      pread(fd, magic, 4, 0) != 4 || get32(magic, 0) != NG_SHB)
    return;
  uint8_t *buf = malloc((size_t)size);
  if (!buf)
    return; /* libpcap still reads it, one link type */
  size_t got = 0;
  while (got < size) {
    ssize_t k = pread(fd, buf + got, (size_t)size - got, (off_t)got);
    if (k <= 0)
      break;
    got += (size_t)k;
  }
  ng_start(r, buf, got, opt);
  if (r->ng == buf)
    r->ng_buf = buf;
  else
    free(buf);
}

int wr_pcap_reader_create(const char *path, const wr_pcap_options *opt,
                          wr_pcap_reader **out, char *err, size_t errlen) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    set_msg(err, errlen, "%s: %s", path, strerror(e));
    return wr_err_from_errno(e);
  }
  struct stat sb;
  int regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
  char *iobuf = malloc(READ_BUFFER);
  FILE *fp = fdopen(fd, "rb");
  if (!fp) {
    int e = errno;
    close(fd);
    free(iobuf);
    set_msg(err, errlen, "%s: %s", path, strerror(e));
    return wr_err_from_errno(e);
  }
  if (iobuf)
    setvbuf(fp, iobuf, _IOFBF, READ_BUFFER);
  int rc = wr_pcap_reader_create_stream(fp, path, opt, out, err, errlen);
  if (rc != 0) {
    free(iobuf); /* the stream is closed by now */
    return rc;
  }
  (*out)->iobuf = iobuf;
  if (regular) {
    (*out)->fd = fd;
    (*out)->size0 = (uint64_t)sb.st_size;
    direct_start(*out, opt);
    ng_load(*out, fd, (uint64_t)sb.st_size, opt);
  }
  return 0;
}

void wr_pcap_reader_destroy(wr_pcap_reader *r) {
  if (!r)
    return;
  if (r->pcap)
    pcap_close(r->pcap);
  free(r->iobuf);
  free(r->win);
  free(r->ng_ifs);
  free(r->ng_buf);
  wr_fragq_free(r->frags);
  free(r->name);
  free(r);
}

const char *wr_pcap_error(const wr_pcap_reader *r) { return r->msg; }
const wr_pcap_stats *wr_pcap_get_stats(const wr_pcap_reader *r) {
  return &r->st;
}
int wr_pcap_linktype(const wr_pcap_reader *r) { return r->dlt; }

static int fail(wr_pcap_reader *r, int rc, const char *what) {
  set_msg(r->msg, sizeof r->msg, "%s: record %llu: %s", r->name,
          (unsigned long long)r->st.records + 1, what);
  r->error = rc;
  return rc;
}

/* Takes one IP datagram (or fragment) to a TCP segment. Returns 1 with
 * *seg filled, 0 when the record holds no TCP segment, or an error. */
static int from_ip(wr_pcap_reader *r, int family, const uint8_t *p,
                   size_t caplen, size_t wirelen, int64_t ts,
                   wr_tcp_segment *seg) {
  ip_info ip;
  ip_result ir = wr_ip_parse(family, p, caplen, wirelen, &ip);
  if (ir == IP_OK && ip.bad_len)
    r->st.bad_ip_length++;
  if (ir == IP_OK && ip.is_frag) {
    r->st.fragments++;
    ip_info whole;
    int rc = wr_fragq_add(r->frags, &ip, ts, &r->st, &whole);
    if (rc == WR_ENOMEM)
      return fail(r, WR_ENOMEM, "out of memory reassembling IP fragments");
    if (rc < 0) {
      r->st.malformed++;
      return 0;
    }
    if (rc == 0)
      return 0;
    ip = whole;
    if (ip.family == 6) {
      ir = wr_ipv6_walk(whole.proto, whole.payload, whole.cap_len, whole.len,
                        &ip);
      if (ir == IP_OK && ip.is_frag)
        ir = IP_MALFORMED; /* a fragment inside a fragment */
    }
  }
  switch (ir) {
  case IP_OK:
    break;
  case IP_SHORT:
    r->st.short_headers++;
    return 0;
  case IP_MALFORMED:
    r->st.malformed++;
    return 0;
  case IP_NO_PAYLOAD:
    r->st.not_tcp++;
    return 0;
  }
  if (ip.proto != 6) {
    r->st.not_tcp++;
    return 0;
  }
  switch (wr_tcp_parse(&ip, r->no_checksum, seg)) {
  case TCP_OK:
    break;
  case TCP_SHORT:
    r->st.short_headers++;
    return 0;
  case TCP_MALFORMED:
    r->st.malformed++;
    return 0;
  }
  if (seg->csum == WR_CSUM_BAD)
    r->st.csum_bad++;
  else if (seg->csum == WR_CSUM_OFFLOADED)
    r->st.csum_offloaded++;
  return 1;
}

/* A file that is shorter now than when it was opened was cut by someone
 * else while we read it (a log rotated, truncate(1)): what was read may be
 * half of one version and half of another, so it is an error, never a
 * quiet end of file. */
static int check_shrunk(wr_pcap_reader *r) {
  struct stat sb;
  if (r->fd < 0 || fstat(r->fd, &sb) != 0 || (uint64_t)sb.st_size >= r->size0)
    return 0;
  char what[160];
  snprintf(what, sizeof what,
           "the file shrank while it was read (%llu bytes when opened, %llu "
           "now); another process truncated or replaced it",
           (unsigned long long)r->size0, (unsigned long long)sb.st_size);
  return fail(r, WR_EIO, what);
}

int wr_pcap_next(wr_pcap_reader *r, wr_tcp_segment *seg) {
  if (r->error)
    return r->error;
  for (;;) {
    struct pcap_pkthdr *h, dh;
    const u_char *data;
    int dlt = r->dlt;
    int rc, direct = r->ng       ? ng_next(r, &dh, &data, &dlt)
                     : r->direct ? direct_next(r, &dh, &data)
                                 : -1;
    if (r->ng && direct < 0)
      return direct == -2 ? fail(r, WR_ENOMEM, "out of memory")
                          : fail(r, WR_EPROTO,
                                 "a pcapng block is cut short or "
                                 "malformed");
    if (direct == 1) {
      h = &dh;
      rc = 1;
    } else if (direct == 0) {
      rc = PCAP_ERROR_BREAK;
    } else if (direct == -2) {
      return fail(r, WR_EIO, "cannot seek in the capture");
    } else {
      rc = pcap_next_ex(r->pcap, &h, &data);
    }
    if (rc != 1 && rc != PCAP_ERROR_BREAK &&
        strstr(pcap_geterr(r->pcap), "truncated") && !check_shrunk(r)) {
      /* The file ends inside this record (tcpdump killed mid-write): the
       * complete records before it stand, as tcpdump and tshark read
       * them; the cut one is reported (stats and wr_pcap_print_notes). */
      r->st.truncated_record = r->st.records + 1;
      rc = PCAP_ERROR_BREAK;
    }
    if (rc == PCAP_ERROR_BREAK) {
      int src = check_shrunk(r);
      if (src)
        return src;
      /* Datagrams still missing fragments will never complete. */
      r->st.frag_dropped += wr_fragq_pending(r->frags);
      wr_fragq_free(r->frags);
      r->frags = wr_fragq_new(&r->frag_lim);
      if (!r->frags)
        return fail(r, WR_ENOMEM, "out of memory");
      return 0;
    }
    if (r->error)
      return r->error; /* check_shrunk above */
    if (rc != 1) {
      char what[PCAP_ERRBUF_SIZE + 96];
      const char *why = pcap_geterr(r->pcap);
      if (strstr(why, "different from the type of the first interface"))
        snprintf(what, sizeof what,
                 "interfaces with different link types in one pcapng file "
                 "are not supported; split it by interface first (libpcap: "
                 "%s)",
                 why);
      else
        snprintf(what, sizeof what, "%s", why);
      return fail(r, WR_EPROTO, what);
    }
    /* pcapng holds 64-bit times: keep them where nanoseconds fit in an
     * int64 (up to the year 2262) and never negative, so that differences
     * of two times cannot overflow either. */
    int64_t sec = (int64_t)h->ts.tv_sec;
    if (sec < 0)
      sec = 0;
    else if (sec > MAX_TS_SEC)
      sec = MAX_TS_SEC;
    int64_t ts = sec * 1000000000LL + (int64_t)h->ts.tv_usec;
    size_t caplen = h->caplen;
    size_t off = 0;
    link_result lr = wr_link_strip(dlt, data, caplen, &off);
    if (lr == LINK_SHORT) {
      r->st.records++;
      r->st.short_headers++;
      continue;
    }
    if (lr == LINK_OTHER) {
      r->st.records++;
      r->st.not_ip++;
      continue;
    }
    size_t wire = h->len > caplen ? h->len : caplen;
    int got = from_ip(r, lr, data + off, caplen - off, wire - off, ts, seg);
    r->st.records++;
    if (got < 0)
      return got;
    if (got == 0)
      continue;
    seg->ts_ns = ts;
    seg->record = r->st.records;
    r->st.tcp_segments++;
    return 1;
  }
}
