/* Real parsers adapted to wirerig check (adapter_*.c), for check_http.c. */
#ifndef ADAPTERS_H
#define ADAPTERS_H
#include <wirerig/check.h>
extern const wr_check_decoder http_parser_check;
extern const wr_check_decoder picohttp_check;
#endif
