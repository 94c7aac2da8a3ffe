/*
 * fuzz_events.c - a block's journaled events (event_decode), as the event
 * log reader (api_log.c) decodes them: records one after the other until
 * the bytes run out or one is refused. The seed corpus holds the events
 * of real blocks (gen_corpus.c).
 *
 * Properties, for any bytes:
 *   - every record decoded re-encodes to exactly the bytes it came from;
 *   - every record decoded writes valid JSON (event_write_json), whatever
 *     its asset, operator, feed, role or code fields say;
 *   - a short record is refused, never read past the end.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/base/jw.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const struct engine *e = fuzz_engine();
    struct buf_reader r;
    buf_reader_init(&r, data, size);
    while (r.pos < r.len) {
        size_t start = r.pos;
        struct event ev;
        if (event_decode(&r, &ev) != 0) {
            FUZZ_CHECK(r.failed || ev.type >= EVENT__COUNT);
            break;
        }
        FUZZ_CHECK(!r.failed && r.pos <= r.len);
        struct buf again;
        buf_init(&again);
        event_encode(&ev, &again);
        FUZZ_CHECK(buf_ok(&again));
        FUZZ_CHECK(again.len == r.pos - start && memcmp(again.data, data + start, again.len) == 0);
        buf_free(&again);
        struct buf text;
        buf_init(&text);
        struct jw w;
        jw_init(&w, &text);
        event_write_json(e, &ev, e->s.height, "fuzz", &w);
        FUZZ_CHECK(buf_ok(&text));
        fuzz_check_json(text.data, text.len);
        buf_free(&text);
    }
    return 0;
}
