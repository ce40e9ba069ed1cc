/* 16 threads at once on one process's connection: each creates, sets, queries, enumerates and
 * deletes on a private key and on a shared one, a fixed number of rounds; then the state is
 * checked from the main thread. */
#include "winreg_test.h"
#include <pthread.h>

enum { THREADS = 16, ROUNDS = 150 };

static int thread_failures[THREADS];

#define TCHECK(cond)                                                             \
    do {                                                                         \
        if (!(cond)) {                                                           \
            thread_failures[id]++;                                               \
            fprintf(stderr, "thread %d round %d: failed: %s\n", id, round, #cond); \
        }                                                                        \
    } while (0)

static void *worker(void *argument) {
    int id = (int)(intptr_t)argument;
    char name[32];
    snprintf(name, sizeof name, "private%02d", id);
    HKEY shared = NULL;
    int round = -1;
    TCHECK(RegOpenKeyExA(main_key, "shared", 0, KEY_ALL_ACCESS, &shared) == ERROR_SUCCESS);
    for (round = 0; round < ROUNDS; round++) {
        HKEY mine = NULL, child = NULL;
        DWORD disposition = 0;
        TCHECK(RegCreateKeyExA(main_key, name, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &mine, &disposition) == ERROR_SUCCESS);
        TCHECK(disposition == (round == 0 ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY));
        DWORD value = (DWORD)(id * 100000 + round), read = 0, size = sizeof read, type = 0;
        TCHECK(RegSetValueExA(mine, "counter", 0, REG_DWORD, (const BYTE *)&value, sizeof value) == ERROR_SUCCESS);
        TCHECK(RegQueryValueExA(mine, "counter", NULL, &type, (BYTE *)&read, &size) == ERROR_SUCCESS && read == value && type == REG_DWORD);
        TCHECK(RegSetValueExA(shared, name, 0, REG_DWORD, (const BYTE *)&value, sizeof value) == ERROR_SUCCESS);
        TCHECK(RegCreateKeyExA(mine, "child", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &child, NULL) == ERROR_SUCCESS);
        char sub[16];
        DWORD length = sizeof sub;
        TCHECK(RegEnumKeyExA(mine, 0, sub, &length, NULL, NULL, NULL, NULL) == ERROR_SUCCESS && !strcmp(sub, "child"));
        TCHECK(RegEnumKeyExA(mine, 1, sub, &length, NULL, NULL, NULL, NULL) == ERROR_NO_MORE_ITEMS);
        DWORD values = 0;
        TCHECK(RegQueryInfoKeyA(shared, NULL, NULL, NULL, NULL, NULL, NULL, &values, NULL, NULL, NULL, NULL) == ERROR_SUCCESS &&
               values >= 1 && values <= THREADS);
        TCHECK(RegDeleteKeyA(child, "") == ERROR_SUCCESS);
        TCHECK(RegCloseKey(child) == ERROR_SUCCESS);
        TCHECK(RegCloseKey(mine) == ERROR_SUCCESS);
    }
    TCHECK(RegCloseKey(shared) == ERROR_SUCCESS);
    return NULL;
}

int main(void) {
    setup_main_key("stress");
    HKEY shared = NULL;
    CHECK(RegCreateKeyExA(main_key, "shared", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &shared, NULL) == ERROR_SUCCESS, "shared");
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i) == 0, "thread %d", i);
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < THREADS; i++) CHECK(thread_failures[i] == 0, "thread %d: %d failures", i, thread_failures[i]);

    /* Consistency: each private key holds its last counter and no child; the shared key one value
     * per thread, the last it wrote. */
    DWORD subkeys = 0, values = 0;
    CHECK(RegQueryInfoKeyA(main_key, NULL, NULL, NULL, &subkeys, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == ERROR_SUCCESS &&
              subkeys == THREADS + 1, "%u subkeys", subkeys);
    CHECK(RegQueryInfoKeyA(shared, NULL, NULL, NULL, NULL, NULL, NULL, &values, NULL, NULL, NULL, NULL) == ERROR_SUCCESS &&
              values == THREADS, "%u shared values", values);
    for (int i = 0; i < THREADS; i++) {
        char name[32];
        snprintf(name, sizeof name, "private%02d", i);
        DWORD expected = (DWORD)(i * 100000 + ROUNDS - 1), read = 0, size = sizeof read;
        CHECK(RegGetValueA(main_key, name, "counter", RRF_RT_REG_DWORD, NULL, &read, &size) == ERROR_SUCCESS && read == expected,
              "%s: %u", name, read);
        read = 0;
        size = sizeof read;
        CHECK(RegGetValueA(shared, NULL, name, RRF_RT_REG_DWORD, NULL, &read, &size) == ERROR_SUCCESS && read == expected,
              "shared %s: %u", name, read);
        DWORD children = 1;
        HKEY mine = NULL;
        CHECK(RegOpenKeyExA(main_key, name, 0, KEY_READ, &mine) == ERROR_SUCCESS, "open %s", name);
        CHECK(RegQueryInfoKeyA(mine, NULL, NULL, NULL, &children, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == ERROR_SUCCESS &&
                  children == 0, "%s: %u children", name, children);
        RegCloseKey(mine);
    }
    RegCloseKey(shared);
    return finish();
}
