/* The offline API tests' checks: each failure is printed with its line, the program's exit
 * status says whether any failed. */
#ifndef OFFREG_CHECK_H
#define OFFREG_CHECK_H
#include <hivekeeper/offreg.h>
#include <stdio.h>
#include <string.h>

static int failures, passes;

#define CHECK(cond, ...) \
    do { \
        if (cond) { passes++; } else { \
            failures++; \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__); \
            fputc('\n', stderr); \
        } \
    } while (0)

#define EXPECT(call, code) \
    do { \
        DWORD r_ = (call); \
        CHECK(r_ == (DWORD)(code), "%s = %u, expected %s", #call, (unsigned)r_, #code); \
    } while (0)

/* An ASCII path as UTF-16 (the tests' temporary paths are ASCII). */
static inline const WCHAR *wide(const char *s) {
    static WCHAR buffers[4][4096];
    static int next;
    WCHAR *w = buffers[next++ % 4];
    size_t i = 0;
    for (; s[i] && i < 4095; i++) w[i] = (unsigned char)s[i];
    w[i] = 0;
    return w;
}

static inline size_t wlen(const WCHAR *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static inline int weq(const WCHAR *a, const WCHAR *b) {
    size_t n = wlen(a);
    return n == wlen(b) && memcmp(a, b, n * sizeof(WCHAR)) == 0;
}

static inline int report(const char *name) {
    printf("%s: %d checks passed, %d failed\n", name, passes, failures);
    return failures ? 1 : 0;
}
#endif
