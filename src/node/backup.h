/*
 * backup.h - backups in-process: make one from a data directory, verify
 * one (its SHA-256 and a full audit of its copy), restore one into an
 * empty directory, and the node's scheduled backups (serve --backup-dir).
 *
 * The file format is store/store_backup.h's. The node_backup_* commands
 * print their own output (JSON with `json`) and return a SPEC 8 exit code,
 * as node.h's do.
 */
#ifndef MINTLINE_NODE_BACKUP_H
#define MINTLINE_NODE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/scratch.h"
#include "../store/store_backup.h"

/* node_backup_create: a backup file of data_dir's store at file (an online
 * copy: the node may be running), or with store_url a postgres:// URL, of
 * that PostgreSQL ledger (the SQLite image of its journal as of one
 * commit: store_copy_image_pg). store_url NULL or "sqlite": data_dir.
 * Refuses an existing file (ERR_ALREADY_EXISTS); ERR_USAGE for another
 * store_url. */
int node_backup_create(const char *data_dir, const char *store_url, const char *file, int json);

/* node_backup_verify: check file's header and SHA-256, audit its copy
 * from genesis in a temporary directory, and check that the audit ends at
 * the header's height and head hash and starts at its genesis. Errors:
 * ERR_BACKUP_TRUNCATED, ERR_BACKUP_CORRUPT, ERR_AUDIT_FAILED, ERR_IO. */
int node_backup_verify(const char *file, int json);

/* node_backup_restore: refuse a data_dir that is not empty
 * (ERR_DIR_NOT_EMPTY; ERR_BACKUP_OTHER_LEDGER when it holds another
 * ledger), verify file as node_backup_verify does, then put the audited
 * copy in place as data_dir/mintline.db (renamed in, directory fsynced).
 * Nothing is left in data_dir when it fails. */
int node_backup_restore(const char *file, const char *data_dir, int json);


/* node_backup_restore_pg: verify file as node_backup_verify does (in a
 * temporary directory), then write its journal into the PostgreSQL
 * database at store_url, which must hold no ledger (ERR_DATA_EXISTS):
 * store_copy_restore_pg. ERR_USAGE for a URL that is not postgres://. */
int node_backup_restore_pg(const char *file, const char *store_url, int json);

/* node_backup_drill: the restore drill of the monthly checklist: file
 * unpacked into a temporary directory, audited from genesis, compared with
 * its header (node_backup_verify without printing), and removed. */
struct node_audit_summary;
enum err node_backup_drill(const char *file, struct store_backup_header *h, struct node_audit_summary *sum,
                           char *why, size_t why_size) __attribute__((warn_unused_result));

/* node_backup_latest: the path of the newest backup file in dir whose
 * SHA-256 checks out (the scheduled backups' names); -1 when there is
 * none. */
int node_backup_latest(const char *dir, char *out, size_t out_size);

/* node_backup_print: the summary line(s) of a backup file; sum (may be
 * NULL) adds what its audit proved. */
struct node_audit_summary;
void node_backup_print(const char *file, const struct store_backup_header *h,
                       const struct node_audit_summary *sum, int json);

/* ---- scheduled backups (serve --backup-dir DIR --backup-every D
 * --backup-keep N) ---------------------------------------------------------- */

struct backup_sched_options {
    const char *dir;  /* where the files go (created 0700 if missing) */
    int64_t every_ns; /* how often */
    uint32_t keep;    /* how many files are kept (the newest) */
};

struct backup_sched;

/* backup_sched_start: a thread of its own that makes a backup of db_path
 * (a SQLite journal file, or a postgres:// URL: store_backup_make)
 * into dir whenever the newest good one there is `every` old (at once
 * when there is none), reads each back (SHA-256) before counting it good,
 * then removes all but the newest `keep`. A failure is logged and tried
 * again after BACKUP_SCHED_RETRY_NS (or `every`, if shorter).
 * ERR_IO when dir cannot be made; ERR_INTERNAL. */
#define BACKUP_SCHED_RETRY_NS (INT64_C(600) * 1000000000)
enum err backup_sched_start(const char *db_path, const struct backup_sched_options *opt,
                            struct backup_sched **out) __attribute__((warn_unused_result));

/* backup_sched_stop: wake the thread, wait for a backup in progress to
 * end, and free it (NULL is fine). */
void backup_sched_stop(struct backup_sched *b);

/* backup_sched_metrics: its series of /metrics (nothing for NULL):
 * mintline_backup_age_seconds (-1 while no good backup exists),
 * mintline_backups_total{result}, mintline_backup_failures_consecutive. */
void backup_sched_metrics(struct backup_sched *b, int64_t now_ns, struct buf *out);

#endif
