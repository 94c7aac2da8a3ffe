/*
 * cli_cmd_report.c - `mintline report daily|weekly|monthly [--at DATE]
 * [--format md|json|html] [-o FILE]` (SPEC 9): one signed GET of
 * /api/reports/PERIOD; the node computes and renders the report, the CLI
 * writes it as received, to stdout or to FILE (a temporary file beside it,
 * fsync, rename: never half a report).
 *
 * While the node works (it replays the journal to the period's end), a
 * line on stderr says how long it has been, on a terminal only.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"
#include "cli_out.h"

/* The progress line's thread: stops when done is set. */
struct cli_report_progress {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    const char *period;
};

static void *cli_report__progress(void *arg) {
    struct cli_report_progress *p = arg;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_lock(&p->mu);
    int shown = 0;
    while (!p->done) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 500000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &until);
        if (p->done) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double s = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
        if (s < 1.0) continue; /* a quick report shows nothing */
        fprintf(stderr, "\r%s report: the node is replaying the journal ... %.0fs ", p->period, s);
        fflush(stderr);
        shown = 1;
    }
    pthread_mutex_unlock(&p->mu);
    if (shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    return NULL;
}

/* Write data to path whole or not at all. */
static int cli_report__write(const char *path, const uint8_t *data, size_t len) {
    char tmp[4200], dir_copy[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    snprintf(dir_copy, sizeof(dir_copy), "%s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    size_t at = 0;
    int ok = 1;
    while (ok && at < len) {
        ssize_t n = write(fd, data + at, len - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ok = 0;
        else at += (size_t)n;
    }
    if (ok && fsync(fd) != 0) ok = 0;
    if (close(fd) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    int dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

static int cli_report__usage(const struct cli_ctx *ctx, const char *what) {
    cli_out_error(ctx->color_err, "ERR_USAGE", "%s", what);
    return CLI_EXIT_USAGE;
}

/* The call, with the progress line on a terminal. */
static void cli_report__call(struct cli_ctx *ctx, const char *period, const char *path,
                             struct cli_reply *reply) {
    struct cli_report_progress p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, period};
    pthread_t th;
    int threaded = isatty(STDERR_FILENO) && pthread_create(&th, NULL, cli_report__progress, &p) == 0;
    cli_call(ctx, "GET", path, NULL, reply);
    if (threaded) {
        pthread_mutex_lock(&p.mu);
        p.done = 1;
        pthread_cond_signal(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(th, NULL);
    }
}

int cli_cmd_report(struct cli_ctx *ctx) {
    const char *period = cli_ctx_pos(ctx, 0);
    const char *format = cli_ctx_flag(ctx, "format");
    const char *at = cli_ctx_flag(ctx, "at");
    const char *file = cli_ctx_flag(ctx, "o");
    if (strcmp(period, "daily") != 0 && strcmp(period, "weekly") != 0 && strcmp(period, "monthly") != 0) {
        return cli_report__usage(ctx, "the period is daily, weekly or monthly");
    }
    if (ctx->json) format = "json";
    if (format == NULL) format = "md";
    if (strcmp(format, "md") != 0 && strcmp(format, "json") != 0 && strcmp(format, "html") != 0) {
        return cli_report__usage(ctx, "--format is md, json or html");
    }
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/reports/", 13);
    cli_http_encode(&path, period);
    cli_http_query(&path, "at", at);
    cli_http_query(&path, "format", format);
    const char *p = cli_out_cstr(&path);
    struct cli_reply reply;
    if (!buf_ok(&path)) {
        buf_free(&path);
        cli_out_error(ctx->color_err, "ERR_INTERNAL", "out of memory");
        return CLI_EXIT_IO;
    }
    cli_report__call(ctx, period, p, &reply);
    buf_free(&path);
    int rc;
    if (reply.status != 200 || reply.raw.len == 0) {
        int saved = ctx->json;
        ctx->json = 0; /* an error's body is not the report */
        rc = cli_reply_finish(ctx, &reply);
        ctx->json = saved;
        if (rc == CLI_EXIT_OK) rc = CLI_EXIT_IO;
    } else if (file != NULL) {
        rc = CLI_EXIT_OK;
        if (cli_report__write(file, reply.raw.data, reply.raw.len) != 0) {
            char why[4300];
            snprintf(why, sizeof(why), "cannot write %s: %s", file, strerror(errno));
            cli_out_error(ctx->color_err, "ERR_IO", "%s", why);
            rc = CLI_EXIT_IO;
        }
    } else {
        rc = fwrite(reply.raw.data, 1, reply.raw.len, stdout) == reply.raw.len ? CLI_EXIT_OK : CLI_EXIT_IO;
    }
    cli_reply_free(&reply);
    return rc;
}
