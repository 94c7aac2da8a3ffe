/*
 * backup.c - backup create (from a data directory), verify, restore, and
 * the node's scheduled backups (backup.h).
 *
 * Verify trusts nothing in the file: the SHA-256 over its header and image
 * first, then the image is unpacked into a directory of its own and
 * audited from genesis with the offline audit's code (node_audit_run),
 * and the audit's head and genesis must be the header's. Restore is that
 * verification done inside the target directory, after which the audited
 * copy is renamed into place: a restore that fails leaves nothing behind.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/jw.h"
#include "../base/report.h"
#include "../base/duration.h"
#include "chain.h"
#include "node.h"
#include "node_internal.h"

static int64_t backup__now_ms(void) { return chain_now_ns() / 1000000; }

void node_backup_print(const char *file, const struct store_backup_header *h,
                       const struct node_audit_summary *sum, int json) {
    char head[HASH_HEX_SIZE], gen[HASH_HEX_SIZE], sha[HASH_HEX_SIZE], created[40];
    hash_hex(&h->head.head_hash, head);
    hash_hex(&h->head.genesis_hash, gen);
    hash_hex(&h->sha256, sha);
    time_format_iso(h->created_ms * 1000000, created);
    if (!json) {
        printf("backup %s\n  file          %s\n  height        %" PRIu64 "\n  head hash     %s\n"
               "  genesis hash  %s\n  created       %s\n  size          %" PRIu64 " bytes\n"
               "  sha256        %s\n",
               sum ? "verified" : "ok", file, h->head.height, head, gen, created, h->size, sha);
        if (sum) {
            printf("  audit         %" PRIu64 " blocks, %" PRIu64 " requests (signatures verified), "
                   "%" PRIu64 " commands\n", sum->blocks, sum->requests, sum->commands);
        }
        return;
    }
    struct buf b;
    struct jw w;
    node_json_begin(&w, &b);
    jw_kv_string(&w, "file", file);
    jw_kv_uint(&w, "height", h->head.height);
    jw_kv_string(&w, "head_hash", head);
    jw_kv_string(&w, "genesis_hash", gen);
    jw_kv_string(&w, "created", created);
    jw_kv_uint(&w, "size", h->size);
    jw_kv_string(&w, "sha256", sha);
    if (sum) {
        jw_kv_bool(&w, "verified", 1);
        jw_kv_uint(&w, "blocks", sum->blocks);
        jw_kv_uint(&w, "requests", sum->requests);
        jw_kv_uint(&w, "commands", sum->commands);
    }
    node_json_end(&w);
}

static int backup__db_path(const char *dir, char *out, size_t size) {
    int n = snprintf(out, size, "%s/mintline.db", dir);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int node_backup_create(const char *data_dir, const char *store_url, const char *file, int json) {
    char db[4200], shown[4200];
    int pg = store_url_is_postgres(store_url);
    if (store_url != NULL && !pg && strcmp(store_url, "sqlite") != 0) {
        return report_error(ERR_USAGE, "--store takes sqlite (the file DATA/mintline.db) or a postgres:// URL");
    }
    if (pg && strlen(store_url) >= sizeof(db)) return report_error(ERR_USAGE, "--store URL too long");
    if (pg) {
        snprintf(db, sizeof(db), "%s", store_url);
        store_url_redact(store_url, shown, sizeof(shown));
    } else if (backup__db_path(data_dir, db, sizeof(db)) != 0) {
        return report_error(ERR_USAGE, "--data DIR too long");
    } else {
        snprintf(shown, sizeof(shown), "%s", db);
    }
    if (access(file, F_OK) == 0) return report_error(ERR_ALREADY_EXISTS, file);
    struct store_backup_header h;
    char why[400] = "";
    if (isatty(2)) fprintf(stderr, "backup: copying %s ...\n", shown);
    enum err err = store_backup_make(db, file, backup__now_ms(), &h, why, sizeof(why));
    if (err) return report_error(err, why[0] ? why : shown);
    node_backup_print(file, &h, NULL, json);
    return EXIT_DONE;
}

/* Remove what an audit of dir/mintline.db may leave, then dir. */
static void backup__rm_work(const char *dir) {
    static const char *const names[] = {"mintline.db", "mintline.db-wal", "mintline.db-shm"};
    char path[4300];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* Check file, unpack its image into work (a new directory), audit it, and
 * compare the audit with the header. */
static enum err backup__verify_in(const char *file, const char *work, struct store_backup_header *h,
                                  struct node_audit_summary *sum, char *why, size_t why_size) {
    enum err err = store_backup_check(file, h, why, why_size);
    char db[4300];
    snprintf(db, sizeof(db), "%s/mintline.db", work);
    if (!err) err = store_backup_extract(file, h, db, why, why_size);
    if (!err && isatty(2)) fprintf(stderr, "backup: auditing %" PRIu64 " blocks ...\n", h->head.height);
    if (!err) err = node_audit_run(work, sum, why, why_size);
    struct store_copy_head got;
    if (!err) err = store_copy_head_of(db, &got);
    if (err) return err;
    if (sum->blocks != h->head.height + 1 ||
        memcmp(sum->head_hash.bytes, h->head.head_hash.bytes, HASH_BYTES) != 0 ||
        memcmp(got.genesis_hash.bytes, h->head.genesis_hash.bytes, HASH_BYTES) != 0) {
        snprintf(why, why_size, "the header says height %" PRIu64 "; the copy audits to height %" PRIu64
                 " with another head or genesis hash", h->head.height, sum->blocks - 1);
        return ERR_BACKUP_CORRUPT;
    }
    return ERR_OK;
}

enum err node_backup_drill(const char *file, struct store_backup_header *h, struct node_audit_summary *sum,
                           char *why, size_t why_size) {
    char work[4200];
    if (scratch_dir(NULL, "mintline-verify", work, sizeof(work)) != 0) {
        snprintf(why, why_size, "cannot make a temporary directory");
        return ERR_IO;
    }
    enum err err = backup__verify_in(file, work, h, sum, why, why_size);
    backup__rm_work(work);
    return err;
}

int node_backup_verify(const char *file, int json) {
    struct store_backup_header h;
    struct node_audit_summary sum;
    char why[400] = "";
    enum err err = node_backup_drill(file, &h, &sum, why, sizeof(why));
    if (err) return report_error(err, why[0] ? why : file);
    node_backup_print(file, &h, &sum, json);
    return EXIT_DONE;
}

/* The target: absent (made), or an empty directory. */
static enum err backup__target(const char *dir, const char *file, int *made, char *why,
                               size_t why_size) {
    *made = 0;
    DIR *d = opendir(dir);
    if (d == NULL && errno == ENOENT) {
        if (mkdir(dir, 0700) != 0) {
            snprintf(why, why_size, "cannot make %s: %s", dir, strerror(errno));
            return ERR_IO;
        }
        *made = 1;
        return ERR_OK;
    }
    if (d == NULL) {
        snprintf(why, why_size, "cannot read %s: %s", dir, strerror(errno));
        return ERR_IO;
    }
    int entries = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) entries++;
    }
    closedir(d);
    if (entries == 0) return ERR_OK;
    char db[4200];
    struct store_copy_head there;
    uint8_t first[STORE_BACKUP_HEADER_MAX];
    struct store_backup_header h;
    FILE *f = fopen(file, "rb");
    size_t n = f ? fread(first, 1, sizeof(first), f) : 0;
    if (f) fclose(f);
    if (backup__db_path(dir, db, sizeof(db)) == 0 && store_copy_head_of(db, &there) == ERR_OK &&
        store_backup_parse_header(first, n, &h, why, why_size) == ERR_OK &&
        memcmp(there.genesis_hash.bytes, h.head.genesis_hash.bytes, HASH_BYTES) != 0) {
        snprintf(why, why_size, "%s holds another ledger than the backup's; restore into a new "
                                "directory", dir);
        return ERR_BACKUP_OTHER_LEDGER;
    }
    snprintf(why, why_size, "%s (restore writes into an empty or new directory only)", dir);
    return ERR_DIR_NOT_EMPTY;
}

