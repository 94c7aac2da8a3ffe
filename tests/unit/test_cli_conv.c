/*
 * test_cli_conv.c - the CLI conventions of issue 13 that need no node: the
 * edit distance and "did you mean" (commands, group words, flags), help
 * for a group, the config file's node/operator/key with profiles and the
 * precedence flags > environment > file, examples and roles from the
 * table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/base/err.h"
#include "../../src/cli/cli_args.h"
#include "../../src/cli/cli_cmd.h"
#include "../../src/cli/cli_config.h"
#include "../../src/cli/cli_conv.h"
#include "../../src/cli/cli_out.h"
#include "../../src/cli/cli_suggest.h"
#include "../../src/node/yaml_json.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static enum err parse(int argc, const char **argv, struct cli_args *out) {
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    return cli_args_parse(rows, count, argc, (char **)argv, out);
}

static void expect_why(int argc, const char **argv, const char *why_part) {
    struct cli_args a;
    enum err err = parse(argc, argv, &a);
    if (err != ERR_USAGE) fail_msg("expected ERR_USAGE, got %s", err_name(err));
    if (strstr(a.why, why_part) == NULL) fail_msg("why '%s' lacks '%s'", a.why, why_part);
}

static void edit_distance_counts_edits_and_swaps(void **state) {
    (void)state;
    assert_int_equal(cli_edit_distance("", ""), 0);
    assert_int_equal(cli_edit_distance("", "mint"), 4);
    assert_int_equal(cli_edit_distance("mint", ""), 4);
    assert_int_equal(cli_edit_distance("mint", "mint"), 0);
    assert_int_equal(cli_edit_distance("mnit", "mint"), 1);  /* a swap of neighbours */
    assert_int_equal(cli_edit_distance("mnit", "init"), 1);  /* a substitution */
    assert_int_equal(cli_edit_distance("tranfer", "transfer"), 1);
    assert_int_equal(cli_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(cli_edit_distance("amout", "amount"), 1);
    assert_int_equal(cli_edit_distance("ca", "abc"), 3);      /* OSA, not unrestricted */
    char longer[CLI_SUGGEST_WORD_MAX + 2];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    assert_int_equal(cli_edit_distance(longer, "a"), CLI_SUGGEST_WORD_MAX + 1);
}

static void suggestions_are_close_or_nothing(void **state) {
    (void)state;
    const char *cands[] = {"init", "mint", "burn", "status", "transfer"};
    assert_string_equal(cli_suggest_best("statsu", cands, 5), "status");
    assert_string_equal(cli_suggest_best("trans", cands, 5), "transfer"); /* a prefix */
    assert_null(cli_suggest_best("frobnicate", cands, 5));
    assert_null(cli_suggest_best("x", cands, 5)); /* one letter is no evidence */
    assert_null(cli_suggest_best("", cands, 5));
    char text[128];
    assert_int_equal(cli_suggest_text("mnit", cands, 5, "", text, sizeof(text)), 2);
    assert_string_equal(text, "'init' or 'mint'");
    assert_int_equal(cli_suggest_text("zzzz", cands, 5, "", text, sizeof(text)), 0);
    assert_string_equal(text, "");
}

static void did_you_mean_for_commands_groups_and_flags(void **state) {
    (void)state;
    const char *a1[] = {"mintline", "tranfer", "USDW"};
    expect_why(ARGC(a1), a1, "unknown command 'tranfer' (did you mean 'transfer'?)");
    const char *a2[] = {"mintline", "nav", "fetc", "AAXJF"};
    expect_why(ARGC(a2), a2, "(did you mean 'nav fetch'?)");
    const char *a3[] = {"mintline", "bridge", "route", "disabel", "2"};
    expect_why(ARGC(a3), a3, "did you mean 'bridge route disable'?");
    const char *a4[] = {"mintline", "mint", "USDW", "--amout", "1"};
    expect_why(ARGC(a4), a4, "unknown flag --amout (did you mean '--amount'?)");
    const char *a5[] = {"mintline", "--jsn", "status"};
    expect_why(ARGC(a5), a5, "did you mean '--json'?");
    const char *a6[] = {"mintline", "frobnicate"};
    expect_why(ARGC(a6), a6, "unknown command 'frobnicate'");
    struct cli_args a;
    assert_int_equal(parse(ARGC(a6), a6, &a), ERR_USAGE);
    assert_null(strstr(a.why, "did you mean"));
}

