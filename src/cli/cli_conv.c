/*
 * cli_conv.c - --version, group help, roles and examples, shell completion
 * and the man page, all read from THE command table (cli_conv.h). Nothing
 * here names a subcommand: a new row is in every one of them at once.
 */
#include "cli_conv.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../base/err.h"
#include "../engine/command.h"
#include "../engine/role.h"
#include "../node/server.h"
#include "cli_args.h"
#include "cli_out.h"

int cli_conv_version(void) {
    printf("mintline %s\n", MINTLINE_VERSION);
#if defined(__SANITIZE_ADDRESS__)
    const char *build = "sanitized (ASan, UBSan)";
#else
    const char *build = "release";
#endif
#if defined(__clang__)
    printf("  compiler  clang %s\n", __clang_version__);
#elif defined(__GNUC__)
    printf("  compiler  gcc %s\n", __VERSION__);
#endif
    printf("  build     %s, C%ld, built %s %s\n", build, (long)__STDC_VERSION__, __DATE__, __TIME__);
    printf("  libraries libsodium %s, %s, jansson %s, sqlite %s\n", sodium_version_string(),
           curl_version(), JANSSON_VERSION, sqlite3_libversion());
    printf("  protocol  mintline-v1 signatures (SPEC 7)\n");
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

/* ---- examples and roles ------------------------------------------------ */

/* An example value for a metavar, as an operator would type it. */
static const char *cli_conv__sample(const char *metavar, const char *name) {
    static const struct {
        const char *metavar;
        const char *value;
    } samples[] = {
        {"SYM", "USDW"},
        {"ADDR", "0x7a00000000000000000000000000000000000001"},
        {"SAFE", "0x7a00000000000000000000000000000000000002"},
        {"LOST", "0x7a00000000000000000000000000000000000003"},
        {"NEW", "0x7a00000000000000000000000000000000000004"},
        {"DEST", "0xdead00000000000000000000000000000000beef"},
        {"DISTRIBUTOR", "0x7a00000000000000000000000000000000000005"},
        {"A", "1000"},
        {"AMOUNT", "1000"},
        {"ID", "1"},
        {"NAME", "bob"},
        {"ROLE", "minter"},
        {"OP", "mint"},
        {"FILE", "file.json"},
        {"DIR", "/var/lib/mintline"},
        {"D", "24h"},
        {"DURATION", "2h"},
        {"HEX", "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"},
        {"HASH", "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"},
        {"H", "0xabc123"},
        {"VALUE", "10.25"},
        {"FEED", "XAU"},
        {"C", "2"},
        {"TYPE", "GOLD-W"},
        {"TOPIC", "kyc"},
        {"TEXT", "\"checked with the custodian\""},
        {"T", "\"reserve report late\""},
        {"N", "10"},
        {"K", "2"},
        {"P", "reg-d"},
        {"PCT", "150%"},
        {"CC", "DE"},
        {"DATE", "2027-12-31"},
        {"DATE|none", "2027-12-31"},
        {"LIST", "US,DE"},
        {"URL", "http://127.0.0.1:8645"},
        {"HOST:PORT", "127.0.0.1:8645"},
        {"SNAPSHOT", "1"},
        {"PERIOD", "daily"},
        {"METRICS", "metrics.txt"},
        {"METHOD", "GET"},
        {"PATH", "/api/system/status"},
    };
    if (name != NULL && strcmp(name, "severity") == 0) return "P1";
    if (name != NULL && strcmp(name, "genesis") == 0) return "genesis.yaml";
    if (name != NULL && (strcmp(name, "tx") == 0)) return "0xabc123";
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        if (strcmp(samples[i].metavar, metavar) == 0) return samples[i].value;
    }
    /* "daily|weekly|monthly", "md|json|html", "manual": the first choice. */
    return metavar;
}

static void cli_conv__put(struct buf *out, const char *s) { buf_put(out, s, strlen(s)); }

/* A choice list's first choice ("daily|weekly" -> "daily"). */
static void cli_conv__put_sample(struct buf *out, const char *metavar, const char *name) {
    const char *v = cli_conv__sample(metavar, name);
    buf_put(out, v, strcspn(v, "|"));
}

