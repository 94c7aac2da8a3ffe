/*
 * test_cli.c - src/cli: argument parsing against the subcommand table,
 * usage lines, command bodies and result sentences, URL and query encoding,
 * request signing, key files in a temporary MINTLINE_HOME, the mapping of
 * node answers to SPEC 8 exit codes, and whole runs of cli_main that need
 * no node (help, keys, usage errors, an unreachable node).
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/base/err.h"
#include "../../src/base/hex.h"
#include "../../src/base/hash.h"
#include "../../src/base/sig.h"
#include "../../src/cli/cli.h"
#include "../../src/cli/cli_args.h"
#include "../../src/cli/cli_call.h"
#include "../../src/cli/cli_cmd.h"
#include "../../src/cli/cli_http.h"
#include "../../src/base/keyfile.h"
#include "../../src/cli/cli_out.h"
#include "../../src/engine/command.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------------ */
/* helpers                                                            */
/* ------------------------------------------------------------------ */

static enum err parse(int argc, const char **argv, struct cli_args *out) {
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    return cli_args_parse(rows, count, argc, (char **)argv, out);
}

static void expect_usage(int argc, const char **argv, const char *why_part) {
    struct cli_args a;
    enum err err = parse(argc, argv, &a);
    if (err != ERR_USAGE) fail_msg("expected ERR_USAGE, got %s", err_name(err));
    if (strstr(a.why, why_part) == NULL) fail_msg("why '%s' lacks '%s'", a.why, why_part);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh MINTLINE_HOME for one test; removed by home_drop. */
static char home_dir[64];

static void home_make(void) {
    snprintf(home_dir, sizeof(home_dir), "/tmp/mintline-cli-test-XXXXXX");
    assert_non_null(mkdtemp(home_dir));
    setenv("MINTLINE_HOME", home_dir, 1);
}

static void home_drop(void) {
    nftw(home_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    unsetenv("MINTLINE_HOME");
}

static void write_file(const char *path, const char *text, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

/* Run cli_main with stdout into `out` (up to out_size - 1 bytes, NUL
 * terminated; NULL to discard) and stderr discarded. */
static int run_cli(int argc, const char **argv, char *out, size_t out_size) {
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    char tmp[] = "/tmp/mintline-cli-out-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    int null_fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(null_fd, 2);
    int rc = cli_main(argc, (char **)argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    close(null_fd);
    if (out != NULL && out_size > 0) {
        ssize_t n = pread(fd, out, out_size - 1, 0);
        out[n > 0 ? n : 0] = '\0';
    }
    close(fd);
    unlink(tmp);
    return rc;
}

/* ------------------------------------------------------------------ */
/* argument parsing                                                   */
/* ------------------------------------------------------------------ */

static void args_globals_before_and_after_command_both_apply(void **state) {
    (void)state;
    const char *argv[] = {"mintline",  "--node", "http://n:1", "--json",   "mint",     "USDW",
                          "--to",      "0xab",   "--operator", "bob",      "--amount", "5",
                          "--dry-run", "--key",  "k.key",      "--config", "c.yaml"};
    struct cli_args a;
    assert_int_equal(parse(ARGC(argv), argv, &a), ERR_OK);
    assert_string_equal(a.cmd->words, "mint");
    assert_string_equal(a.node, "http://n:1");
    assert_string_equal(a.operator_name, "bob");
    assert_string_equal(a.key, "k.key");
    assert_string_equal(a.config, "c.yaml");
    assert_true(a.json);
    assert_true(a.dry_run);
    assert_int_equal(a.pos_count, 1);
    assert_string_equal(a.pos[0], "USDW");
    assert_string_equal(a.flag_values[0], "0xab");
    assert_string_equal(a.flag_values[1], "5");
    assert_null(a.flag_values[2]);
}

static void args_equals_form_takes_inline_value(void **state) {
    (void)state;
    const char *argv[] = {"mintline", "--node=http://x:2", "burn",
                          "S1",       "--from=0xab",       "--amount=1.5"};
    struct cli_args a;
    assert_int_equal(parse(ARGC(argv), argv, &a), ERR_OK);
    assert_string_equal(a.node, "http://x:2");
    assert_string_equal(a.flag_values[0], "0xab");
    assert_string_equal(a.flag_values[1], "1.5");
}

static void args_command_flag_beats_global_of_same_name(void **state) {
    (void)state;
    const char *argv[] = {"mintline",   "--operator", "alice",   "history",
                          "--operator", "bob",        "--limit", "5"};
    struct cli_args a;
    assert_int_equal(parse(ARGC(argv), argv, &a), ERR_OK);
    assert_string_equal(a.operator_name, "alice");
    assert_string_equal(a.flag_values[2], "bob");
    assert_string_equal(a.flag_values[0], "5");
    const char *argv2[] = {"mintline", "status", "--operator", "carol"};
    assert_int_equal(parse(ARGC(argv2), argv2, &a), ERR_OK);
    assert_string_equal(a.operator_name, "carol");
}

static void args_value_flag_twice_is_usage(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "mint", "S1", "--to", "a", "--to", "b", "--amount", "1"};
    expect_usage(ARGC(a1), a1, "--to given twice");
    const char *a2[] = {"mintline", "--node", "a", "status", "--node", "b"};
    expect_usage(ARGC(a2), a2, "--node given twice");
}

static void args_missing_value_is_usage(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "mint", "S1", "--amount", "1", "--to"};
    expect_usage(ARGC(a1), a1, "--to needs a value");
    const char *a2[] = {"mintline", "mint", "S1", "--to", "--amount", "1"};
    expect_usage(ARGC(a2), a2, "--to needs a value");
    const char *a3[] = {"mintline", "--node"};
    expect_usage(ARGC(a3), a3, "--node needs a value");
}

static void args_unknown_flags_and_commands_are_usage(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "status", "--frob"};
    expect_usage(ARGC(a1), a1, "unknown flag --frob");
    const char *a2[] = {"mintline", "status", "-x"};
    expect_usage(ARGC(a2), a2, "unknown flag '-x'");
    const char *a3[] = {"mintline", "frobnicate"};
    expect_usage(ARGC(a3), a3, "unknown command 'frobnicate'");
    const char *a4[] = {"mintline", "--to", "0xab", "mint", "S1"};
    expect_usage(ARGC(a4), a4, "unknown global flag");
    const char *a5[] = {"mintline"};
    expect_usage(ARGC(a5), a5, "no command given");
    const char *a6[] = {"mintline", "--json=yes", "status"};
    expect_usage(ARGC(a6), a6, "--json takes no value");
    const char *a7[] = {"mintline", "events", "--follow=1"};
    expect_usage(ARGC(a7), a7, "--follow takes no value");
}

static void args_partial_words_list_the_subcommands(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "key"};
    expect_usage(ARGC(a1), a1, "key: expected one of: new, show");
    const char *a2[] = {"mintline", "audit", "NAME"};
    expect_usage(ARGC(a2), a2, "audit: expected one of: verify");
}

