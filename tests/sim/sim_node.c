/*
 * sim_node.c - the simulated node's life: its ledger is made as `mintline
 * init` makes one, it starts as `mintline serve` does (chain_open: newest
 * snapshot, then replay) with a sequencer driven by hand, and it stops in
 * one of four ways: cleanly (sequencer_stop, chain_close), killed (the
 * process dies, the page cache survives), or by a power loss that drops
 * or tears what was not synced; or it dies wherever a fault regime's
 * crash fires. Faults stay on during recovery: start-up must either fail
 * cleanly (and is tried again) or recover exactly what was durable.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_START_TRIES 12u
#define SIM_START_FAULTY_TRIES 6u /* then without faults: a disk that heals */

/* ---- fault regimes --------------------------------------------------------- */

void sim_faults_pick(struct sim *s) {
    struct simvfs_faults f;
    memset(&f, 0, sizeof(f));
    uint64_t k = sim_below(s, 100);
    if (k >= 40 && k < 60) f.write_ppm = (uint32_t)(2000 + sim_below(s, 30000));
    if (k >= 60 && k < 75) f.sync_ppm = (uint32_t)(10000 + sim_below(s, 100000));
    if (k >= 75 && k < 90) f.read_ppm = (uint32_t)(1000 + sim_below(s, 20000));
    if (k >= 90) {
        f.write_ppm = (uint32_t)sim_below(s, 10000);
        f.sync_ppm = (uint32_t)sim_below(s, 30000);
        f.read_ppm = (uint32_t)sim_below(s, 5000);
    }
    s->faults = f;
    sim_log(s, "faults: read %u write %u sync %u ppm", f.read_ppm, f.write_ppm, f.sync_ppm);
}

/* The regime, and now and then a crash some calls from now. */
void sim_faults_apply(struct sim *s) {
    struct simvfs_faults f = s->faults;
    if (!s->scripted && sim_percent(s, 5)) f.crash_after_ops = 1 + sim_below(s, 60);
    simvfs_set_faults(&f);
}

void sim_faults_off(void) {
    struct simvfs_faults none;
    memset(&none, 0, sizeof(none));
    simvfs_set_faults(&none);
}

static enum simvfs_crash sim__crash_kind(struct sim *s) {
    static const enum simvfs_crash kinds[] = {SIMVFS_KILL, SIMVFS_POWER_DROP, SIMVFS_POWER_TORN,
                                              SIMVFS_POWER_ANY};
    return kinds[sim_below(s, 4)];
}

static const char *sim__crash_name(enum simvfs_crash how) {
    switch (how) {
    case SIMVFS_KILL: return "kill -9";
    case SIMVFS_POWER_DROP: return "power loss (unsynced writes lost)";
    case SIMVFS_POWER_TORN: return "power loss (writes in order, the last torn)";
    case SIMVFS_POWER_ANY: return "power loss (any unsynced write landed, lost or torn)";
    }
    return "?";
}

/* ---- genesis ----------------------------------------------------------------- */

int sim_node_create(struct sim *s) {
    char why[256] = "";
    char *json = sim_genesis_json(s);
    if (json == NULL) return sim_failf(s, "the sim's genesis is not JSON");
    struct engine e;
    enum err err = engine_open(&e, 1024);
    int64_t t0 = SIM_T0_MS * 1000000;
    if (!err) err = chain_genesis_engine(&e, json, strlen(json), t0, NULL, why, sizeof(why));
    struct store *st = NULL;
    if (!err) err = store_open(SIM_DATA_DIR, 1, &st);
    if (!err) {
        struct store_block b0;
        memset(&b0, 0, sizeof(b0));
        b0.time_ns = t0;
        engine_state_hash(&e, &b0.state_hash);
        block_hash_genesis(&b0, json, strlen(json), &b0.hash);
        err = st->ops->write_genesis(st, json, strlen(json), json, strlen(json), &b0);
        st->ops->close(st);
        s->model.durable_hash = b0.hash;
        s->model.durable_state = b0.state_hash;
    }
    engine_close(&e);
    free(json);
    if (err) return sim_failf(s, "init: %s: %s", err_name(err), why);
    return 0;
}

/* ---- start and stop ----------------------------------------------------------- */

/* Close what a dead process left open: its handles fail every call, so
 * nothing here reaches a file. */
static void sim__bury(struct sim *s) {
    if (!s->up) return;
    s->chain.broken = 1; /* the process is gone: it writes no snapshot */
    sequencer_stop(s->seq);
    chain_close(&s->chain);
    s->seq = NULL;
    s->up = 0;
}

static int sim__closed(struct sim *s) {
    uint32_t open = simvfs_open_handles();
    if (open) return sim_failf(s, "%u files still open after the node closed its store", open);
    return 0;
}

