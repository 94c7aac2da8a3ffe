/*
 * pg_fixture.c - a fresh PostgreSQL database for a store test: see
 * pg_fixture.h. Database names carry the process id and a counter, so
 * the release and sanitized test binaries never meet.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_fixture.h"

int pg_fixture_enabled(void) {
    const char *url = getenv("MINTLINE_TEST_PG_URL");
    return url != NULL && url[0] != '\0';
}

int pg_fixture_exec(const char *url, const char *sql) {
    PGconn *c = PQconnectdb(url);
    int rc = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *res = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(res);
        rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
        if (rc != 0) fprintf(stderr, "pg_fixture: %s: %s", sql, PQresultErrorMessage(res));
        PQclear(res);
    } else {
        fprintf(stderr, "pg_fixture: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return rc;
}

/* The URL with its last path element (the database) replaced by db. */
static int pg_fixture__url(const char *base, const char *db, char *out, size_t out_size) {
    const char *scheme = strstr(base, "://");
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    if (slash == NULL) return -1;
    const char *query = strchr(slash, '?');
    int n = snprintf(out, out_size, "%.*s/%s%s", (int)(slash - base), base, db, query ? query : "");
    return n < 0 || (size_t)n >= out_size ? -1 : 0;
}

int pg_fixture_make(char *url, size_t url_size) {
    static unsigned counter;
    const char *base = getenv("MINTLINE_TEST_PG_URL");
    if (base == NULL || base[0] == '\0') return -1;
    char db[64], sql[128];
    snprintf(db, sizeof(db), "mlt_%ld_%u", (long)getpid(), counter++);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
    if (pg_fixture_exec(base, sql) != 0) return -1;
    return pg_fixture__url(base, db, url, url_size);
}

void pg_fixture_drop(const char *url) {
    const char *base = getenv("MINTLINE_TEST_PG_URL");
    const char *slash = strrchr(url, '/');
    if (base == NULL || slash == NULL) return;
    char db[64], sql[128];
    snprintf(db, sizeof(db), "%.*s", (int)strcspn(slash + 1, "?"), slash + 1);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    pg_fixture_exec(base, sql);
}