static void args_help_forms_skip_required_checks(void **state) {
    (void)state;
    struct cli_args a;
    const char *a1[] = {"mintline", "--help"};
    assert_int_equal(parse(ARGC(a1), a1, &a), ERR_OK);
    assert_true(a.help);
    assert_null(a.cmd);
    const char *a2[] = {"mintline", "help"};
    assert_int_equal(parse(ARGC(a2), a2, &a), ERR_OK);
    assert_true(a.help);
    assert_null(a.cmd);
    const char *a3[] = {"mintline", "mint", "--help"};
    assert_int_equal(parse(ARGC(a3), a3, &a), ERR_OK);
    assert_true(a.help);
    assert_string_equal(a.cmd->words, "mint");
    const char *a4[] = {"mintline", "help", "key", "new"};
    assert_int_equal(parse(ARGC(a4), a4, &a), ERR_OK);
    assert_string_equal(a.cmd->words, "key new");
    const char *a5[] = {"mintline", "-h", "transfer"};
    assert_int_equal(parse(ARGC(a5), a5, &a), ERR_OK);
    assert_string_equal(a.cmd->words, "transfer");
}

static void args_required_flags_and_positionals_are_checked(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "mint", "S1", "--to", "0xab"};
    expect_usage(ARGC(a1), a1, "missing --amount A");
    const char *a2[] = {"mintline", "mint", "--to", "0xab", "--amount", "1"};
    expect_usage(ARGC(a2), a2, "missing SYM");
    const char *a3[] = {"mintline", "balance", "S1", "0xab", "extra"};
    expect_usage(ARGC(a3), a3, "unexpected argument 'extra'");
    const char *a4[] = {"mintline", "init"};
    expect_usage(ARGC(a4), a4, "missing --genesis FILE");
    const char *a5[] = {"mintline", "pause", "A", "B", "C", "D", "E"};
    expect_usage(ARGC(a5), a5, "unexpected argument");
    struct cli_args a;
    const char *a6[] = {"mintline", "pause"};
    assert_int_equal(parse(ARGC(a6), a6, &a), ERR_OK);
    assert_int_equal(a.pos_count, 0);
}

static void args_usage_error_keeps_the_matched_row(void **state) {
    (void)state;
    const char *argv[] = {"mintline", "transfer", "S1"};
    struct cli_args a;
    assert_int_equal(parse(ARGC(argv), argv, &a), ERR_USAGE);
    assert_non_null(a.cmd);
    assert_string_equal(a.cmd->words, "transfer");
}

