/* A user's decoder (lines ending in '\n') as a wirerig check fuzz target,
 * built by wirerig_add_fuzz_target from the installed package. */
#include <stdlib.h>
#include <string.h>

#include <wirerig/check.h>

static void *create(void *ctx) {
  (void)ctx;
  return malloc(1);
}
static void destroy(void *d) { free(d); }
static int next(void *d, const uint8_t *buf, size_t len, wr_check_frame *out) {
  (void)d;
  const uint8_t *nl = memchr(buf, '\n', len);
  if (!nl)
    return WR_CHECK_MORE;
  out->data = buf;
  out->len = (size_t)(nl - buf) + 1;
  out->consumed = out->len;
  return WR_CHECK_MESSAGE;
}

static const wr_check_decoder lines = {
    .name = "lines", .create = create, .destroy = destroy, .next = next};
static const wr_check_reference line_packets = {
    .use_packet = 1, .framing = {WR_PACKET_LINE, 0, 0, '\n'}};
static const wr_check_options options = {.reference = &line_packets};

WR_CHECK_FUZZ_TARGET(&lines, &options)
