/*
 * bench_http.c - benchmarks (b) and (c): a C client for POST /api/commands.
 *
 * Plain sockets, HTTP/1.1 keep-alive, one connection per client thread.
 * Every request is built and signed (sig_sign, src/base/sig.h, with the
 * headers of docs/API.md) before the clock starts, so the figures measure
 * the node, not the client's formatting or signing. Threads start together
 * on a barrier; the rate is commands acknowledged / wall time from the
 * barrier to the last answer. Each answer is checked: HTTP 200 and, inside,
 * no "ok":false (a rejected transfer would be journaled but would not be a
 * transfer done).
 *
 *   bench_http --port P --key FILE [--operator NAME] MODE [options]
 *   MODE mint   --holders N [--threads T]            1,000 USDW to each holder
 *   MODE batch  --holders N --threads T --batches B [--batch 8000] [--tag NAME]
 *   MODE single --holders N --clients C --count M [--tag NAME] [--trace FILE]
 *
 * --trace writes one line per request: client, CLOCK_MONOTONIC seconds at
 * its start (the clock `perf record -k CLOCK_MONOTONIC` stamps samples
 * with) and its latency in ms: slow requests against a profile's timeline.
 *
 * Output: a human line on stderr, "RESULT <tag>_<name> value" on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "../src/base/hex.h"
#include "../src/base/sig.h"
#include "bench_util.h"

#define HB_BATCH_DEFAULT 8000u
#define HB_THREADS_MAX 64u
#define HB_HEAD_SIZE 512u
#define HB_PATH "/api/commands"
/* One transfer object is at most ~150 bytes; room for the array around it. */
#define HB_CMD_TEXT_MAX 192u

struct hb_opts {
    int port;
    const char *key_path;
    const char *operator_name;
    const char *mode;
    const char *tag;
    const char *trace; /* --trace FILE, or NULL */
    uint32_t holders;
    uint32_t threads;
    uint32_t batches;
    uint32_t batch;
    uint32_t count;
};

/* One pre-signed request. */
struct hb_req {
    char head[HB_HEAD_SIZE];
    size_t head_len;
    char *body;
    size_t body_len;
    uint32_t commands;
};

struct hb_conn {
    int fd;
    char *buf;
    size_t cap;
};

struct hb_thread {
    const struct hb_opts *o;
    pthread_t tid;
    pthread_barrier_t *start;
    struct hb_req *reqs;
    uint32_t reqs_count;
    double *latency_s; /* one per request */
    double *start_s;   /* and when it was sent (CLOCK_MONOTONIC) */
    uint64_t commands_ok;
    uint64_t commands_failed;
    uint32_t http_errors;
    double done_s;
};

static uint8_t hb_seed[SIG_SEED_BYTES];
static char hb_run_id[24];

static void hb_die(const char *what) {
    fprintf(stderr, "bench_http: %s\n", what);
    exit(1);
}

/* ---- HTTP over one socket --------------------------------------------- */

static int hb_connect(int port, struct hb_conn *c) {
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) return -1;
    return 0;
}

