/* A parsed JSON value written back through the writer (base/json_write.h),
 * which is shared with the libraries; the rest of the writer lives there. */
#include <string.h>

#include "json.h"

void wr_jw_value(wr_json_writer *w, const wr_json *v) {
  switch (v->type) {
  case WR_JSON_NULL:
    wr_jw_null(w);
    break;
  case WR_JSON_BOOL:
    wr_jw_bool(w, v->u.boolean);
    break;
  case WR_JSON_NUMBER:
    wr_jw_literal(w, v->u.num.text, strlen(v->u.num.text));
    break;
  case WR_JSON_STRING:
    (void)wr_jw_utf8(w, v->u.str.ptr, v->u.str.len);
    break;
  case WR_JSON_ARRAY:
    wr_jw_array_begin(w);
    for (size_t j = 0; j < v->u.arr.count; j++)
      wr_jw_value(w, v->u.arr.items[j]);
    wr_jw_array_end(w);
    break;
  case WR_JSON_OBJECT:
    wr_jw_object_begin(w);
    for (size_t j = 0; j < v->u.obj.count; j++) {
      const wr_json_member *m = &v->u.obj.members[j];
      wr_jw_key_utf8(w, m->key, m->key_len);
      wr_jw_value(w, m->value);
    }
    wr_jw_object_end(w);
    break;
  }
}
