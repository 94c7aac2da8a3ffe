/*
 * console.c - the web console's files, compiled in, and their answers.
 *
 * The files of web/ are put into the binary by the assembler (.incbin,
 * resolved from the repository's root where make runs the compiler;
 * the Makefile makes this object depend on every file in web/), so the node reads no
 * file at run time and a fresh clone builds them with nothing but the
 * compiler. Adding a file to web/ is a CONSOLE__EMBED line and a row of
 * console__files.
 *
 * Every answer carries the same security headers: a Content-Security-
 * Policy allowing only this origin (no inline script or style, no
 * framing, no plugins), nosniff, no referrer. Files are revalidated on
 * every load (Cache-Control: no-cache) against an ETag that is a hash of
 * their bytes, so a new binary's console is picked up at once and an
 * unchanged one costs a 304. An unknown path is a 404 that does not echo
 * what was asked for. The console has no server-side routes: its views are
 * #fragments of one page.
 */
#include "console.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "../base/hash.h"

/* One embedded file: sym is its first byte, sym##_end one past its last. */
#define CONSOLE__EMBED(sym, file)                                                              \
    __asm__(".pushsection .rodata\n.balign 16\n.globl " #sym "\n.hidden " #sym "\n" #sym       \
            ":\n.incbin \"" file "\"\n.globl " #sym "_end\n.hidden " #sym "_end\n" #sym       \
            "_end:\n.byte 0\n.popsection\n");                                                  \
    extern const unsigned char sym[];                                                          \
    extern const unsigned char sym##_end[]

CONSOLE__EMBED(console__index_html, "web/index.html");
CONSOLE__EMBED(console__console_css, "web/console.css");
CONSOLE__EMBED(console__favicon_svg, "web/favicon.svg");
CONSOLE__EMBED(console__app_js, "web/app.js");
CONSOLE__EMBED(console__sign_js, "web/sign.js");
CONSOLE__EMBED(console__api_js, "web/api.js");
CONSOLE__EMBED(console__fmt_js, "web/fmt.js");
CONSOLE__EMBED(console__dom_js, "web/dom.js");
CONSOLE__EMBED(console__action_js, "web/action.js");
CONSOLE__EMBED(console__dashboard_js, "web/dashboard.js");
CONSOLE__EMBED(console__proposals_js, "web/proposals.js");
CONSOLE__EMBED(console__asset_js, "web/asset.js");
CONSOLE__EMBED(console__history_js, "web/history.js");
CONSOLE__EMBED(console__danger_js, "web/danger.js");
CONSOLE__EMBED(console__incidents_js, "web/incidents.js");
CONSOLE__EMBED(console__account_js, "web/account.js");
CONSOLE__EMBED(console__incident_js, "web/incident.js");
CONSOLE__EMBED(console__checks_js, "web/checks.js");
CONSOLE__EMBED(console__alerts_js, "web/alerts.js");
CONSOLE__EMBED(console__thresholds_js, "web/thresholds.js");
CONSOLE__EMBED(console__live_js, "web/live.js");
CONSOLE__EMBED(console__vaults_js, "web/vaults.js");
CONSOLE__EMBED(console__bridge_js, "web/bridge.js");
CONSOLE__EMBED(console__stabilizer_js, "web/stabilizer.js");
CONSOLE__EMBED(console__compliance_js, "web/compliance.js");
CONSOLE__EMBED(console__payouts_js, "web/payouts.js");
CONSOLE__EMBED(console__assetops_js, "web/assetops.js");
CONSOLE__EMBED(console__chart_js, "web/chart.js");
CONSOLE__EMBED(console__governance_js, "web/governance.js");

#define CONSOLE__HTML "text/html; charset=utf-8"
#define CONSOLE__JS "text/javascript; charset=utf-8"
#define CONSOLE__CSS "text/css; charset=utf-8"
#define CONSOLE__SVG "image/svg+xml"

/* "sha256:" is not needed: a quoted 32 hex digit prefix of SHA-256. */
#define CONSOLE__ETAG_SIZE 35u

struct console__file {
    const char *path;
    const char *type;
    const unsigned char *data;
    const unsigned char *end;
    char etag[CONSOLE__ETAG_SIZE]; /* filled once, at the first request */
};