static int hb_send_all(int fd, const struct hb_req *r) {
    struct iovec iov[2] = {{(void *)r->head, r->head_len}, {r->body, r->body_len}};
    int at = 0;
    while (at < 2) {
        ssize_t n = writev(fd, iov + at, 2 - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        size_t left = (size_t)n;
        while (at < 2 && left >= iov[at].iov_len) left -= iov[at++].iov_len;
        if (at < 2) {
            iov[at].iov_base = (char *)iov[at].iov_base + left;
            iov[at].iov_len -= left;
        }
    }
    return 0;
}

static int hb_fill(struct hb_conn *c, size_t *len, size_t need) {
    while (*len < need) {
        if (need + 1 > c->cap) {
            size_t cap = c->cap ? c->cap : 65536;
            while (cap < need + 1) cap *= 2;
            char *b = realloc(c->buf, cap);
            if (b == NULL) return -1;
            c->buf = b;
            c->cap = cap;
        }
        ssize_t n = read(c->fd, c->buf + *len, c->cap - 1 - *len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        *len += (size_t)n;
    }
    c->buf[*len] = '\0';
    return 0;
}

/* Read one response; *body points into c->buf. Returns the status or -1. */
static int hb_read_response(struct hb_conn *c, const char **body, size_t *body_len) {
    size_t len = 0;
    char *end = NULL;
    while (end == NULL) {
        if (hb_fill(c, &len, len + 1) != 0) return -1;
        end = strstr(c->buf, "\r\n\r\n");
    }
    int status = 0;
    if (sscanf(c->buf, "HTTP/1.%*d %d", &status) != 1) return -1;
    size_t head_len = (size_t)(end - c->buf) + 4;
    const char *cl = strcasestr(c->buf, "\r\ncontent-length:");
    if (cl == NULL || cl > end) return -1;
    size_t content = strtoul(cl + 17, NULL, 10);
    if (hb_fill(c, &len, head_len + content) != 0) return -1;
    *body = c->buf + head_len;
    *body_len = content;
    return status;
}

static size_t hb_count(const char *hay, size_t len, const char *needle) {
    size_t n = 0, nl = strlen(needle);
    const char *p = hay, *end = hay + len;
    while ((p = memmem(p, (size_t)(end - p), needle, nl)) != NULL) {
        n++;
        p += nl;
    }
    return n;
}

/* ---- building signed requests ----------------------------------------- */

static void hb_sign(struct hb_req *r, const struct hb_opts *o, const char *nonce) {
    char time_ms[24];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(time_ms, sizeof(time_ms), "%lld",
             (long long)ts.tv_sec * 1000 + (long long)(ts.tv_nsec / 1000000));
    char b64[SIG_B64_SIZE];
    if (sig_sign(hb_seed, "POST", HB_PATH, time_ms, nonce, (const uint8_t *)r->body, r->body_len,
                 b64) != 0) {
        hb_die("sig_sign failed");
    }
    int n = snprintf(r->head, sizeof(r->head),
                     "POST " HB_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Mintline-Operator: %s\r\nMintline-Time: %s\r\nMintline-Nonce: %s\r\n"
                     "Mintline-Signature: %s\r\n\r\n",
                     r->body_len, o->operator_name, time_ms, nonce, b64);
    if (n < 0 || (size_t)n >= sizeof(r->head)) hb_die("request head too long");
    r->head_len = (size_t)n;
}

static size_t hb_cmd_text(char *out, uint32_t from, uint32_t to, int mint) {
    char a[ADDR_TEXT_SIZE], b[ADDR_TEXT_SIZE];
    struct addr x;
    bench_addr(to, &x);
    addr_format(&x, b);
    int n;
    if (mint) {
        n = snprintf(out, HB_CMD_TEXT_MAX,
                     "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"%s\",\"amount\":\"1000\"}", b);
    } else {
        bench_addr(from, &x);
        addr_format(&x, a);
        n = snprintf(out, HB_CMD_TEXT_MAX,
                     "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"%s\",\"to\":\"%s\","
                     "\"amount\":\"1\"}",
                     a, b);
    }
    return (size_t)n;
}

/* A body of `count` commands: mints of holders first.., or random transfers. */
static void hb_build(struct hb_req *r, const struct hb_opts *o, uint64_t *rng, uint32_t first,
                     uint32_t count, int mint, int batch, const char *nonce) {
    r->body = malloc((size_t)count * HB_CMD_TEXT_MAX + 32);
    if (r->body == NULL) hb_die("out of memory");
    size_t len = 0;
    if (batch) len += (size_t)snprintf(r->body, 32, "{\"commands\":[");
    for (uint32_t i = 0; i < count; i++) {
        uint32_t from = 0, to = first + i;
        if (!mint) bench_rng_pair(rng, o->holders, &from, &to);
        if (i) r->body[len++] = ',';
        len += hb_cmd_text(r->body + len, from, to, mint);
    }
    if (batch) len += (size_t)snprintf(r->body + len, 4, "]}");
    r->body_len = len;
    r->commands = count;
    hb_sign(r, o, nonce);
}

/* ---- running threads ---------------------------------------------------- */

static void hb_check(struct hb_thread *t, int status, const char *body, size_t len,
                     uint32_t commands) {
    if (status != 200 || len < 10 || memcmp(body, "{\"ok\":true", 10) != 0) {
        if (t->http_errors++ == 0) {
            fprintf(stderr, "bench_http: HTTP %d: %.*s\n", status, (int)(len < 300 ? len : 300),
                    body);
        }
        t->commands_failed += commands;
        return;
    }
    size_t failed = commands > 1 ? hb_count(body, len, "\"ok\":false") : 0;
    if (failed && t->commands_failed == 0) {
        const char *p = memmem(body, len, "\"ok\":false", 10);
        fprintf(stderr, "bench_http: rejected: %.200s\n", p);
    }
    t->commands_failed += failed;
    t->commands_ok += commands - failed;
}

static void *hb_thread_main(void *arg) {
    struct hb_thread *t = arg;
    struct hb_conn c = {-1, NULL, 0};
    if (hb_connect(t->o->port, &c) != 0) hb_die("cannot connect to the node");
    pthread_barrier_wait(t->start);
    for (uint32_t i = 0; i < t->reqs_count; i++) {
        struct hb_req *r = &t->reqs[i];
        double t0 = bench_now_s();
        const char *body = NULL;
        size_t len = 0;
        int status = hb_send_all(c.fd, r) == 0 ? hb_read_response(&c, &body, &len) : -1;
        t->latency_s[i] = bench_now_s() - t0;
        t->start_s[i] = t0;
        if (status < 0) hb_die("connection lost");
        hb_check(t, status, body, len, r->commands);
    }
    t->done_s = bench_now_s();
    close(c.fd);
    free(c.buf);
    return NULL;
}

static int hb_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct hb_totals {
    uint64_t ok;
    uint64_t failed;
    double wall_s;
    double p50_s;
    double p99_s;
    double max_s;
    uint32_t http_errors;
};

static void hb_run(struct hb_thread *th, uint32_t n, struct hb_totals *out) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, n + 1);
    for (uint32_t i = 0; i < n; i++) {
        th[i].start = &start;
        if (pthread_create(&th[i].tid, NULL, hb_thread_main, &th[i]) != 0) hb_die("pthread_create");
    }
    pthread_barrier_wait(&start);
    double t0 = bench_now_s();
    memset(out, 0, sizeof(*out));
    double last = t0;
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        pthread_join(th[i].tid, NULL);
        if (th[i].done_s > last) last = th[i].done_s;
        out->ok += th[i].commands_ok;
        out->failed += th[i].commands_failed;
        out->http_errors += th[i].http_errors;
        total += th[i].reqs_count;
    }
    out->wall_s = last - t0;
    pthread_barrier_destroy(&start);
    double *all = calloc(total ? total : 1, sizeof(*all));
    if (all == NULL) hb_die("out of memory");
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        memcpy(all + k, th[i].latency_s, th[i].reqs_count * sizeof(*all));
        k += th[i].reqs_count;
    }
    qsort(all, total, sizeof(*all), hb_cmp_double);
    out->p50_s = total ? all[total / 2] : 0;
    out->p99_s = total ? all[(size_t)((double)(total - 1) * 0.99)] : 0;
    out->max_s = total ? all[total - 1] : 0;
    free(all);
}