int node_backup_restore(const char *file, const char *data_dir, int json) {
    char why[400] = "";
    int made = 0;
    enum err err = backup__target(data_dir, file, &made, why, sizeof(why));
    if (err) return report_error(err, why);
    char work[4200], db[4300], dest[4200];
    if (scratch_dir(data_dir, ".restore", work, sizeof(work)) != 0) {
        if (made) rmdir(data_dir);
        return report_error(ERR_IO, "cannot make a directory in the target");
    }
    struct store_backup_header h;
    struct node_audit_summary sum;
    err = backup__verify_in(file, work, &h, &sum, why, sizeof(why));
    snprintf(db, sizeof(db), "%s/mintline.db", work);
    if (!err && (backup__db_path(data_dir, dest, sizeof(dest)) != 0 || rename(db, dest) != 0)) {
        snprintf(why, sizeof(why), "cannot move the copy into %s: %s", data_dir, strerror(errno));
        err = ERR_IO;
    }
    backup__rm_work(work);
    if (err) {
        if (made) rmdir(data_dir);
        return report_error(err, why[0] ? why : file);
    }
    store_backup_fsync_dir(dest);
    node_backup_print(file, &h, &sum, json);
    if (!json) {
        printf("restored into %s: start it with `mintline serve --data %s`; copy its system.key\n"
               "from safekeeping (backups never hold keys) for the alert loop's actions\n",
               data_dir, data_dir);
    }
    return EXIT_DONE;
}