void cli_conv_example(const struct cli_cmd *row, struct buf *out) {
    cli_conv__put(out, "mintline ");
    cli_conv__put(out, row->words);
    for (size_t k = 0; k < CLI_POS_MAX && row->pos[k].metavar != NULL; k++) {
        if (!row->pos[k].required) continue;
        cli_conv__put(out, " ");
        cli_conv__put_sample(out, row->pos[k].metavar, row->pos[k].field);
    }
    /* Required flags, and the first optional one when there is nothing
     * required and no positional (an example that shows the flag's shape). */
    int shown = 0;
    for (size_t k = 0; k < CLI_FLAGS_MAX && row->flags[k].name != NULL; k++) {
        const struct cli_flag_def *f = &row->flags[k];
        if ((f->kind & CLI_FLAG_REQUIRED) == 0) continue;
        cli_conv__put(out, f->name[1] == '\0' ? " -" : " --");
        cli_conv__put(out, f->name);
        cli_conv__put(out, " ");
        cli_conv__put_sample(out, f->metavar, f->name);
        shown++;
    }
    if (shown == 0 && row->pos[0].metavar == NULL && row->flags[0].name != NULL) {
        const struct cli_flag_def *f = &row->flags[0];
        cli_conv__put(out, f->name[1] == '\0' ? " -" : " --");
        cli_conv__put(out, f->name);
        if ((f->kind & CLI_FLAG_BOOL) == 0) {
            cli_conv__put(out, " ");
            cli_conv__put_sample(out, f->metavar, f->name);
        }
    }
    if (row->op != NULL) cli_conv__put(out, " --dry-run");
}

int cli_conv_role(const struct cli_cmd *row, char *out, size_t out_size) {
    const struct op_def *def = row->op != NULL ? op_find(row->op, strlen(row->op)) : NULL;
    if (def == NULL) return 0;
    if ((def->flags & OP_META) != 0) {
        snprintf(out, out_size, "any operator; the op checks who may (see above)");
        return 1;
    }
    int per_asset = 0;
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        per_asset |= def->fields[i].kind == FIELD_ASSET;
    }
    snprintf(out, out_size, "%s%s", role_name((enum role)def->role),
             per_asset ? ", globally or for the asset (ROLE@SYM)" : "");
    return 1;
}

/* ---- help --------------------------------------------------------------- */

/* Whether row's words are group's words followed by more. */
static int cli_conv__under(const struct cli_cmd *row, const char *group) {
    size_t len = strlen(group);
    return strncmp(row->words, group, len) == 0 && row->words[len] == ' ';
}

static void cli_conv__group_lines(const char *group) {
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    struct cli_table t;
    cli_table_init(&t, 2);
    for (size_t r = 0; r < count; r++) {
        if (!cli_conv__under(&rows[r], group)) continue;
        char usage[256], role[128];
        cli_args_usage(&rows[r], usage, sizeof(usage));
        char line[512];
        if (cli_conv_role(&rows[r], role, sizeof(role))) {
            snprintf(line, sizeof(line), "%s [role: %s]", rows[r].help, role);
        } else {
            snprintf(line, sizeof(line), "%s", rows[r].help);
        }
        cli_table_cell(&t, usage);
        cli_table_cell(&t, line);
    }
    (void)cli_table_print(&t, stdout);
    cli_table_free(&t);
    printf("\nexamples:\n");
    for (size_t r = 0; r < count; r++) {
        if (!cli_conv__under(&rows[r], group)) continue;
        struct buf ex;
        buf_init(&ex);
        cli_conv_example(&rows[r], &ex);
        printf("  %s\n", cli_out_cstr(&ex));
        buf_free(&ex);
    }
}

