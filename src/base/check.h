/*
 * check.h - always-on assertions.
 *
 * ASSERT(x) states something the developers can prove: a precondition, a
 * postcondition or an invariant. It is never used for input from disk or the
 * network; such input gets an error code. A failed assertion is a bug: the
 * process prints where and aborts, because continuing could corrupt money.
 */
#ifndef MINTLINE_BASE_CHECK_H
#define MINTLINE_BASE_CHECK_H

void check_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#define ASSERT(x)                                                                                  \
    do {                                                                                           \
        if (__builtin_expect(!(x), 0)) check_fail(#x, __FILE__, __LINE__);                         \
    } while (0)

#endif
