/*
 * test_command.c - struct command's layout against the op table
 * (src/engine/command.h): the arguments live in a union, so no op's row
 * may map two of its fields onto overlapping storage; and every op's
 * arguments survive the journal's binary form whatever the layout.
 *
 * Everything is derived from op_table() and command_field_slot(): a new
 * op or field is checked without editing this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/engine/command.h"

/* The first pair of fields of the row whose storage overlaps: their
 * indexes in *a and *b, 1 when found. */
static int row_overlap(const struct op_field *fields, unsigned *a, unsigned *b) {
    for (unsigned i = 0; i < OP_FIELDS_MAX && fields[i].name != NULL; i++) {
        struct command_slot si[2];
        unsigned ni = command_field_slot((enum field_kind)fields[i].kind, si);
        for (unsigned j = i + 1; j < OP_FIELDS_MAX && fields[j].name != NULL; j++) {
            struct command_slot sj[2];
            unsigned nj = command_field_slot((enum field_kind)fields[j].kind, sj);
            for (unsigned x = 0; x < ni; x++) {
                for (unsigned y = 0; y < nj; y++) {
                    if (si[x].offset < sj[y].offset + sj[y].size &&
                        sj[y].offset < si[x].offset + si[x].size) {
                        *a = i;
                        *b = j;
                        return 1;
                    }
                }
            }
        }
    }
    return 0;
}

static void no_op_row_maps_two_fields_onto_overlapping_storage(void **state) {
    (void)state;
    const struct op_def *ops = op_table();
    unsigned checked = 0;
    for (unsigned op = 0; op < OP__COUNT; op++) {
        unsigned a, b;
        if (row_overlap(ops[op].fields, &a, &b)) {
            fail_msg("%s: fields %s and %s share storage in struct command", ops[op].name,
                     ops[op].fields[a].name, ops[op].fields[b].name);
        }
        checked++;
    }
    assert_int_equal(checked, OP__COUNT);
}

/* The check above can fail: kinds that share a slot, and kinds of
 * different ops placed in the same part of the union, are caught. */
static void overlap_check_finds_shared_storage(void **state) {
    (void)state;
    const struct op_field same[] = {{"hash", FIELD_PUBKEY, 1}, {"salt", FIELD_SECRET, 1}, {NULL, 0, 0}};
    const struct op_field unioned[] = {{"title", FIELD_TEXT, 1}, {"rules", FIELD_ALLOWED_COUNTRIES, 1},
                                       {NULL, 0, 0}};
    const struct op_field apart[] = {{"asset", FIELD_ASSET, 1}, {"from", FIELD_FROM, 1},
                                     {"to", FIELD_TO, 1}, {"amount", FIELD_AMOUNT, 1},
                                     {"id", FIELD_ID, 1}, {NULL, 0, 0}};
    unsigned a, b;
    assert_true(row_overlap(same, &a, &b));
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_true(row_overlap(unioned, &a, &b));
    assert_false(row_overlap(apart, &a, &b));
}

/* Every kind but a reason has storage inside the struct; the hot fields of
 * a transfer sit in its first 72 bytes, before the union. */
static void every_kind_has_storage_and_transfer_is_hot(void **state) {
    (void)state;
    for (unsigned k = 0; k < FIELD__COUNT; k++) {
        struct command_slot s[2];
        unsigned n = command_field_slot((enum field_kind)k, s);
        if (k == FIELD_REASON) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_true(n >= 1);
        for (unsigned i = 0; i < n; i++) {
            assert_true(s[i].size > 0);
            assert_true((size_t)s[i].offset + s[i].size <= sizeof(struct command));
        }
    }
    const struct op_field *f = op_table()[OP_TRANSFER].fields;
    for (unsigned i = 0; f[i].name != NULL; i++) {
        if (f[i].kind == FIELD_PARTITION) continue; /* optional, rare */
        struct command_slot s[2];
        assert_int_equal(command_field_slot((enum field_kind)f[i].kind, s), 1);
        assert_true(s[0].offset + s[0].size <= 72);
    }
    assert_true(offsetof(struct command, present) + sizeof(uint64_t) <= 16);
}

/* A byte pattern for a kind's storage that the binary decoder accepts:
 * small values for enums and indexes, valid texts. */