int node_backup_restore_pg(const char *file, const char *store_url, int json) {
    char why[400] = "", work[4200], shown[1100];
    if (!store_url_is_postgres(store_url) || strlen(store_url) >= 1024) {
        return report_error(ERR_USAGE, "--store takes a postgres:// URL (or restore with --data DIR)");
    }
    store_url_redact(store_url, shown, sizeof(shown));
    if (scratch_dir(NULL, "mintline-restore", work, sizeof(work)) != 0) {
        return report_error(ERR_IO, "cannot make a temporary directory");
    }
    struct store_backup_header h;
    struct node_audit_summary sum;
    enum err err = backup__verify_in(file, work, &h, &sum, why, sizeof(why));
    struct store_copy_head got;
    if (!err && isatty(2)) fprintf(stderr, "backup: writing %" PRIu64 " blocks into %s ...\n", h.head.height, shown);
    if (!err) err = store_copy_restore_pg(work, store_url, &got, why, sizeof(why));
    if (!err && (got.height != h.head.height ||
                 memcmp(got.head_hash.bytes, h.head.head_hash.bytes, HASH_BYTES) != 0)) {
        snprintf(why, sizeof(why), "the database ends at block %" PRIu64 ", not at the backup's head", got.height);
        err = ERR_STORE_IO;
    }
    backup__rm_work(work);
    if (err) return report_error(err, why[0] ? why : file);
    node_backup_print(file, &h, &sum, json);
    if (!json) {
        printf("restored into %s: start the nodes with `mintline serve --data DIR --store URL`\n"
               "(DIR holding system.key from safekeeping: backups never hold keys)\n", shown);
    }
    return EXIT_DONE;
}

/* ---- scheduled backups ----------------------------------------------------- */

#define BACKUP__PREFIX "mintline-"
#define BACKUP__SUFFIX ".backup"

struct backup_sched {
    char db[4200];
    char dir[4200];
    int64_t every_ns;
    uint32_t keep;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    /* under mu */
    int64_t last_good_ms; /* 0: none */
    int64_t started_ms;   /* when the schedule began: a "never" age counts from here */
    uint64_t ok_total;
    uint64_t failed_total;
    uint64_t failures_consecutive;
};

static int backup__is_ours(const char *name) {
    size_t n = strlen(name), p = strlen(BACKUP__PREFIX), s = strlen(BACKUP__SUFFIX);
    return n > p + s && strncmp(name, BACKUP__PREFIX, p) == 0 && strcmp(name + n - s, BACKUP__SUFFIX) == 0;
}

static int backup__cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Our files in dir, oldest first (names sort by time). *names malloc'd. */
static size_t backup__list(const char *dir, char ***names) {
    *names = NULL;
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    size_t count = 0, cap = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (!backup__is_ours(e->d_name)) continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(*names, cap * sizeof(*grown));
            if (grown == NULL) break;
            *names = grown;
        }
        (*names)[count] = strdup(e->d_name);
        if ((*names)[count] != NULL) count++;
    }
    closedir(d);
    if (count) qsort(*names, count, sizeof(**names), backup__cmp);
    return count;
}