static struct console__file console__files[] = {
    {"/", CONSOLE__HTML, console__index_html, console__index_html_end, ""},
    {"/index.html", CONSOLE__HTML, console__index_html, console__index_html_end, ""},
    {"/console.css", CONSOLE__CSS, console__console_css, console__console_css_end, ""},
    {"/favicon.svg", CONSOLE__SVG, console__favicon_svg, console__favicon_svg_end, ""},
    {"/app.js", CONSOLE__JS, console__app_js, console__app_js_end, ""},
    {"/sign.js", CONSOLE__JS, console__sign_js, console__sign_js_end, ""},
    {"/api.js", CONSOLE__JS, console__api_js, console__api_js_end, ""},
    {"/fmt.js", CONSOLE__JS, console__fmt_js, console__fmt_js_end, ""},
    {"/dom.js", CONSOLE__JS, console__dom_js, console__dom_js_end, ""},
    {"/action.js", CONSOLE__JS, console__action_js, console__action_js_end, ""},
    {"/dashboard.js", CONSOLE__JS, console__dashboard_js, console__dashboard_js_end, ""},
    {"/proposals.js", CONSOLE__JS, console__proposals_js, console__proposals_js_end, ""},
    {"/asset.js", CONSOLE__JS, console__asset_js, console__asset_js_end, ""},
    {"/history.js", CONSOLE__JS, console__history_js, console__history_js_end, ""},
    {"/danger.js", CONSOLE__JS, console__danger_js, console__danger_js_end, ""},
    {"/incidents.js", CONSOLE__JS, console__incidents_js, console__incidents_js_end, ""},
    {"/account.js", CONSOLE__JS, console__account_js, console__account_js_end, ""},
    {"/incident.js", CONSOLE__JS, console__incident_js, console__incident_js_end, ""},
    {"/checks.js", CONSOLE__JS, console__checks_js, console__checks_js_end, ""},
    {"/alerts.js", CONSOLE__JS, console__alerts_js, console__alerts_js_end, ""},
    {"/thresholds.js", CONSOLE__JS, console__thresholds_js, console__thresholds_js_end, ""},
    {"/live.js", CONSOLE__JS, console__live_js, console__live_js_end, ""},
    {"/vaults.js", CONSOLE__JS, console__vaults_js, console__vaults_js_end, ""},
    {"/bridge.js", CONSOLE__JS, console__bridge_js, console__bridge_js_end, ""},
    {"/stabilizer.js", CONSOLE__JS, console__stabilizer_js, console__stabilizer_js_end, ""},
    {"/compliance.js", CONSOLE__JS, console__compliance_js, console__compliance_js_end, ""},
    {"/payouts.js", CONSOLE__JS, console__payouts_js, console__payouts_js_end, ""},
    {"/assetops.js", CONSOLE__JS, console__assetops_js, console__assetops_js_end, ""},
    {"/chart.js", CONSOLE__JS, console__chart_js, console__chart_js_end, ""},
    {"/governance.js", CONSOLE__JS, console__governance_js, console__governance_js_end, ""},
};

#define CONSOLE__FILES_COUNT (sizeof(console__files) / sizeof(console__files[0]))

/* Only this origin; nothing inline (styles are set through the CSSOM,
 * which a policy without 'unsafe-inline' allows), no plugins, no frames. */
static const char console__csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

static pthread_once_t console__once = PTHREAD_ONCE_INIT;

static void console__etags(void) {
    for (size_t i = 0; i < CONSOLE__FILES_COUNT; i++) {
        struct console__file *f = &console__files[i];
        struct hash h;
        hash_once(f->data, (size_t)(f->end - f->data), &h);
        char hex[HASH_HEX_SIZE];
        hash_hex(&h, hex);
        f->etag[0] = '"';
        memcpy(f->etag + 1, hex, CONSOLE__ETAG_SIZE - 3);
        f->etag[CONSOLE__ETAG_SIZE - 2] = '"';
        f->etag[CONSOLE__ETAG_SIZE - 1] = '\0';
    }
}

int console_owns(const char *uri) {
    size_t len = strcspn(uri, "?");
    if (len >= 5 && memcmp(uri, "/api/", 5) == 0) return 0;
    static const char *const open[] = {"/healthz", "/readyz", "/metrics"};
    for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
        if (strlen(open[i]) == len && memcmp(uri, open[i], len) == 0) return 0;
    }
    return 1;
}

static const struct console__file *console__find(const char *uri) {
    size_t len = strcspn(uri, "?#");
    for (size_t i = 0; i < CONSOLE__FILES_COUNT; i++) {
        const struct console__file *f = &console__files[i];
        if (strlen(f->path) == len && memcmp(uri, f->path, len) == 0) return f;
    }
    return NULL;
}

static void console__headers(struct MHD_Response *r, const char *type, const char *cache) {
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Content-Security-Policy", console__csp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Cache-Control", cache);
}

/* A short plain-text answer (404, 405): never the path that was asked. */
static enum MHD_Result console__plain(struct MHD_Connection *con, unsigned status,
                                      const char *text) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
    if (r == NULL) return MHD_NO;
    console__headers(r, "text/plain; charset=utf-8", "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, "Allow", "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(con, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* If-None-Match names the file's ETag (or is "*"). */
static int console__fresh(struct MHD_Connection *con, const struct console__file *f) {
    const char *inm = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");
    if (inm == NULL) return 0;
    return strcmp(inm, "*") == 0 || strstr(inm, f->etag) != NULL;
}

enum MHD_Result console_answer(struct MHD_Connection *con, const char *method, const char *uri) {
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        return console__plain(con, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    }
    const struct console__file *f = console__find(uri);
    if (f == NULL) return console__plain(con, MHD_HTTP_NOT_FOUND, "not found\n");
    pthread_once(&console__once, console__etags);
    int fresh = console__fresh(con, f);
    size_t len = fresh ? 0 : (size_t)(f->end - f->data);
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)(uintptr_t)(fresh ? (const unsigned char *)"" : f->data), MHD_RESPMEM_PERSISTENT);
    if (r == NULL) return MHD_NO;
    console__headers(r, f->type, "no-cache");
    MHD_add_response_header(r, "ETag", f->etag);
    enum MHD_Result ret = MHD_queue_response(con, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}
