/* scripts/bench-c's client: RegQueryValueExW calls per second from THREADS threads on one
 * process's connection, N calls in all. Usage: winreg-query THREADS N */
#define _POSIX_C_SOURCE 200809L
#include <hivekeeper/winreg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static HKEY key;
static long per_thread;

static void *worker(void *unused) {
    (void)unused;
    BYTE data[16];
    for (long i = 0; i < per_thread; i++) {
        DWORD size = sizeof data;
        if (RegQueryValueExW(key, u"Value", NULL, NULL, data, &size) != ERROR_SUCCESS) {
            fprintf(stderr, "RegQueryValueExW failed\n");
            exit(1);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    long total = argc > 2 ? atol(argv[2]) : 200000;
    if (threads < 1 || threads > 256 || total < threads) return 2;
    per_thread = total / threads;
    if (RegCreateKeyExW(HKEY_CURRENT_USER, u"Software\\HivekeeperBench", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL) ||
        RegSetValueExW(key, u"Value", 0, REG_SZ, (const BYTE *)u"abc", 8)) {
        fprintf(stderr, "setting up the key failed\n");
        return 1;
    }
    worker(NULL);  /* warm up: connection, caches */
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pthread_t t[256];
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("RegQueryValueExW, %d thread%s: %.0f calls/s\n", threads, threads == 1 ? "" : "s", (double)(per_thread * threads) / seconds);
    RegDeleteKeyW(key, u"");
    RegCloseKey(key);
    return 0;
}