static void backup__free_list(char **names, size_t count) {
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

/* The newest file in dir that checks out: its creation time (0: none). */
static int64_t backup__newest_good(const char *dir) {
    char **names;
    size_t count = backup__list(dir, &names);
    int64_t found = 0;
    for (size_t i = count; i-- > 0 && found == 0;) {
        char path[8500], why[300];
        struct store_backup_header h;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (store_backup_check(path, &h, why, sizeof(why)) == ERR_OK) found = h.created_ms;
    }
    backup__free_list(names, count);
    return found;
}

int node_backup_latest(const char *dir, char *out, size_t out_size) {
    char **names;
    size_t count = backup__list(dir, &names);
    int found = -1;
    for (size_t i = count; i-- > 0 && found != 0;) {
        char why[300];
        struct store_backup_header h;
        int n = snprintf(out, out_size, "%s/%s", dir, names[i]);
        if (n > 0 && (size_t)n < out_size && store_backup_check(out, &h, why, sizeof(why)) == ERR_OK) found = 0;
    }
    backup__free_list(names, count);
    return found;
}

static void backup__prune(struct backup_sched *b) {
    char **names;
    size_t count = backup__list(b->dir, &names);
    for (size_t i = 0; count > b->keep && i < count - b->keep; i++) {
        char path[8500];
        snprintf(path, sizeof(path), "%s/%s", b->dir, names[i]);
        if (unlink(path) == 0) fprintf(stderr, "mintline: backup: removed %s (keeping %u)\n", path, b->keep);
    }
    backup__free_list(names, count);
}

/* One scheduled backup: made, read back, counted. */
static void backup__once(struct backup_sched *b) {
    int64_t now_ms = backup__now_ms();
    time_t secs = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char path[4400], why[400] = "";
    snprintf(path, sizeof(path), "%s/" BACKUP__PREFIX "%04d%02d%02dT%02d%02d%02d.%03dZ" BACKUP__SUFFIX,
             b->dir, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(now_ms % 1000));
    struct store_backup_header made, back;
    enum err err = store_backup_make(b->db, path, now_ms, &made, why, sizeof(why));
    if (!err) err = store_backup_check(path, &back, why, sizeof(why));
    pthread_mutex_lock(&b->mu);
    if (err) {
        b->failed_total++;
        b->failures_consecutive++;
    } else {
        b->ok_total++;
        b->failures_consecutive = 0;
        b->last_good_ms = made.created_ms;
    }
    pthread_mutex_unlock(&b->mu);
    if (err) {
        fprintf(stderr, "mintline: backup: %s: %s: %s\n", path, err_name(err), why);
        return;
    }
    fprintf(stderr, "mintline: backup: %s (height %" PRIu64 ", %" PRIu64 " bytes)\n", path,
            made.head.height, made.size);
    backup__prune(b);
}

static void *backup__thread(void *p) {
    struct backup_sched *b = p;
    int64_t last = backup__newest_good(b->dir);
    pthread_mutex_lock(&b->mu);
    b->last_good_ms = last;
    int64_t retry_ns = b->every_ns < BACKUP_SCHED_RETRY_NS ? b->every_ns : BACKUP_SCHED_RETRY_NS;
    int64_t next_ms = last ? last + b->every_ns / 1000000 : 0;
    while (!b->stop) {
        int64_t now_ms = backup__now_ms();
        if (now_ms >= next_ms) {
            pthread_mutex_unlock(&b->mu);
            backup__once(b);
            pthread_mutex_lock(&b->mu);
            next_ms = b->failures_consecutive ? backup__now_ms() + retry_ns / 1000000
                                              : b->last_good_ms + b->every_ns / 1000000;
            continue;
        }
        struct timespec until = {(time_t)(next_ms / 1000), (long)(next_ms % 1000) * 1000000};
        pthread_cond_timedwait(&b->cv, &b->mu, &until);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

enum err backup_sched_start(const char *db_path, const struct backup_sched_options *opt,
                            struct backup_sched **out) {
    if (mkdir(opt->dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "mintline: --backup-dir %s: %s\n", opt->dir, strerror(errno));
        return ERR_IO;
    }
    struct backup_sched *b = calloc(1, sizeof(*b));
    if (b == NULL) return ERR_INTERNAL;
    snprintf(b->db, sizeof(b->db), "%s", db_path);
    snprintf(b->dir, sizeof(b->dir), "%s", opt->dir);
    b->every_ns = opt->every_ns;
    b->keep = opt->keep ? opt->keep : 1;
    b->started_ms = backup__now_ms();
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    if (pthread_create(&b->thread, NULL, backup__thread, b) != 0) {
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->cv);
        free(b);
        return ERR_INTERNAL;
    }
    *out = b;
    return ERR_OK;
}

void backup_sched_stop(struct backup_sched *b) {
    if (b == NULL) return;
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}

void backup_sched_metrics(struct backup_sched *b, int64_t now_ns, struct buf *out) {
    if (b == NULL) return;
    pthread_mutex_lock(&b->mu);
    int64_t last = b->last_good_ms;
    uint64_t ok = b->ok_total, failed = b->failed_total, streak = b->failures_consecutive;
    pthread_mutex_unlock(&b->mu);
    int64_t age_s = (now_ns / 1000000 - (last ? last : b->started_ms)) / 1000;
    if (age_s < 0) age_s = 0;
    char text[1200];
    int n = snprintf(text, sizeof(text),
                     "# HELP mintline_backup_age_seconds Age of the newest good scheduled backup "
                     "(none yet: since the schedule began).\n# TYPE mintline_backup_age_seconds gauge\n"
                     "mintline_backup_age_seconds %" PRId64 "\n"
                     "# HELP mintline_backup_present 1 when a good scheduled backup exists, 0 when none yet.\n"
                     "# TYPE mintline_backup_present gauge\n"
                     "mintline_backup_present %d\n"
                     "# HELP mintline_backups_total Scheduled backups made, by result.\n"
                     "# TYPE mintline_backups_total counter\n"
                     "mintline_backups_total{result=\"ok\"} %" PRIu64 "\n"
                     "mintline_backups_total{result=\"failed\"} %" PRIu64 "\n"
                     "# HELP mintline_backup_failures_consecutive Scheduled backups failed since "
                     "the last good one.\n# TYPE mintline_backup_failures_consecutive gauge\n"
                     "mintline_backup_failures_consecutive %" PRIu64 "\n",
                     age_s, last != 0, ok, failed, streak);
    if (n > 0) buf_put(out, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}