int cli_conv_help_group(const char *group) {
    printf("usage: mintline %s COMMAND [arguments]\n\ncommands:\n", group);
    cli_conv__group_lines(group);
    printf("\n`mintline %s COMMAND --help` for one command.\n\n%s", group, cli_globals_help_text());
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

void cli_conv_help_row_extra(const struct cli_cmd *row) {
    char role[128];
    if (cli_conv_role(row, role, sizeof(role))) printf("Role: %s.\n", role);
    struct buf ex;
    buf_init(&ex);
    cli_conv_example(row, &ex);
    printf("Example: %s\n", cli_out_cstr(&ex));
    buf_free(&ex);
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    for (size_t r = 0; r < count; r++) {
        if (!cli_conv__under(&rows[r], row->words)) continue;
        printf("\nunder `%s`:\n", row->words);
        cli_conv__group_lines(row->words);
        break;
    }
}

/* ---- completion ---------------------------------------------------------- */

#define CLI_CONV__PREFIX_MAX 256u

struct cli_conv__next {
    char prefix[64];
    struct buf words; /* " w1 w2" */
};

/* Whether the words " w1 w2" in b hold w (wlen bytes). */
static int cli_conv__has(const struct buf *b, const char *w, size_t wlen) {
    size_t i = 0;
    while (i < b->len) {
        while (i < b->len && b->data[i] == ' ') i++;
        size_t j = i;
        while (j < b->len && b->data[j] != ' ') j++;
        if (j - i == wlen && memcmp(b->data + i, w, wlen) == 0) return 1;
        i = j;
    }
    return 0;
}

/* Every proper prefix of every row's words (with "" first) and the words
 * that may follow it; returns how many. */
static size_t cli_conv__nexts(struct cli_conv__next *nx, size_t max) {
    size_t count = 0, n = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    for (size_t r = 0; r < count; r++) {
        const char *w = rows[r].words;
        size_t at = 0;
        for (;;) {
            char prefix[64];
            size_t plen = at > 0 ? at - 1 : 0;
            if (plen >= sizeof(prefix)) break;
            memcpy(prefix, w, plen);
            prefix[plen] = '\0';
            size_t wlen = strcspn(w + at, " ");
            size_t i = 0;
            while (i < n && strcmp(nx[i].prefix, prefix) != 0) i++;
            if (i == n) {
                if (n == max) return n;
                snprintf(nx[n].prefix, sizeof(nx[n].prefix), "%s", prefix);
                buf_init(&nx[n].words);
                n++;
            }
            /* Add the word unless it is there already. */
            if (!cli_conv__has(&nx[i].words, w + at, wlen)) {
                buf_put_u8(&nx[i].words, ' ');
                buf_put(&nx[i].words, w + at, wlen);
            }
            if (w[at + wlen] == '\0') break;
            at += wlen + 1;
        }
    }
    return n;
}

static void cli_conv__flags_of(const struct cli_cmd *row, struct buf *out) {
    for (size_t k = 0; k < CLI_FLAGS_MAX && row->flags[k].name != NULL; k++) {
        cli_conv__put(out, row->flags[k].name[1] == '\0' ? " -" : " --");
        cli_conv__put(out, row->flags[k].name);
    }
}

/* The two case functions both shells share: _mintline_next KEY and
 * _mintline_flags KEY set _mintline_r. */
static void cli_conv__case_functions(void) {
    static struct cli_conv__next nx[CLI_CONV__PREFIX_MAX];
    size_t n = cli_conv__nexts(nx, CLI_CONV__PREFIX_MAX);
    printf("_mintline_next() {\n    _mintline_r=\"\"\n    case \"$1\" in\n");
    for (size_t i = 0; i < n; i++) {
        const char *words = cli_out_cstr(&nx[i].words);
        printf("    \"%s\") _mintline_r=\"%s%s\" ;;\n", nx[i].prefix, words + (words[0] == ' '),
               nx[i].prefix[0] == '\0' ? " help" : "");
        buf_free(&nx[i].words);
    }
    printf("    esac\n}\n\n_mintline_flags() {\n    _mintline_r=\"\"\n    case \"$1\" in\n");
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    for (size_t r = 0; r < count; r++) {
        struct buf f;
        buf_init(&f);
        cli_conv__flags_of(&rows[r], &f);
        /* every row is listed (" " when it has no flags): it marks the path as known */
        printf("    \"%s\") _mintline_r=\"%s\" ;;\n", rows[r].words, f.len > 0 ? cli_out_cstr(&f) + 1 : " ");
        buf_free(&f);
    }
    printf("    esac\n}\n\n");
}

static const char cli_conv__globals_words[] =
    "--node --operator --key --config --profile --json --dry-run --help --version";

/* The loop both shells run: the longest known command path in the words
 * typed so far (positionals, flags and their values skipped). */
static const char cli_conv__key_loop[] =
    "        w=\"$1\"; shift\n"
    "        case \"$w\" in -*) continue ;; esac\n"
    "        if [ -z \"$key\" ] && [ \"$w\" = help ]; then continue; fi\n"
    "        n=\"${key:+$key }$w\"\n"
    "        _mintline_next \"$n\"; a=\"$_mintline_r\"\n"
    "        _mintline_flags \"$n\"\n"
    "        if [ -n \"$a\" ] || [ -n \"$_mintline_r\" ]; then key=\"$n\"; fi\n";

static int cli_conv__bash(void) {
    printf("# bash completion for mintline, generated by `mintline completion bash`.\n"
           "# Load it with: source <(mintline completion bash)\n\n");
    cli_conv__case_functions();
    printf("_mintline_key() {\n    key=\"\"\n    local w n a\n    while [ $# -gt 0 ]; do\n%s"
           "    done\n}\n\n",
           cli_conv__key_loop);
    printf("_mintline() {\n"
           "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" key\n"
           "    _mintline_key \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"\n"
           "    if [ \"$key\" = completion ]; then COMPREPLY=($(compgen -W \"bash zsh\" -- \"$cur\")); return; fi\n"
           "    if [[ \"$cur\" == -* ]]; then\n"
           "        _mintline_flags \"$key\"\n"
           "        COMPREPLY=($(compgen -W \"$_mintline_r %s\" -- \"$cur\"))\n"
           "    else\n"
           "        _mintline_next \"$key\"\n"
           "        COMPREPLY=($(compgen -W \"$_mintline_r\" -- \"$cur\"))\n"
           "    fi\n"
           "}\n\ncomplete -F _mintline mintline\n",
           cli_conv__globals_words);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

static int cli_conv__zsh(void) {
    printf("#compdef mintline\n"
           "# zsh completion for mintline, generated by `mintline completion zsh`.\n"
           "# Load it with: source <(mintline completion zsh), or save it as _mintline in $fpath.\n\n");
    cli_conv__case_functions();
    printf("_mintline_key() {\n    key=\"\"\n    local w n a\n    while [ $# -gt 0 ]; do\n%s"
           "    done\n}\n\n",
           cli_conv__key_loop);
    printf("_mintline() {\n"
           "    local key cur=\"${words[CURRENT]}\"\n"
           "    _mintline_key \"${(@)words[2,CURRENT-1]}\"\n"
           "    if [[ \"$key\" == completion ]]; then compadd -- bash zsh; return; fi\n"
           "    if [[ \"$cur\" == -* ]]; then\n"
           "        _mintline_flags \"$key\"\n"
           "        compadd -- ${=_mintline_r} %s\n"
           "    else\n"
           "        _mintline_next \"$key\"\n"
           "        compadd -- ${=_mintline_r}\n"
           "    fi\n"
           "}\n\n"
           "if [[ \"${zsh_eval_context[-1]}\" == loadautofunc ]]; then\n"
           "    _mintline \"$@\"\n"
           "else\n"
           "    compdef _mintline mintline\n"
           "fi\n",
           cli_conv__globals_words);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_completion(struct cli_ctx *ctx) {
    const char *shell = cli_ctx_pos(ctx, 0);
    if (strcmp(shell, "bash") == 0) return cli_conv__bash();
    if (strcmp(shell, "zsh") == 0) return cli_conv__zsh();
    return cli_cmd_usage_error(ctx, "the shell is bash or zsh");
}

/* ---- man page ------------------------------------------------------------ */

/* Text as roff: backslashes and hyphens escaped, a leading '.' or '\''
 * guarded, each line of text its own line. */
static void cli_conv__roff(const char *text) {
    int line_start = 1;
    for (const char *p = text; *p != '\0'; p++) {
        if (line_start && (*p == '.' || *p == '\'')) fputs("\\&", stdout);
        line_start = 0;
        if (*p == '\\') {
            fputs("\\e", stdout);
        } else if (*p == '-') {
            fputs("\\-", stdout);
        } else {
            putchar(*p);
            if (*p == '\n') line_start = 1;
        }
    }
}

int cli_cmd_man(struct cli_ctx *ctx) {
    (void)ctx;
    size_t count = 0;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    printf(".\\\" mintline(1), generated by `mintline man` from the command table.\n");
    printf(".TH MINTLINE 1 \"\" \"mintline %s\" \"mintline manual\"\n", MINTLINE_VERSION);
    printf(".ad l\n.nh\n");
    printf(".SH NAME\nmintline \\- a ledger for tokenized assets: node, operators' commands\n");
    printf(".SH SYNOPSIS\n.B mintline\n[\\fIglobal flags\\fR] \\fICOMMAND\\fR [\\fIarguments\\fR]\n");
    printf(".br\n.B mintline help\n[\\fICOMMAND\\fR|\\fIGROUP\\fR]\n");
    printf(".SH DESCRIPTION\n");
    cli_conv__roff("mintline runs the node (init, serve) and signs the operators' commands to it "
                   "(SPEC 8). Stdout carries data only; errors go to stderr as "
                   "\"error: ERR_CODE: message\". --json prints the API's document.\n");
    printf(".SH GLOBAL FLAGS\n.nf\n");
    cli_conv__roff(cli_globals_help_text());
    printf(".fi\n.SH COMMANDS\n");
    for (size_t r = 0; r < count; r++) {
        char usage[256], role[128];
        cli_args_usage(&rows[r], usage, sizeof(usage));
        printf(".TP\n.B ");
        cli_conv__roff(usage);
        printf("\n");
        cli_conv__roff(rows[r].help);
        printf("\n");
        if (rows[r].more != NULL) {
            printf(".br\n");
            cli_conv__roff(rows[r].more);
            printf("\n");
        }
        if (cli_conv_role(&rows[r], role, sizeof(role))) {
            printf(".br\nRole: ");
            cli_conv__roff(role);
            printf(".\n");
        }
        struct buf ex;
        buf_init(&ex);
        cli_conv_example(&rows[r], &ex);
        printf(".br\nExample: \\f(CW");
        cli_conv__roff(cli_out_cstr(&ex));
        printf("\\fR\n");
        buf_free(&ex);
    }
    printf(".SH EXIT STATUS\n.TP\n.B 0\ndone\n.TP\n.B 1\nrejected by the ledger\n.TP\n.B 2\n"
           "usage\n.TP\n.B 3\nnode unreachable or I/O\n.TP\n.B 4\naccepted but pending "
           "(proposal or timelock)\n");
    printf(".SH ENVIRONMENT\n.TP\n.B MINTLINE_HOME\nkeys, data and config.yaml (default "
           "~/.mintline)\n.TP\n.B MINTLINE_NODE\nthe node's URL (\\-\\-node)\n.TP\n"
           ".B MINTLINE_OPERATOR\nwho signs (\\-\\-operator)\n.TP\n.B MINTLINE_PROFILE\n"
           "the config profile (\\-\\-profile)\n.TP\n.B NO_COLOR\nno colour on a terminal\n");
    printf(".SH FILES\n.TP\n.I $MINTLINE_HOME/config.yaml\nnode, operator, key, profiles and "
           "nav_sources (flags beat environment beat the file)\n.TP\n"
           ".I $MINTLINE_HOME/keys/NAME.key\nan operator's Ed25519 seed (mode 0600)\n");
    printf(".SH SEE ALSO\nREADME.md, docs/operators/first\\-steps.md\n");
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}