static void args_double_dash_ends_flags(void **state) {
    (void)state;
    const char *argv[] = {"mintline", "key", "new", "--", "--json"};
    struct cli_args a;
    assert_int_equal(parse(ARGC(argv), argv, &a), ERR_OK);
    assert_false(a.json);
    assert_int_equal(a.pos_count, 1);
    assert_string_equal(a.pos[0], "--json");
}

static void args_longest_words_win(void **state) {
    (void)state;
    const char *argv[] = {"mintline", "dev", "advance", "2h"};
    struct cli_args a;
    assert_int_equal(parse(ARGC(argv), argv, &a), ERR_OK);
    assert_string_equal(a.cmd->words, "dev advance");
    assert_string_equal(a.pos[0], "2h");
}

static const struct cli_cmd *row_named(const char *words) {
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(rows[i].words, words) == 0) return &rows[i];
    }
    fail_msg("no row '%s'", words);
    return NULL;
}

static void args_usage_line_is_built_from_the_row(void **state) {
    (void)state;
    char usage[256];
    cli_args_usage(row_named("transfer"), usage, sizeof(usage));
    assert_string_equal(usage, "transfer SYM --from ADDR --to ADDR --amount A [--partition P]");
    cli_args_usage(row_named("events"), usage, sizeof(usage));
    assert_string_equal(usage, "events [--recent N] [--type T] [--asset SYM] [--follow]");
    cli_args_usage(row_named("pause"), usage, sizeof(usage));
    assert_string_equal(usage, "pause [SYM]");
    char tiny[8];
    cli_args_usage(row_named("transfer"), tiny, sizeof(tiny));
    assert_string_equal(tiny, "transfe");
}

/* ------------------------------------------------------------------ */
/* the table                                                          */
/* ------------------------------------------------------------------ */

static void table_rows_are_well_formed_and_ops_exist(void **state) {
    (void)state;
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    assert_true(count >= 16);
    for (size_t i = 0; i < count; i++) {
        const struct cli_cmd *r = &rows[i];
        assert_non_null(r->run);
        assert_non_null(r->help);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(rows[j].words, r->words) == 0) fail_msg("duplicate row %s", r->words);
        }
        if (r->op == NULL) continue;
        if (op_find(r->op, strlen(r->op)) == NULL)
            fail_msg("row %s: op %s unknown", r->words, r->op);
        /* Every row with an op submits it: generically, or after computing
         * a value (nav fetch: the NAV; por publish: the salt; maintenance
         * start: --for is the op's "duration"). */
        if (r->run != cli_cmd_submit && r->run != cli_cmd_nav_fetch && r->run != cli_cmd_por_publish &&
            r->run != cli_cmd_maintenance_start)
            fail_msg("row %s has an op but its own handler", r->words);
        assert_non_null(r->done);
        assert_non_null(r->dry);
    }
}

/* ------------------------------------------------------------------ */
/* command bodies and sentences                                       */
/* ------------------------------------------------------------------ */

static char *body_of(int argc, const char **argv) {
    struct cli_args a;
    assert_int_equal(parse(argc, argv, &a), ERR_OK);
    struct cli_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.args = &a;
    ctx.dry_run = a.dry_run;
    json_t *body = cli_cmd_submit_body(&ctx);
    assert_non_null(body);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_non_null(text);
    return text;
}

static void submit_body_has_op_fields_and_dry_run(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "transfer", "S1",  "--amount",    "2",     "--to",
                        "0xb",      "--from",   "0xa", "--partition", "REG_D", "--dry-run"};
    char *t = body_of(ARGC(a1), a1);
    assert_string_equal(t, "{\"op\":\"transfer\",\"asset\":\"S1\",\"from\":\"0xa\",\"to\":\"0xb\","
                           "\"amount\":\"2\",\"partition\":\"REG_D\",\"dry_run\":true}");
    free(t);
    const char *a2[] = {"mintline", "pause"};
    t = body_of(ARGC(a2), a2);
    assert_string_equal(t, "{\"op\":\"pause\"}");
    free(t);
    const char *a3[] = {"mintline", "dev", "advance", "90s"};
    t = body_of(ARGC(a3), a3);
    assert_string_equal(t, "{\"op\":\"dev.advance\",\"duration\":\"90s\"}");
    free(t);
}

/* Incidents, maintenance windows and the timelock override (SPEC 8, 9):
 * plain rows, but for maintenance start's --for, the op's "duration". A
 * window without a reason is a usage error before any node is asked. */