/* ---- modes -------------------------------------------------------------- */

static struct hb_thread *hb_threads(const struct hb_opts *o, uint32_t n, uint32_t per_thread) {
    struct hb_thread *th = calloc(n, sizeof(*th));
    if (th == NULL) hb_die("out of memory");
    for (uint32_t i = 0; i < n; i++) {
        th[i].o = o;
        th[i].reqs = calloc(per_thread ? per_thread : 1, sizeof(*th[i].reqs));
        th[i].latency_s = calloc(per_thread ? per_thread : 1, sizeof(double));
        th[i].start_s = calloc(per_thread ? per_thread : 1, sizeof(double));
        if (th[i].reqs == NULL || th[i].latency_s == NULL || th[i].start_s == NULL) {
            hb_die("out of memory");
        }
    }
    return th;
}

static void hb_threads_free(struct hb_thread *th, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < th[i].reqs_count; k++) free(th[i].reqs[k].body);
        free(th[i].reqs);
        free(th[i].latency_s);
        free(th[i].start_s);
    }
    free(th);
}

static int hb_mode_mint(const struct hb_opts *o) {
    uint32_t batches = (o->holders + o->batch - 1) / o->batch;
    uint32_t per = (batches + o->threads - 1) / o->threads;
    struct hb_thread *th = hb_threads(o, o->threads, per);
    for (uint32_t b = 0; b < batches; b++) {
        struct hb_thread *t = &th[b % o->threads];
        uint32_t first = b * o->batch;
        uint32_t n = o->holders - first < o->batch ? o->holders - first : o->batch;
        char nonce[64];
        snprintf(nonce, sizeof(nonce), "%s-mint-%u", hb_run_id, b);
        hb_build(&t->reqs[t->reqs_count++], o, NULL, first, n, 1, 1, nonce);
    }
    struct hb_totals tot;
    hb_run(th, o->threads, &tot);
    hb_threads_free(th, o->threads);
    fprintf(stderr, "mint: %llu holders minted in %.2f s (%.0f/s), %llu failed\n",
            (unsigned long long)tot.ok, tot.wall_s, (double)tot.ok / tot.wall_s,
            (unsigned long long)tot.failed);
    printf("RESULT %s_per_s %.0f\n", o->tag, (double)tot.ok / tot.wall_s);
    return tot.failed ? 1 : 0;
}

static void hb_trace(const char *path, const struct hb_thread *th, uint32_t n) {
    FILE *f = fopen(path, "w");
    if (f == NULL) hb_die("cannot write the trace file");
    for (uint32_t t = 0; t < n; t++) {
        for (uint32_t i = 0; i < th[t].reqs_count; i++) {
            fprintf(f, "%u %.6f %.3f\n", t, th[t].start_s[i], th[t].latency_s[i] * 1e3);
        }
    }
    fclose(f);
}

