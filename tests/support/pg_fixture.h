/*
 * pg_fixture.h - a fresh PostgreSQL database for a store test.
 *
 * MINTLINE_TEST_PG_URL names a database on a PostgreSQL the tests may use
 * (tests/support/pg.py starts one; `make test` runs the unit tests under
 * it). pg_fixture_make creates a new, empty database beside it, owned by
 * the URL's role, and writes its URL; pg_fixture_drop removes it.
 */
#ifndef MINTLINE_TESTS_PG_FIXTURE_H
#define MINTLINE_TESTS_PG_FIXTURE_H

#include <stddef.h>

/* pg_fixture_enabled: 1 when MINTLINE_TEST_PG_URL is set. */
int pg_fixture_enabled(void);

/* pg_fixture_make: 0 and the new database's URL in url; -1 when there is
 * no PostgreSQL to use or it failed (said on stderr). */
int pg_fixture_make(char *url, size_t url_size);

/* pg_fixture_drop: drop the database pg_fixture_make made at url. */
void pg_fixture_drop(const char *url);

/* pg_fixture_exec: run one SQL statement on the database at url (a test
 * tampering with rows). 0 when it succeeded. */
int pg_fixture_exec(const char *url, const char *sql);

#endif