static void submit_body_incident_and_maintenance_rows(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "incident", "open", "--severity", "P1", "--title", "reserve low", "--asset", "USDW"};
    char *t = body_of(ARGC(a1), a1);
    assert_string_equal(t, "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"reserve low\",\"asset\":\"USDW\"}");
    free(t);
    const char *a2[] = {"mintline", "incident", "note", "3", "called the bank"};
    t = body_of(ARGC(a2), a2);
    assert_string_equal(t, "{\"op\":\"incident.note\",\"id\":\"3\",\"text\":\"called the bank\"}");
    free(t);
    const char *a3[] = {"mintline", "incident", "resolve", "3", "--summary", "reports late", "--dry-run"};
    t = body_of(ARGC(a3), a3);
    assert_string_equal(t, "{\"op\":\"incident.resolve\",\"id\":\"3\",\"summary\":\"reports late\",\"dry_run\":true}");
    free(t);
    const char *a4[] = {"mintline", "timelock", "expedite", "7"};
    t = body_of(ARGC(a4), a4);
    assert_string_equal(t, "{\"op\":\"timelock.expedite\",\"id\":\"7\"}");
    free(t);
    struct cli_args a;
    const char *a5[] = {"mintline", "maintenance", "start", "--for", "2h", "--reason", "upgrade"};
    assert_int_equal(parse(ARGC(a5), a5, &a), ERR_OK);
    struct cli_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.args = &a;
    json_t *body = cli_cmd_maintenance_start_body(&ctx);
    assert_non_null(body);
    t = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(body);
    assert_string_equal(t, "{\"duration\":\"2h\",\"op\":\"maintenance.start\",\"reason\":\"upgrade\"}");
    free(t);
    const char *a6[] = {"mintline", "maintenance", "start", "--for", "2h"};
    expect_usage(ARGC(a6), a6, "missing --reason T");
    const char *a7[] = {"mintline", "incident", "resolve", "3"};
    expect_usage(ARGC(a7), a7, "missing --summary T");
}

/* SPEC 2: JSON carries amounts canonically, so the CLI writes what was
 * typed ("1200.50") canonically ("1200.5"); the op table says which fields
 * are amounts (flags with hyphens and positionals alike). Text that is not
 * an amount's grammar goes as typed, for the node to refuse. */
static void submit_body_writes_amounts_canonically(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "mint", "USDW", "--to", "0x0070", "--amount", "001200.50"};
    char *t = body_of(ARGC(a1), a1);
    assert_string_equal(t, "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"0x0070\",\"amount\":\"1200.5\"}");
    free(t);
    const char *a2[] = {"mintline", "caps", "set", "USDW", "--supply-cap", "1000.00", "--daily-mint-limit", "0.0"};
    t = body_of(ARGC(a2), a2);
    assert_string_equal(t, "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"supply_cap\":\"1000\","
                           "\"daily_mint_limit\":\"0\"}");
    free(t);
    const char *a3[] = {"mintline", "reserve", "report", "USDW", "01000250.00"};
    t = body_of(ARGC(a3), a3);
    assert_string_equal(t, "{\"op\":\"reserve.report\",\"asset\":\"USDW\",\"amount\":\"1000250\"}");
    free(t);
    const char *a4[] = {"mintline", "mint", "USDW", "--to", "0xa", "--amount", "1."};
    t = body_of(ARGC(a4), a4);
    assert_string_equal(t, "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"0xa\",\"amount\":\"1.\"}");
    free(t);
}

static void expect_expand(const char *tpl, const char *body_json, const char *expected) {
    json_error_t jerr;
    json_t *body = json_loads(body_json, 0, &jerr);
    assert_non_null(body);
    struct buf out;
    buf_init(&out);
    cli_cmd_submit_expand(tpl, body, &out);
    buf_put(&out, "", 1);
    assert_true(buf_ok(&out));
    assert_string_equal((const char *)out.data, expected);
    buf_free(&out);
    json_decref(body);
}

static void submit_sentences_expand_present_absent_and_optional(void **state) {
    (void)state;
    const struct cli_cmd *mint = row_named("mint");
    expect_expand(mint->done, "{\"asset\":\"USDW\",\"to\":\"0xa\",\"amount\":\"100\"}",
                  "minted 100 USDW to 0xa");
    expect_expand(mint->dry,
                  "{\"asset\":\"USDW\",\"to\":\"0xa\",\"amount\":\"1\",\"partition\":\"P\"}",
                  "mint 1 USDW (P) to 0xa");
    const struct cli_cmd *pause = row_named("pause");
    expect_expand(pause->done, "{}", "paused everything");
    expect_expand(pause->done, "{\"asset\":\"X1\"}", "paused X1");
    expect_expand("a {b", "{}", "a {b");
    expect_expand("[{missing}]", "{\"x\":\"v\"}", "[]");
}