static int hb_mode_traffic(const struct hb_opts *o, int batch) {
    uint32_t per = batch ? o->batches : o->count;
    uint32_t size = batch ? o->batch : 1;
    struct hb_thread *th = hb_threads(o, o->threads, per);
    for (uint32_t t = 0; t < o->threads; t++) {
        uint64_t rng = BENCH_SEED ^ ((uint64_t)(t + 1) << 40) ^ (uint64_t)bench_now_s();
        for (uint32_t i = 0; i < per; i++) {
            char nonce[64];
            snprintf(nonce, sizeof(nonce), "%s-%s-%u-%u", hb_run_id, o->tag, t, i);
            hb_build(&th[t].reqs[th[t].reqs_count++], o, &rng, 0, size, 0, batch, nonce);
        }
    }
    struct hb_totals tot;
    hb_run(th, o->threads, &tot);
    if (o->trace) hb_trace(o->trace, th, o->threads);
    hb_threads_free(th, o->threads);
    double rate = (double)tot.ok / tot.wall_s;
    fprintf(stderr,
            "%s: %u threads x %u requests x %u commands: %llu ok, %llu failed in %.3f s: %.0f "
            "commands/s; request latency p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
            o->tag, o->threads, per, size, (unsigned long long)tot.ok,
            (unsigned long long)tot.failed, tot.wall_s, rate, tot.p50_s * 1e3, tot.p99_s * 1e3,
            tot.max_s * 1e3);
    printf("RESULT %s_per_s %.0f\n", o->tag, rate);
    printf("RESULT %s_p50_ms %.3f\n", o->tag, tot.p50_s * 1e3);
    printf("RESULT %s_p99_ms %.3f\n", o->tag, tot.p99_s * 1e3);
    printf("RESULT %s_max_ms %.3f\n", o->tag, tot.max_s * 1e3);
    printf("RESULT %s_wall_s %.3f\n", o->tag, tot.wall_s);
    printf("RESULT %s_failed %llu\n", o->tag, (unsigned long long)tot.failed);
    return tot.failed ? 1 : 0;
}

/* ---- options ------------------------------------------------------------ */

static void hb_load_key(const char *path) {
    FILE *f = fopen(path, "r");
    char line[200] = "";
    if (f == NULL || fgets(line, sizeof(line), f) == NULL) hb_die("cannot read the key file");
    fclose(f);
    size_t len = strcspn(line, "\r\n \t");
    if (hex_decode(line, len, hb_seed, sizeof(hb_seed)) != 0) hb_die("key: not 64 hex digits");
}

static uint32_t hb_u32(const char *v) { return (uint32_t)strtoul(v, NULL, 10); }

static void hb_opts_parse(int argc, char **argv, struct hb_opts *o) {
    memset(o, 0, sizeof(*o));
    o->operator_name = "alice";
    o->batch = HB_BATCH_DEFAULT;
    o->threads = 1;
    o->batches = 1;
    o->count = 1;
    o->holders = 1000000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') {
            o->mode = a;
            continue;
        }
        if (v == NULL) hb_die("an option lacks its value");
        i++;
        if (strcmp(a, "--port") == 0) o->port = (int)hb_u32(v);
        else if (strcmp(a, "--key") == 0) o->key_path = v;
        else if (strcmp(a, "--operator") == 0) o->operator_name = v;
        else if (strcmp(a, "--tag") == 0) o->tag = v;
        else if (strcmp(a, "--trace") == 0) o->trace = v;
        else if (strcmp(a, "--holders") == 0) o->holders = hb_u32(v);
        else if (strcmp(a, "--threads") == 0 || strcmp(a, "--clients") == 0) o->threads = hb_u32(v);
        else if (strcmp(a, "--batches") == 0) o->batches = hb_u32(v);
        else if (strcmp(a, "--batch") == 0) o->batch = hb_u32(v);
        else if (strcmp(a, "--count") == 0) o->count = hb_u32(v);
        else hb_die("unknown option");
    }
    if (o->port <= 0 || o->key_path == NULL || o->mode == NULL || o->holders < 2 ||
        o->threads == 0 || o->threads > HB_THREADS_MAX || o->batch == 0) {
        hb_die("usage: bench_http --port P --key FILE [--operator NAME] mint|batch|single ...");
    }
    if (o->tag == NULL) o->tag = o->mode;
}

int main(int argc, char **argv) {
    struct hb_opts o;
    hb_opts_parse(argc, argv, &o);
    hb_load_key(o.key_path);
    snprintf(hb_run_id, sizeof(hb_run_id), "r%llx",
             (unsigned long long)time(NULL) ^ (unsigned long long)getpid());
    if (strcmp(o.mode, "mint") == 0) return hb_mode_mint(&o);
    if (strcmp(o.mode, "batch") == 0) return hb_mode_traffic(&o, 1);
    if (strcmp(o.mode, "single") == 0) return hb_mode_traffic(&o, 0);
    hb_die("mode is mint, batch or single");
    return 2;
}
