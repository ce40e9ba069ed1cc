/* The offline API side of scripts/bench-c-offreg: OROpenHive, then a full walk — every key's
 * subkeys by OREnumKey + OROpenKey, every value by OREnumValue (name and type) and its data by
 * ORGetValue — as hivex-walk.c walks with libhivex; best of N runs. Also times OROpenHive plus
 * one 6-level OROpenKey. With "one-call", each value's data comes with OREnumValue instead (one
 * call per value, as a tool that asked ORQueryInfoKey for the largest size would do).
 * Usage: offreg-walk HIVE RUNS [one-call] */
#define _POSIX_C_SOURCE 200809L
#include <hivekeeper/offreg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static size_t keys, values, bytes;
static int oneCall;

static int walk(ORHKEY root) {
    /* An explicit stack of open keys, like hivex-walk's. */
    size_t cap = 1024, n = 0;
    ORHKEY *stack = malloc(cap * sizeof *stack);
    WCHAR name[16384];
    BYTE data[65536];
    stack[n++] = root;
    while (n) {
        ORHKEY k = stack[--n];
        keys++;
        for (DWORD i = 0;; i++) {
            DWORD cch = 16384, type, size = oneCall ? sizeof data : 0;
            DWORD rc = OREnumValue(k, i, name, &cch, &type, oneCall ? data : NULL, &size);
            if (rc == ERROR_NO_MORE_ITEMS) break;
            if (rc != ERROR_SUCCESS) return fprintf(stderr, "OREnumValue: %u\n", rc), 1;
            if (!oneCall) {
                size = sizeof data;
                rc = ORGetValue(k, NULL, name, &type, data, &size);
                if (rc != ERROR_SUCCESS) return fprintf(stderr, "ORGetValue: %u\n", rc), 1;
            }
            values++;
            bytes += size;
        }
        for (DWORD i = 0;; i++) {
            DWORD cch = 256;
            DWORD rc = OREnumKey(k, i, name, &cch, NULL, NULL, NULL);
            if (rc == ERROR_NO_MORE_ITEMS) break;
            if (rc != ERROR_SUCCESS) return fprintf(stderr, "OREnumKey: %u\n", rc), 1;
            if (n == cap) { cap *= 2; stack = realloc(stack, cap * sizeof *stack); }
            rc = OROpenKey(k, name, &stack[n]);
            if (rc != ERROR_SUCCESS) return fprintf(stderr, "OROpenKey: %u\n", rc), 1;
            n++;
        }
        if (k != root) ORCloseKey(k);
    }
    free(stack);
    return 0;
}

int main(int argc, char **argv) {
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    oneCall = argc > 3 && argv[3][0] == 'o';
    double best = 1e9, bestOpen = 1e9;
    WCHAR path[4096];
    size_t i = 0;
    for (; argv[1][i] && i < 4095; i++) path[i] = (unsigned char)argv[1][i];
    path[i] = 0;
    for (int r = 0; r < runs; r++) {
        ORHKEY hive, key;
        double t0 = now();
        DWORD rc = OROpenHive(path, &hive);
        if (rc != ERROR_SUCCESS) { fprintf(stderr, "OROpenHive: %u\n", rc); return 1; }
        rc = OROpenKey(hive, u"Generated\\K03\\K07\\K01\\K09\\K00\\K05", &key);
        double t1 = now();
        if (rc != ERROR_SUCCESS) { fprintf(stderr, "lookup failed: %u\n", rc); return 1; }
        ORCloseKey(key);
        keys = values = bytes = 0;
        double t2 = now();
        if (walk(hive)) return 1;
        double t3 = now();
        ORCloseHive(hive);
        if (t1 - t0 < bestOpen) bestOpen = t1 - t0;
        if (t3 - t2 < best) best = t3 - t2;
    }
    printf("%s open+lookup %.6f s, walk %.6f s, keys %zu, values %zu, data-bytes %zu\n", oneCall ? "offreg-one-call" : "offreg",
           bestOpen, best, keys, values, bytes);
    return 0;
}