/* ------------------------------------------------------------------ */
/* URLs, queries and signatures                                       */
/* ------------------------------------------------------------------ */

static void expect_encoded(const char *text, const char *expected) {
    struct buf out;
    buf_init(&out);
    cli_http_encode(&out, text);
    buf_put(&out, "", 1);
    assert_string_equal((const char *)out.data, expected);
    buf_free(&out);
}

static void http_encode_keeps_only_unreserved(void **state) {
    (void)state;
    expect_encoded("AZaz09-._~", "AZaz09-._~");
    expect_encoded("a b&c=d/e?f#g%h+", "a%20b%26c%3Dd%2Fe%3Ff%23g%25h%2B");
    expect_encoded("\xc3\xa9\n", "%C3%A9%0A");
    expect_encoded("", "");
}

static void http_query_starts_with_question_mark_then_ampersand(void **state) {
    (void)state;
    struct buf p;
    buf_init(&p);
    buf_put(&p, "/api/history", 12);
    cli_http_query(&p, "limit", NULL);
    cli_http_query(&p, "op", "dev.advance");
    cli_http_query(&p, "operator", "a b");
    cli_http_query(&p, "after_seq", "0");
    buf_put(&p, "", 1);
    assert_string_equal((const char *)p.data,
                        "/api/history?op=dev.advance&operator=a%20b&after_seq=0");
    buf_free(&p);
}

static void http_base_parse_splits_origin_and_prefix(void **state) {
    (void)state;
    struct cli_http_base b;
    assert_int_equal(cli_http_base_parse("http://127.0.0.1:8645", &b), ERR_OK);
    assert_string_equal(b.origin, "http://127.0.0.1:8645");
    assert_string_equal(b.prefix, "");
    assert_int_equal(cli_http_base_parse("HTTPS://node.example/ledger//", &b), ERR_OK);
    assert_string_equal(b.origin, "HTTPS://node.example");
    assert_string_equal(b.prefix, "/ledger");
    assert_int_equal(cli_http_base_parse("http://h/", &b), ERR_OK);
    assert_string_equal(b.prefix, "");
    const char *bad[] = {"127.0.0.1:8645", "ftp://h",     "http://",   "http:///x",
                         "http://h/?q=1",  "http://h/#f", "http://h x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (cli_http_base_parse(bad[i], &b) != ERR_INVALID_ARGUMENT)
            fail_msg("accepted %s", bad[i]);
    }
}

static void http_sign_verifies_and_binds_method_path_and_body(void **state) {
    (void)state;
    uint8_t seed[SIG_SEED_BYTES], pk[SIG_PUBKEY_BYTES];
    for (size_t i = 0; i < sizeof(seed); i++) seed[i] = (uint8_t)(i * 7 + 1);
    sig_pubkey(seed, pk);
    const char *body = "{\"op\":\"pause\"}";
    struct cli_http_auth auth;
    assert_int_equal(cli_http_sign(seed, "POST", "/api/commands", (const uint8_t *)body,
                                   strlen(body), INT64_C(1795000000123), "00ff", &auth),
                     0);
    assert_string_equal(auth.time_ms, "1795000000123");
    assert_string_equal(auth.nonce, "00ff");
    struct hash h, other;
    hash_once(body, strlen(body), &h);
    hash_once("{}", 2, &other);
    assert_int_equal(sig_verify(pk, "POST", "/api/commands", auth.time_ms, auth.nonce, &h,
                                auth.signature),
                     0);
    assert_int_equal(sig_verify(pk, "POST", "/api/commands?x=1", auth.time_ms, auth.nonce, &h,
                                auth.signature),
                     -1);
    assert_int_equal(sig_verify(pk, "GET", "/api/commands", auth.time_ms, auth.nonce, &h,
                                auth.signature),
                     -1);
    assert_int_equal(sig_verify(pk, "POST", "/api/commands", auth.time_ms, auth.nonce, &other,
                                auth.signature),
                     -1);
}

static void http_nonce_is_32_hex_and_fresh(void **state) {
    (void)state;
    char a[CLI_HTTP_NONCE_SIZE], b[CLI_HTTP_NONCE_SIZE];
    cli_http_nonce(a);
    cli_http_nonce(b);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_string_not_equal(a, b);
}

/* ------------------------------------------------------------------ */
/* key files                                                          */
/* ------------------------------------------------------------------ */

static void key_path_rejects_bad_names(void **state) {
    (void)state;
    char path[256];
    assert_int_equal(cli_key_path("/h", "alice", path, sizeof(path)), ERR_OK);
    assert_string_equal(path, "/h/keys/alice.key");
    const char *bad[] = {
        "", "Alice", "1a", "a/b", "../x", "a.key", "abcdefghijklmnopqrstuvwxyz0123456"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (cli_key_path("/h", bad[i], path, sizeof(path)) != ERR_INVALID_NAME) {
            fail_msg("accepted name '%s'", bad[i]);
        }
    }
    assert_int_equal(cli_key_path("/h", "abcdefghijklmnopqrstuvwxyz012345", path, sizeof(path)),
                     ERR_OK);
    char small[8];
    assert_int_equal(cli_key_path("/h", "alice", small, sizeof(small)), ERR_IO);
}