/* chain_open with faults on; a crash during recovery is one more crash. */
static int sim__open(struct sim *s, int *opened) {
    char why[320] = "";
    struct simvfs_stats before;
    struct simvfs_stats after;
    *opened = 0;
    for (unsigned tries = 0; tries < SIM_START_TRIES; tries++) {
        if (tries < SIM_START_FAULTY_TRIES) sim_faults_apply(s);
        simvfs_stats(&before);
        enum err err = chain_open(&s->chain, SIM_DATA_DIR, why, sizeof(why));
        simvfs_stats(&after);
        sim_faults_off();
        int crashed = simvfs_crashed();
        int injected = after.failed_reads + after.failed_writes + after.failed_syncs >
                       before.failed_reads + before.failed_writes + before.failed_syncs;
        if (!err && !crashed) {
            s->start_faulted = injected;
            *opened = 1;
            return 0;
        }
        if (!err) chain_close(&s->chain);
        if (crashed) {
            enum simvfs_crash how = sim__crash_kind(s);
            sim_log(s, "crash during recovery: %s", sim__crash_name(how));
            s->counts.crashes++;
            simvfs_restart(how);
            continue;
        }
        if (s->verbose) simvfs_dump();
        if (!injected || (err != ERR_STORE_IO && err != ERR_IO)) {
            return sim_failf(s, "start-up failed: %s: %s", err_name(err), why);
        }
        sim_log(s, "start-up refused under injected faults (%s); again", err_name(err));
    }
    return sim_failf(s, "start-up failed %u times", SIM_START_TRIES);
}

int sim_node_start(struct sim *s) {
    int opened = 0;
    if (sim__closed(s) != 0 || sim__open(s, &opened) != 0) return -1;
    if (sequencer_open(&s->chain, &s->seq_opt, &s->seq) != ERR_OK) {
        chain_close(&s->chain);
        return sim_failf(s, "sequencer_open failed");
    }
    s->up = 1;
    s->counts.restarts++;
    sim_log(s, "started at block %llu (snapshot %llu)", (unsigned long long)s->chain.engine.s.height,
            (unsigned long long)s->chain.snapshot_height);
    if (sim_check_recovered(s) != 0 || sim_check_journal(s, 1) != 0) return -1;
    if (sim_check_step(s) != 0) return -1;
    return sim_clients_sync(s);
}

int sim_node_after_crash(struct sim *s) {
    enum simvfs_crash how = sim__crash_kind(s);
    sim_log(s, "crash: %s", sim__crash_name(how));
    s->counts.crashes++;
    sim__bury(s);
    simvfs_restart(how);
    return sim_node_start(s);
}

/* A clean stop (with the regime's faults: the final snapshot or the
 * checkpoint may fail, or a crash may strike while stopping), a kill, or
 * a power loss; then start again. */
int sim_node_restart(struct sim *s) {
    uint64_t k = sim_below(s, 100);
    if (k < 30) {
        s->counts.clean_stops++;
        sim_log(s, "clean stop");
        sim_faults_apply(s);
        sequencer_stop(s->seq);
        s->seq = NULL;
        chain_close(&s->chain);
        s->up = 0;
        sim_faults_off();
        if (simvfs_crashed()) {
            enum simvfs_crash how = sim__crash_kind(s);
            sim_log(s, "crash while stopping: %s", sim__crash_name(how));
            s->counts.crashes++;
            simvfs_restart(how);
        }
        return sim_node_start(s);
    }
    return sim_node_crash(s, k < 50 ? SIMVFS_KILL : sim__crash_kind(s));
}

int sim_node_crash(struct sim *s, enum simvfs_crash how) {
    sim_log(s, "stop: %s", sim__crash_name(how));
    if (how == SIMVFS_KILL) s->counts.kills++;
    else s->counts.crashes++;
    simvfs_kill();
    sim__bury(s);
    simvfs_restart(how);
    return sim_node_start(s);
}

void sim_node_close(struct sim *s) {
    if (!s->up) return;
    sim_faults_off();
    sequencer_stop(s->seq);
    s->seq = NULL;
    chain_close(&s->chain);
    s->up = 0;
    (void)sim__closed(s);
}

/* Someone runs `sqlite3 mintline.db 'PRAGMA wal_checkpoint(...)'` beside
 * the node (a backup tool would): it must not disturb it, and a crash in
 * the middle of a checkpoint must lose nothing. */
int sim_node_checkpoint(struct sim *s) {
    static const char *const modes[] = {"PASSIVE", "FULL", "RESTART", "TRUNCATE"};
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA wal_checkpoint(%s)", modes[sim_below(s, 4)]);
    sqlite3 *db = NULL;
    s->counts.checkpoints++;
    sim_log(s, "outside %s", sql);
    sim_faults_apply(s);
    if (sqlite3_open_v2(SIM_DATA_DIR "/mintline.db", &db, SQLITE_OPEN_READWRITE, SIMVFS_NAME) ==
        SQLITE_OK) {
        sqlite3_busy_timeout(db, 1000);
        (void)sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    sqlite3_close(db);
    sim_faults_off();
    return 0;
}
