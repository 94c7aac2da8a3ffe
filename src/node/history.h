/*
 * history.h - one journaled request as history entries (GET /api/history).
 *
 * Every command a request journaled gets an entry, whatever its body
 * holds: the list of entries comes from the journal row (its command
 * count, result codes and decoded commands), never from whether a parser
 * took the body. The body, read by request_scan exactly as admission read
 * it, supplies the arguments as the client sent them (and the texts only
 * it keeps: a nav.force reason, a por.publish salt).
 */
#ifndef MINTLINE_NODE_HISTORY_H
#define MINTLINE_NODE_HISTORY_H

#include <stdint.h>

#include "../base/jw.h"
#include "../engine/engine.h"
#include "../store/store.h"

/* What history_write_request did. */
struct history_stats {
    uint32_t written;    /* entries written */
    uint32_t unreadable; /* of the request's commands, those whose entry says "unreadable" */
};

/* history_write_request: the entries of request r (journaled in block
 * height, at block time time_ns), newest command first, at most max, only
 * those whose op is op (NULL or "": any), each one JSON object written to w:
 * {"seq", "block", "time", "operator", "op", "args", "result"}. When the
 * body cannot be read as admission reads it (a body journaled before the
 * one definition of JSON text, or damaged) the entry is still written,
 * with "unreadable": WHY, its op and args taken from the journaled
 * decoded command (canonical forms; a reason or salt, which only the body
 * holds, left out). Reads asset and feed names from e without a lock
 * (those tables are only appended to). Errors: ERR_INTERNAL (out of
 * memory; nothing written). A fuzz harness may call it on any bytes. */
enum err history_write_request(const struct engine *e, const struct store_request *r,
                               uint64_t height, int64_t time_ns, const char *op, uint32_t max,
                               struct jw *w, struct history_stats *out)
    __attribute__((warn_unused_result));

/* One journaled command as history reads it (history_each). Pointers are
 * valid during the callback only. */
struct history_item {
    uint64_t seq;
    uint32_t index;            /* in its request */
    const char *op;            /* its op's name; "?" when neither source names one */
    const char *result;        /* "ok", the error code, or "?" when missing */
    const struct command *cmd; /* the journaled decoded command; NULL when it did not decode */
    const char *unreadable;    /* NULL when the body was read; else why not */
    const char *args;          /* the arguments as sent, a JSON object (less "op"); NULL
                                * when unreadable */
    size_t args_len;
    const char *text;          /* the command's text argument as sent (a title, a note, a
                                * summary, a reason), NUL-terminated; NULL when it has none
                                * or is unreadable */
    size_t text_len;
};

/* A history_each callback: return 0 to go on, non-zero to stop. */
typedef int (*history_item_fn)(void *ctx, const struct history_item *item);

/* history_each: the commands of request r, oldest first, read as
 * history_write_request reads them (the same two sources, the same
 * "unreadable" judgement), handed to fn one by one. Reads e as
 * history_write_request does. Errors: ERR_INTERNAL (out of memory; fn not
 * called). */
enum err history_each(const struct engine *e, const struct store_request *r, history_item_fn fn,
                      void *ctx) __attribute__((warn_unused_result));

/* history_item_args: an item's "args" value as history shows it: the
 * arguments as sent, else the journaled command's (a reason or salt, which
 * only the body holds, left out), else null. */
void history_item_args(const struct engine *e, const struct history_item *item, struct jw *w);

/* history_outcomes: what each command of journaled request r answered
 * when it ran, as far as the journal keeps it (a retry of the request is
 * answered from it: api_commands.c): into ars[0..r->commands_count),
 * zeroed first, its seq, and from the governance events of its block
 * (r->block_events, read as history reads them: a proposal or timelock
 * entry it became, an approval still short of its count, what an approval
 * or execution released and that command's result) pending, pending_id,
 * eta_ns, ran_id and ran_err. A note and a refusal's detail are not
 * journaled: left empty. Errors: ERR_INTERNAL (out of memory, or a row
 * claiming more than LIMIT_BATCH_COMMANDS commands; ars then unspecified). */
enum err history_outcomes(const struct engine *e, const struct store_request *r,
                          struct apply_result *ars) __attribute__((warn_unused_result));

#endif