static void key_create_writes_0600_one_line_and_refuses_overwrite(void **state) {
    (void)state;
    home_make();
    char path[512], pub[KEYFILE_HEX_SIZE], why[512];
    snprintf(path, sizeof(path), "%s/deep/er/keys/alice.key", home_dir);
    assert_int_equal(keyfile_create(path, pub, why, sizeof(why)), ERR_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 65);
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/deep/er/keys", home_dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char text[80] = "";
    int fd = open(path, O_RDONLY);
    assert_true(read(fd, text, sizeof(text) - 1) == 65);
    close(fd);
    assert_int_equal(strspn(text, "0123456789abcdef"), 64);
    assert_int_equal(text[64], '\n');
    /* The file's seed gives the printed public key. */
    uint8_t seed[SIG_SEED_BYTES];
    assert_int_equal(hex_decode(text, 64, seed, sizeof(seed)), 0);
    char again[KEYFILE_HEX_SIZE];
    keyfile_pubkey_hex(seed, again);
    assert_string_equal(again, pub);
    char pub2[KEYFILE_HEX_SIZE] = "";
    assert_int_equal(keyfile_create(path, pub2, why, sizeof(why)), ERR_KEY_EXISTS);
    char after[80] = "";
    fd = open(path, O_RDONLY);
    assert_true(read(fd, after, sizeof(after) - 1) == 65);
    close(fd);
    assert_string_equal(after, text);
    home_drop();
}

static void key_load_round_trip_and_formats(void **state) {
    (void)state;
    home_make();
    char path[512], pub[KEYFILE_HEX_SIZE], why[512];
    snprintf(path, sizeof(path), "%s/keys/bob.key", home_dir);
    assert_int_equal(keyfile_create(path, pub, why, sizeof(why)), ERR_OK);
    uint8_t seed[SIG_SEED_BYTES];
    int loose = -1;
    assert_int_equal(keyfile_load(path, seed, &loose, why, sizeof(why)), ERR_OK);
    assert_int_equal(loose, 0);
    char pk[KEYFILE_HEX_SIZE];
    keyfile_pubkey_hex(seed, pk);
    assert_string_equal(pk, pub);
    /* CRLF and no newline are one line too; upper case hex is hex. */
    const char *hex64 = "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
    char text[80];
    snprintf(text, sizeof(text), "%s\r\n", hex64);
    write_file(path, text, 0600);
    assert_int_equal(keyfile_load(path, seed, &loose, why, sizeof(why)), ERR_OK);
    assert_int_equal(seed[0], 0x00);
    assert_int_equal(seed[10], 0xaa);
    write_file(path, hex64, 0644);
    assert_int_equal(keyfile_load(path, seed, &loose, why, sizeof(why)), ERR_OK);
    assert_int_equal(loose, 1);
    home_drop();
}

static void key_load_rejects_malformed_and_missing(void **state) {
    (void)state;
    home_make();
    char path[512], why[512];
    snprintf(path, sizeof(path), "%s/k.key", home_dir);
    uint8_t seed[SIG_SEED_BYTES];
    memset(seed, 0x5a, sizeof(seed));
    int loose = 0;
    const char *bad[] = {"",
                         "\n",
                         "abcd\n",
                         "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef\n",
                         "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0\n",
                         "0g112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
                         "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n\n",
                         " 00112233445566778899aabbccddeeff00112233445566778899aabbccddeef"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(path, bad[i], 0600);
        if (keyfile_load(path, seed, &loose, why, sizeof(why)) != ERR_KEY_FILE) {
            fail_msg("accepted key file #%zu", i);
        }
        assert_int_equal(seed[0], 0x5a); /* untouched on error */
    }
    snprintf(path, sizeof(path), "%s/none.key", home_dir);
    assert_int_equal(keyfile_load(path, seed, &loose, why, sizeof(why)), ERR_IO);
    assert_non_null(strstr(why, "none.key"));
    assert_int_equal(keyfile_load(home_dir, seed, &loose, why, sizeof(why)), ERR_KEY_FILE);
    home_drop();
}

/* ------------------------------------------------------------------ */
/* answers -> exit codes                                              */
/* ------------------------------------------------------------------ */

