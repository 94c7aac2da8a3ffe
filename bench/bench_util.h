/*
 * bench_util.h - what the benchmark programs share: a monotonic clock, the
 * xorshift64* generator with a fixed seed, the deterministic holder
 * addresses (holder i has the same address in every benchmark, so the
 * engine, HTTP and SQLite figures move money between the same accounts),
 * and RSS.
 *
 * Header-only (static functions) because the Makefile builds each
 * bench/NAME.c into its own binary.
 */
#ifndef MINTLINE_BENCH_UTIL_H
#define MINTLINE_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../src/base/addr.h"

#define BENCH_SEED 0x6d696e746c696e65ull /* "mintline" */

static inline double bench_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: fast, fixed seed, never zero. */
static inline uint64_t bench_rng_next(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* A random pair of distinct holders in [0, holders). */
static inline void bench_rng_pair(uint64_t *state, uint32_t holders, uint32_t *from,
                                  uint32_t *to) {
    uint32_t f = (uint32_t)(bench_rng_next(state) % holders);
    uint32_t t = (uint32_t)(bench_rng_next(state) % (holders - 1));
    if (t >= f) t++;
    *from = f;
    *to = t;
}

/* Holder i's address: splitmix64 of i, spread over 20 bytes. */
static inline void bench_addr(uint32_t i, struct addr *out) {
    uint64_t z = (uint64_t)i * 0x9e3779b97f4a7c15ull + 0x1234567ull;
    for (unsigned k = 0; k < ADDR_BYTES; k += 8) {
        z += 0x9e3779b97f4a7c15ull;
        uint64_t x = z;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        x ^= x >> 31;
        size_t n = ADDR_BYTES - k < 8 ? ADDR_BYTES - k : 8;
        memcpy(out->bytes + k, &x, n);
    }
}

/* Resident set size in bytes, or -1. */
static inline long bench_rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return -1;
    long size = 0, resident = 0;
    int n = fscanf(f, "%ld %ld", &size, &resident);
    fclose(f);
    if (n != 2) return -1;
    return resident * sysconf(_SC_PAGESIZE);
}

#endif