static void help_for_groups_and_version(void **state) {
    (void)state;
    struct cli_args a;
    const char *a1[] = {"mintline", "nav", "--help"};
    assert_int_equal(parse(ARGC(a1), a1, &a), ERR_OK);
    assert_true(a.help);
    assert_null(a.cmd);
    assert_string_equal(a.group, "nav");
    const char *a2[] = {"mintline", "help", "bridge", "route"};
    assert_int_equal(parse(ARGC(a2), a2, &a), ERR_OK);
    assert_string_equal(a.group, "bridge route");
    const char *a3[] = {"mintline", "help", "timelock"}; /* a row that is also a group */
    assert_int_equal(parse(ARGC(a3), a3, &a), ERR_OK);
    assert_non_null(a.cmd);
    assert_string_equal(a.cmd->words, "timelock");
    const char *a4[] = {"mintline", "--version"};
    assert_int_equal(parse(ARGC(a4), a4, &a), ERR_OK);
    assert_true(a.version);
    const char *a5[] = {"mintline", "--profile", "drill", "status"};
    assert_int_equal(parse(ARGC(a5), a5, &a), ERR_OK);
    assert_string_equal(a.profile, "drill");
    const char *a6[] = {"mintline", "nav"}; /* a group without --help is still a usage error */
    expect_why(ARGC(a6), a6, "nav: expected one of: update, force, show, fetch, check-cache");
}

static json_t *yaml(const char *text) {
    json_t *doc = NULL;
    char why[256];
    if (yaml_to_json(text, strlen(text), &doc, why, sizeof(why)) != ERR_OK) fail_msg("yaml: %s", why);
    return doc;
}

static const char config_text[] = "node: http://file:8645\n"
                                  "operator: alice\n"
                                  "key: keys/alice.key\n"
                                  "nav_sources: {}\n"
                                  "profiles:\n"
                                  "  drill: {node: \"http://drill:9645\", operator: carol}\n"
                                  "  audit: {key: /abs/auditor.key}\n";

static void config_values_and_profiles(void **state) {
    (void)state;
    json_t *doc = yaml(config_text);
    struct cli_config_values v;
    char why[256] = "";
    assert_int_equal(cli_config_values(doc, NULL, "/etc/ml", &v, why, sizeof(why)), ERR_OK);
    assert_string_equal(v.node, "http://file:8645");
    assert_string_equal(v.operator_name, "alice");
    assert_string_equal(v.key, "/etc/ml/keys/alice.key"); /* relative to the file */
    assert_string_equal(v.profile, "");
    assert_int_equal(cli_config_values(doc, "drill", "/etc/ml", &v, why, sizeof(why)), ERR_OK);
    assert_string_equal(v.node, "http://drill:9645");
    assert_string_equal(v.operator_name, "carol");
    assert_string_equal(v.key, "/etc/ml/keys/alice.key"); /* not overridden by the profile */
    assert_string_equal(v.profile, "drill");
    assert_int_equal(cli_config_values(doc, "audit", "/etc/ml", &v, why, sizeof(why)), ERR_OK);
    assert_string_equal(v.key, "/abs/auditor.key");
    assert_string_equal(v.node, "http://file:8645");
    /* a profile the file does not have names those it has */
    assert_int_equal(cli_config_values(doc, "drlil", "/etc/ml", &v, why, sizeof(why)),
                     ERR_INVALID_CONFIG);
    assert_non_null(strstr(why, "no profile 'drlil' (profiles: drill, audit)"));
    json_decref(doc);
    /* no file: nothing, and a profile is an error */
    assert_int_equal(cli_config_values(NULL, NULL, NULL, &v, why, sizeof(why)), ERR_OK);
    assert_string_equal(v.node, "");
    assert_int_equal(cli_config_values(NULL, "drill", NULL, &v, why, sizeof(why)), ERR_INVALID_CONFIG);
    /* a typo in a profile, a value that is not a string */
    doc = yaml("profiles:\n  drill: {nod: x}\n");
    assert_int_equal(cli_config_values(doc, "drill", ".", &v, why, sizeof(why)), ERR_INVALID_CONFIG);
    assert_non_null(strstr(why, "profiles.drill.nod: unknown"));
    json_decref(doc);
    doc = yaml("node: [1, 2]\n");
    assert_int_equal(cli_config_values(doc, NULL, ".", &v, why, sizeof(why)), ERR_INVALID_CONFIG);
    assert_non_null(strstr(why, "node: a string"));
    json_decref(doc);
}