static void expect_classified(long status, const char *body, int exit_code, const char *code) {
    struct cli_reply r;
    memset(&r, 0, sizeof(r));
    r.status = status;
    buf_init(&r.raw);
    buf_put(&r.raw, body, strlen(body));
    cli_call_classify(&r);
    if (r.exit_code != exit_code) {
        fail_msg("HTTP %ld %s: exit %d, expected %d", status, body, r.exit_code, exit_code);
    }
    if (code != NULL) assert_string_equal(r.code, code);
    if (exit_code == CLI_EXIT_OK) assert_non_null(r.doc);
    cli_reply_free(&r);
}

static void call_classify_maps_answers_to_exit_codes(void **state) {
    (void)state;
    expect_classified(200, "{\"ok\":true,\"seq\":7,\"block\":3,\"events\":[]}", 0, NULL);
    expect_classified(200, "{\"node\":{},\"assets\":[]}", 0, NULL);
    expect_classified(202, "{\"ok\":true,\"pending\":{\"proposal\":5}}", 0, NULL);
    expect_classified(409,
                      "{\"ok\":false,\"error\":{\"code\":\"ERR_SUPPLY_CAP\",\"message\":\"m\"}}", 1,
                      "ERR_SUPPLY_CAP");
    expect_classified(
        401, "{\"ok\":false,\"error\":{\"code\":\"ERR_AUTH_SIGNATURE\",\"message\":\"m\"}}", 1,
        "ERR_AUTH_SIGNATURE");
    expect_classified(404,
                      "{\"ok\":false,\"error\":{\"code\":\"ERR_UNKNOWN_ASSET\",\"message\":\"m\"}}",
                      1, "ERR_UNKNOWN_ASSET");
    expect_classified(200, "{\"ok\":false,\"error\":{\"code\":\"ERR_PAUSED\",\"message\":\"m\"}}",
                      1, "ERR_PAUSED");
    expect_classified(400, "{}", 1, "ERR_INTERNAL");
    expect_classified(503,
                      "{\"ok\":false,\"error\":{\"code\":\"ERR_NOT_READY\",\"message\":\"m\"}}", 3,
                      "ERR_NOT_READY");
    expect_classified(502, "<html>bad gateway</html>", 3, "ERR_NODE_UNREACHABLE");
    expect_classified(200, "[1,2]", 3, "ERR_IO");
    expect_classified(200, "", 3, "ERR_IO");
    expect_classified(500, "{}", 3, "ERR_NODE_UNREACHABLE");
}

/* ------------------------------------------------------------------ */
/* whole runs                                                         */
/* ------------------------------------------------------------------ */

static void main_key_new_then_show_print_the_same_public_key(void **state) {
    (void)state;
    home_make();
    char out1[256], out2[256], out3[512];
    const char *a1[] = {"mintline", "key", "new", "alice"};
    assert_int_equal(run_cli(ARGC(a1), a1, out1, sizeof(out1)), CLI_EXIT_OK);
    assert_int_equal(strlen(out1), 65);
    const char *a2[] = {"mintline", "key", "show", "alice"};
    assert_int_equal(run_cli(ARGC(a2), a2, out2, sizeof(out2)), CLI_EXIT_OK);
    assert_string_equal(out1, out2);
    assert_int_equal(run_cli(ARGC(a1), a1, NULL, 0), CLI_EXIT_REJECTED);
    const char *a3[] = {"mintline", "--json", "key", "show", "alice"};
    assert_int_equal(run_cli(ARGC(a3), a3, out3, sizeof(out3)), CLI_EXIT_OK);
    json_error_t jerr;
    json_t *doc = json_loads(out3, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "name")), "alice");
    assert_memory_equal(json_string_value(json_object_get(doc, "pubkey")), out1, 64);
    assert_non_null(strstr(json_string_value(json_object_get(doc, "path")), "/keys/alice.key"));
    json_decref(doc);
    const char *a4[] = {"mintline", "key", "new", "Bad!"};
    assert_int_equal(run_cli(ARGC(a4), a4, NULL, 0), CLI_EXIT_USAGE);
    const char *a5[] = {"mintline", "key", "show", "nobody"};
    assert_int_equal(run_cli(ARGC(a5), a5, NULL, 0), CLI_EXIT_IO);
    home_drop();
}

