/* The real HTTP parsers of examples/check as libFuzzer targets: each input
 * is a stream and its cut schedule (the check layout, check.h). Built once
 * per parser: FUZZ_HTTP_PICO picks picohttpparser, else http-parser. */
#include "adapters.h"

#ifdef FUZZ_HTTP_PICO
#define FUZZ_HTTP_DECODER (&picohttp_check)
#else
#define FUZZ_HTTP_DECODER (&http_parser_check)
#endif

WR_CHECK_FUZZ_TARGET(FUZZ_HTTP_DECODER, NULL)
