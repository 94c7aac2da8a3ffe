/* node_internal.h - helpers shared by the node's files (node_*). */
#ifndef MINTLINE_NODE_INTERNAL_H
#define MINTLINE_NODE_INTERNAL_H

#include <stddef.h>

#include "../base/err.h"

/* node_read_file: whole file into a malloc'd NUL-terminated buffer (the
 * caller frees); ERR_IO when unreadable or larger than max bytes. The
 * path "-" is standard input. */
enum err node_read_file(const char *path, size_t max, char **out, size_t *out_len)
    __attribute__((warn_unused_result));

struct jw;
struct buf;
/* node_json_begin / node_json_end: one {"ok": true, ...} document printed on
 * stdout; the caller writes its fields between the two calls into b, which
 * end prints and frees. */
void node_json_begin(struct jw *w, struct buf *b);
void node_json_end(struct jw *w);

#endif