static void precedence_flags_environment_file(void **state) {
    (void)state;
    assert_string_equal(cli_config_pick("flag", "env", "file"), "flag");
    assert_string_equal(cli_config_pick(NULL, "env", "file"), "env");
    assert_string_equal(cli_config_pick("", "env", "file"), "env"); /* empty is absent */
    assert_string_equal(cli_config_pick(NULL, NULL, "file"), "file");
    assert_null(cli_config_pick(NULL, "", ""));
    assert_null(cli_config_pick(NULL, NULL, NULL));
}

static const struct cli_cmd *row(const char *words) {
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    for (size_t r = 0; r < count; r++) {
        if (strcmp(rows[r].words, words) == 0) return &rows[r];
    }
    fail_msg("no row %s", words);
    return NULL;
}

static void examples_and_roles_from_the_table(void **state) {
    (void)state;
    struct buf b;
    buf_init(&b);
    cli_conv_example(row("mint"), &b);
    assert_string_equal(cli_out_cstr(&b),
                        "mintline mint USDW --to 0x7a00000000000000000000000000000000000001 "
                        "--amount 1000 --dry-run");
    buf_free(&b);
    buf_init(&b);
    cli_conv_example(row("report"), &b);
    assert_string_equal(cli_out_cstr(&b), "mintline report daily");
    buf_free(&b);
    char role[128];
    assert_true(cli_conv_role(row("mint"), role, sizeof(role)));
    assert_string_equal(role, "minter, globally or for the asset (ROLE@SYM)");
    assert_true(cli_conv_role(row("oracle freeze"), role, sizeof(role)));
    assert_false(cli_conv_role(row("status"), role, sizeof(role))); /* a read */
    /* every row has an example that parses back to that row */
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    for (size_t r = 0; r < count; r++) {
        struct buf ex;
        buf_init(&ex);
        cli_conv_example(&rows[r], &ex);
        char *text = strdup(cli_out_cstr(&ex));
        buf_free(&ex);
        const char *argv[40];
        int argc = 0;
        /* split on spaces outside double quotes */
        for (char *p = text; *p != '\0' && argc < 40;) {
            while (*p == ' ') p++;
            if (*p == '\0') break;
            if (*p == '"') {
                argv[argc++] = ++p;
                p = strchr(p, '"');
                assert_non_null(p);
                *p++ = '\0';
                continue;
            }
            argv[argc++] = p;
            p += strcspn(p, " ");
            if (*p == ' ') *p++ = '\0';
        }
        struct cli_args a;
        enum err err = parse(argc, argv, &a);
        if (err != ERR_OK || a.cmd != &rows[r]) {
            fail_msg("the example of '%s' does not parse back: %s", rows[r].words, a.why);
        }
        free(text);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edit_distance_counts_edits_and_swaps),
        cmocka_unit_test(suggestions_are_close_or_nothing),
        cmocka_unit_test(did_you_mean_for_commands_groups_and_flags),
        cmocka_unit_test(help_for_groups_and_version),
        cmocka_unit_test(config_values_and_profiles),
        cmocka_unit_test(precedence_flags_environment_file),
        cmocka_unit_test(examples_and_roles_from_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
