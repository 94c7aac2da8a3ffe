/* event.c - event names and their JSON form. */
#include "event.h"

#include <string.h>

#include "../base/duration.h"
#include "engine.h"

static const char *const event_names[EVENT__COUNT] = {
#define EVENT_NAME_ROW(id, name) name,
    EVENT_TABLE(EVENT_NAME_ROW)
#undef EVENT_NAME_ROW
};

const char *event_type_name(enum event_type type) {
    if ((unsigned)type >= EVENT__COUNT) return "?";
    return event_names[type];
}

enum event_type event_type_parse(const char *name) {
    for (unsigned i = 0; i < EVENT__COUNT; i++) {
        if (strcmp(event_names[i], name) == 0) return (enum event_type)i;
    }
    return EVENT__COUNT;
}

static json_t *event__addr(const struct addr *a) {
    char text[ADDR_TEXT_SIZE];
    addr_format(a, text);
    return json_string(text);
}

static json_t *event__amount(const struct engine *e, const struct event *ev) {
    char text[AMOUNT_TEXT_SIZE];
    amount_format(ev->amount, e->s.assets[ev->asset].decimals, text);
    return json_string(text);
}

static json_t *event__data(const struct engine *e, const struct event *ev) {
    json_t *d = json_object();
    switch ((enum event_type)ev->type) {
    case EVENT_MINT:
        json_object_set_new(d, "to", event__addr(&ev->to));
        json_object_set_new(d, "amount", event__amount(e, ev));
        break;
    case EVENT_BURN:
        json_object_set_new(d, "from", event__addr(&ev->from));
        json_object_set_new(d, "amount", event__amount(e, ev));
        break;
    case EVENT_TRANSFER:
        json_object_set_new(d, "from", event__addr(&ev->from));
        json_object_set_new(d, "to", event__addr(&ev->to));
        json_object_set_new(d, "amount", event__amount(e, ev));
        break;
    case EVENT_PAUSED:
    case EVENT_UNPAUSED:
        json_object_set_new(d, "scope", json_string(ev->asset == EVENT_NO_ASSET ? "global" : "asset"));
        json_object_set_new(d, "already", json_boolean(ev->flags & 1));
        break;
    case EVENT_CLOCK_ADVANCED: {
        char text[32];
        duration_format(ev->value, text);
        json_object_set_new(d, "duration", json_string(text));
        break;
    }
    case EVENT__COUNT:
        break;
    }
    return d;
}

json_t *event_to_json(const struct engine *e, const struct event *ev, uint64_t block) {
    char time_text[40];
    time_format_iso(ev->time_ns, time_text);
    json_t *o = json_object();
    if (o == NULL) return NULL;
    json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
    json_object_set_new(o, "block", json_integer((json_int_t)block));
    json_object_set_new(o, "time", json_string(time_text));
    json_object_set_new(o, "type", json_string(event_type_name((enum event_type)ev->type)));
    if (ev->asset == EVENT_NO_ASSET) {
        json_object_set_new(o, "asset", json_null());
    } else {
        json_object_set_new(o, "asset", json_string(e->s.assets[ev->asset].symbol));
    }
    json_object_set_new(o, "data", event__data(e, ev));
    return o;
}
