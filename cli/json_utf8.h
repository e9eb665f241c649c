/* The UTF-8 helpers of the JSON reader now live in base/ with the writer. */
#ifndef WIRERIG_CLI_JSON_UTF8_H
#define WIRERIG_CLI_JSON_UTF8_H

#include "base/json_utf8.h"

#endif