static void fill_kind(struct command *c, enum field_kind kind, unsigned seed) {
    uint8_t v = (uint8_t)(seed * 7u + 1u);
    switch (kind) {
    case FIELD_ASSET: c->asset = 0; break;
    case FIELD_FROM: memset(c->from.bytes, v, ADDR_BYTES); break;
    case FIELD_TO: memset(c->to.bytes, (uint8_t)(v + 1), ADDR_BYTES); break;
    case FIELD_AMOUNT: c->amount = (u128)v * 1000u + 1u; break;
    case FIELD_DURATION: c->duration_ns = (int64_t)v * 1000000000; break;
    case FIELD_ID: c->id = v; break;
    case FIELD_ROLE: c->role = 1; break;
    case FIELD_NAME: snprintf(c->name, sizeof(c->name), "op%u", seed); break;
    case FIELD_TARGET_OP: c->target_op = OP_TRANSFER; break;
    case FIELD_APPROVALS: c->approvals = 2; break;
    case FIELD_DELAY: c->delay_ns = 5; break;
    case FIELD_SUPPLY_CAP: c->supply_cap = 11; break;
    case FIELD_MINT_LIMIT: c->daily_mint_limit = 12; break;
    case FIELD_INFLOW_LIMIT: c->daily_inflow_limit = 13; break;
    case FIELD_PUBKEY:
    case FIELD_SECRET:
    case FIELD_TX_HASH: memset(c->pubkey, (uint8_t)(v + 2), sizeof(c->pubkey)); break;
    case FIELD_FEED: c->feed = 0; break;
    case FIELD_PRICE: c->price = 314; break;
    case FIELD_REASON: break;
    case FIELD_COUNTRY: c->country = country_parse("US", 2); break;
    case FIELD_INVESTOR_TYPE: c->investor_type = 1; break;
    case FIELD_TOPIC: c->topic = 1; break;
    case FIELD_DATE: c->date = 20000; break;
    case FIELD_PARTITION: snprintf(c->partition, sizeof(c->partition), "P%u", seed); break;
    case FIELD_CLAIMS: c->claims = 1; break;
    case FIELD_ALLOWED_COUNTRIES:
    case FIELD_BLOCKED_COUNTRIES: {
        unsigned k = kind == FIELD_BLOCKED_COUNTRIES;
        uint16_t code = country_parse(k ? "KP" : "CA", 2);
        unsigned bit = country_index(code);
        c->countries[k][bit / 64] |= UINT64_C(1) << (bit % 64);
        c->countries_count[k] = 1;
        break;
    }
    case FIELD_MAX_HOLDERS: c->max_holders = 99; break;
    case FIELD_MAX_BALANCE: c->max_balance = 77; break;
    case FIELD_FLAG: c->flag = 1; break;
    case FIELD_MODE: c->mode = 1; break;
    case FIELD_TEXT: snprintf(c->text, sizeof(c->text), "title %u", seed); break;
    case FIELD_SEVERITY: c->severity = 2; break;
    case FIELD_ALERT: c->alert = 0xABCDu; break;
    case FIELD_WINDOW_BLOCKS: c->window_blocks = 10; break;
    case FIELD_SUSTAIN_BLOCKS: c->sustain_blocks = 3; break;
    case FIELD_THRESHOLD: c->threshold_ppm = 5000; break;
    case FIELD_CHAIN: c->chain = 8453; break;
    case FIELD_VAULT_TYPE: snprintf(c->vault_type, sizeof(c->vault_type), "ETH-A"); break;
    case FIELD_COLLATERAL: c->vault_collateral = 0; break;
    case FIELD_MIN_RATIO: c->vault_min_ratio_ppm = 1500000; break;
    case FIELD_LIQUIDATION_RATIO: c->vault_liquidation_ratio_ppm = 1300000; break;
    case FIELD_PENALTY: c->vault_penalty_ppm = 100000; break;
    case FIELD__COUNT: break;
    }
}

/* Every op with every field of its row set: the binary form decodes to the
 * same bytes in each field's storage, and re-encodes to the same bytes. */
static void every_op_with_all_fields_round_trips_binary(void **state) {
    (void)state;
    const struct op_def *ops = op_table();
    for (unsigned op = 0; op < OP__COUNT; op++) {
        struct command c;
        memset(&c, 0, sizeof(c));
        c.op = (uint16_t)op;
        for (unsigned i = 0; i < OP_FIELDS_MAX && ops[op].fields[i].name != NULL; i++) {
            enum field_kind kind = (enum field_kind)ops[op].fields[i].kind;
            fill_kind(&c, kind, op + i);
            c.present |= CMD_HAS(kind);
        }
        struct buf b = {0};
        command_encode(&c, &b);
        struct buf_reader r;
        buf_reader_init(&r, b.data, b.len);
        struct command d;
        if (command_decode_bin_counts(&r, 1, 1, 1, &d) != 0) fail_msg("%s: not decoded", ops[op].name);
        assert_int_equal(r.pos, b.len);
        assert_int_equal(d.op, c.op);
        assert_int_equal(d.present, c.present);
        for (unsigned i = 0; i < OP_FIELDS_MAX && ops[op].fields[i].name != NULL; i++) {
            struct command_slot s[2];
            unsigned n = command_field_slot((enum field_kind)ops[op].fields[i].kind, s);
            for (unsigned k = 0; k < n; k++) {
                if (memcmp((const uint8_t *)&c + s[k].offset, (const uint8_t *)&d + s[k].offset,
                           s[k].size) != 0) {
                    fail_msg("%s.%s: differs after the round trip", ops[op].name, ops[op].fields[i].name);
                }
            }
        }
        struct buf again = {0};
        command_encode(&d, &again);
        assert_int_equal(again.len, b.len);
        assert_memory_equal(again.data, b.data, b.len);
        buf_free(&again);
        buf_free(&b);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_op_row_maps_two_fields_onto_overlapping_storage),
        cmocka_unit_test(overlap_check_finds_shared_storage),
        cmocka_unit_test(every_kind_has_storage_and_transfer_is_hot),
        cmocka_unit_test(every_op_with_all_fields_round_trips_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