static void main_exit_codes_for_help_usage_and_unreachable_node(void **state) {
    (void)state;
    home_make();
    char out[16384]; /* the overview grows with every row */
    const char *a1[] = {"mintline", "--help"};
    assert_int_equal(run_cli(ARGC(a1), a1, out, sizeof(out)), CLI_EXIT_OK);
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    for (size_t i = 0; i < count; i++) {
        if (strstr(out, rows[i].help) == NULL) fail_msg("--help lacks %s", rows[i].words);
    }
    const char *a2[] = {"mintline", "history", "--help"};
    assert_int_equal(run_cli(ARGC(a2), a2, out, sizeof(out)), CLI_EXIT_OK);
    assert_non_null(strstr(out, "usage: mintline history [--limit N] [--op OP] [--operator NAME]"));
    const char *a3[] = {"mintline", "mint", "S1"};
    assert_int_equal(run_cli(ARGC(a3), a3, out, sizeof(out)), CLI_EXIT_USAGE);
    assert_string_equal(out, ""); /* stdout carries data only */
    const char *a4[] = {"mintline", "key", "new", "carol"};
    assert_int_equal(run_cli(ARGC(a4), a4, NULL, 0), CLI_EXIT_OK);
    const char *a5[] = {"mintline",   "--node", "http://127.0.0.1:1",
                        "--operator", "carol",  "status"};
    assert_int_equal(run_cli(ARGC(a5), a5, out, sizeof(out)), CLI_EXIT_IO);
    const char *a6[] = {"mintline", "--node", "ftp://x", "--operator", "carol", "status"};
    assert_int_equal(run_cli(ARGC(a6), a6, NULL, 0), CLI_EXIT_USAGE);
    unsetenv("MINTLINE_OPERATOR");
    const char *a7[] = {"mintline", "status"};
    assert_int_equal(run_cli(ARGC(a7), a7, NULL, 0), CLI_EXIT_USAGE);
    const char *a8[] = {"mintline", "--config", "/nonexistent/mintline.yaml", "status"};
    assert_int_equal(run_cli(ARGC(a8), a8, NULL, 0), CLI_EXIT_IO); /* a file that cannot be read */
    const char *a9[] = {"mintline", "--operator", "dave", "--node", "http://127.0.0.1:1", "status"};
    assert_int_equal(run_cli(ARGC(a9), a9, NULL, 0), CLI_EXIT_IO); /* no key file */
    home_drop();
}

/* A ratio the node sends as 0.0008 prints as 0.0008, not as the double. */
static void out_text_prints_reals_as_sent(void **state) {
    (void)state;
    char out[64];
    json_t *doc = json_loads("[0.0008, 1.05, 0.1, 12]", 0, NULL);
    assert_non_null(doc);
    const char *want[] = {"0.0008", "1.05", "0.1", "12"};
    for (size_t i = 0; i < 4; i++) {
        cli_out_text(json_array_get(doc, i), out, sizeof out);
        assert_string_equal(out, want[i]);
    }
    json_decref(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(out_text_prints_reals_as_sent),
        cmocka_unit_test(args_globals_before_and_after_command_both_apply),
        cmocka_unit_test(args_equals_form_takes_inline_value),
        cmocka_unit_test(args_command_flag_beats_global_of_same_name),
        cmocka_unit_test(args_value_flag_twice_is_usage),
        cmocka_unit_test(args_missing_value_is_usage),
        cmocka_unit_test(args_unknown_flags_and_commands_are_usage),
        cmocka_unit_test(args_partial_words_list_the_subcommands),
        cmocka_unit_test(args_help_forms_skip_required_checks),
        cmocka_unit_test(args_required_flags_and_positionals_are_checked),
        cmocka_unit_test(submit_body_incident_and_maintenance_rows),
        cmocka_unit_test(args_usage_error_keeps_the_matched_row),
        cmocka_unit_test(args_double_dash_ends_flags),
        cmocka_unit_test(args_longest_words_win),
        cmocka_unit_test(args_usage_line_is_built_from_the_row),
        cmocka_unit_test(table_rows_are_well_formed_and_ops_exist),
        cmocka_unit_test(submit_body_has_op_fields_and_dry_run),
        cmocka_unit_test(submit_body_writes_amounts_canonically),
        cmocka_unit_test(submit_sentences_expand_present_absent_and_optional),
        cmocka_unit_test(http_encode_keeps_only_unreserved),
        cmocka_unit_test(http_query_starts_with_question_mark_then_ampersand),
        cmocka_unit_test(http_base_parse_splits_origin_and_prefix),
        cmocka_unit_test(http_sign_verifies_and_binds_method_path_and_body),
        cmocka_unit_test(http_nonce_is_32_hex_and_fresh),
        cmocka_unit_test(key_path_rejects_bad_names),
        cmocka_unit_test(key_create_writes_0600_one_line_and_refuses_overwrite),
        cmocka_unit_test(key_load_round_trip_and_formats),
        cmocka_unit_test(key_load_rejects_malformed_and_missing),
        cmocka_unit_test(call_classify_maps_answers_to_exit_codes),
        cmocka_unit_test(main_key_new_then_show_print_the_same_public_key),
        cmocka_unit_test(main_exit_codes_for_help_usage_and_unreachable_node),
    };
    if (sodium_init() < 0) return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
