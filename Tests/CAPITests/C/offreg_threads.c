/* Many threads on one offline hive: each creates, sets, reads, enumerates and deletes under a
 * key of its own and writes a shared one, while others race a hive being closed under them (its
 * handles must turn ERROR_INVALID_HANDLE, never crash). Then the consistency check, and the
 * hive saved to DIR/threads.hive for the test to read with the engine and with hivex.
 * Usage: offreg_threads DIR */
#include "offreg_check.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

enum { THREADS = 16, ROUNDS = 300 };

static ORHKEY hive;
static ORHKEY doomedKey;
static atomic_int problems;
static atomic_int doomedReads;

static void problem(const char *what, int thread, DWORD rc) {
    fprintf(stderr, "thread %d: %s = %u\n", thread, what, (unsigned)rc);
    atomic_fetch_add(&problems, 1);
}

static void *worker(void *arg) {
    int t = (int)(intptr_t)arg;
    WCHAR name[32];
    char ascii[32];
    snprintf(ascii, sizeof ascii, "Private\\T%02d", t);
    for (int i = 0; ascii[i]; i++) name[i] = (unsigned char)ascii[i];
    name[strlen(ascii)] = 0;
    ORHKEY mine = NULL, shared = NULL, child = NULL;
    DWORD rc;
    if ((rc = ORCreateKey(hive, name, NULL, 0, NULL, &mine, NULL))) { problem("create own key", t, rc); return NULL; }
    if ((rc = ORCreateKey(hive, u"Shared", NULL, 0, NULL, &shared, NULL))) { problem("create shared", t, rc); return NULL; }
    for (DWORD round = 0; round < ROUNDS; round++) {
        DWORD value = round * 100 + (DWORD)t, back = 0, size = sizeof back, type = 0;
        if ((rc = ORSetValue(mine, u"Counter", REG_DWORD, (const BYTE *)&value, sizeof value))) problem("set", t, rc);
        if ((rc = ORGetValue(mine, NULL, u"Counter", &type, &back, &size)) || back != value || type != REG_DWORD)
            problem("get own value", t, rc);
        WCHAR vname[16] = u"v00";
        vname[1] = (WCHAR)(u'0' + t / 10);
        vname[2] = (WCHAR)(u'0' + t % 10);
        if ((rc = ORSetValue(shared, vname, REG_DWORD, (const BYTE *)&value, sizeof value))) problem("set shared", t, rc);
        if ((rc = ORCreateKey(mine, u"Child", NULL, 0, NULL, &child, NULL))) problem("create child", t, rc);
        if ((rc = ORSetValue(child, u"x", REG_BINARY, (const BYTE *)&value, 3))) problem("set child value", t, rc);
        WCHAR sub[32];
        DWORD subLen = 32;
        if ((rc = OREnumKey(mine, 0, sub, &subLen, NULL, NULL, NULL)) || !weq(sub, u"Child")) problem("enum own key", t, rc);
        if ((rc = ORCloseKey(child))) problem("close child", t, rc);
        if ((rc = ORDeleteKey(mine, u"Child"))) problem("delete child", t, rc);
        DWORD values = 0;
        if ((rc = ORQueryInfoKey(shared, NULL, NULL, NULL, NULL, NULL, &values, NULL, NULL, NULL, NULL)) || values > THREADS)
            problem("query shared", t, rc);
        if ((rc = ORCloseKey((ORHKEY)(intptr_t)(0x1000 + round))) != ERROR_INVALID_HANDLE) problem("bogus handle", t, rc);
        /* The doomed hive: readable until it is closed, ERROR_INVALID_HANDLE after. */
        rc = ORGetValue(doomedKey, NULL, u"v", NULL, NULL, NULL);
        if (rc == ERROR_SUCCESS) atomic_fetch_add(&doomedReads, 1);
        else if (rc != ERROR_INVALID_HANDLE) problem("doomed read", t, rc);
    }
    ORCloseKey(shared);
    ORCloseKey(mine);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    EXPECT(ORCreateHive(&hive), ERROR_SUCCESS);
    ORHKEY doomedHive = NULL;
    EXPECT(ORCreateHive(&doomedHive), ERROR_SUCCESS);
    EXPECT(ORCreateKey(doomedHive, u"Key", NULL, 0, NULL, &doomedKey, NULL), ERROR_SUCCESS);
    EXPECT(ORSetValue(doomedKey, u"v", REG_BINARY, NULL, 0), ERROR_SUCCESS);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i);
    while (atomic_load(&doomedReads) < 50) sched_yield();
    EXPECT(ORCloseHive(doomedHive), ERROR_SUCCESS);  /* while the workers still read its key */
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    CHECK(atomic_load(&problems) == 0, "%d problems in the threads", atomic_load(&problems));
    EXPECT(ORGetValue(doomedKey, NULL, u"v", NULL, NULL, NULL), ERROR_INVALID_HANDLE);

    /* Consistency: every thread's last values, no child left, the shared key's values. */
    for (int t = 0; t < THREADS; t++) {
        char path[32];
        WCHAR wpath[32];
        snprintf(path, sizeof path, "Private\\T%02d", t);
        for (int i = 0; path[i]; i++) wpath[i] = (unsigned char)path[i];
        wpath[strlen(path)] = 0;
        DWORD back = 0, size = sizeof back, subkeys = 9;
        EXPECT(ORGetValue(hive, wpath, u"Counter", NULL, &back, &size), ERROR_SUCCESS);
        CHECK(back == (ROUNDS - 1) * 100u + (DWORD)t, "thread %d's counter %u", t, back);
        ORHKEY key = NULL;
        EXPECT(OROpenKey(hive, wpath, &key), ERROR_SUCCESS);
        EXPECT(ORQueryInfoKey(key, NULL, NULL, &subkeys, NULL, NULL, NULL, NULL, NULL, NULL, NULL), ERROR_SUCCESS);
        CHECK(subkeys == 0, "thread %d left %u subkeys", t, subkeys);
        EXPECT(ORCloseKey(key), ERROR_SUCCESS);
    }
    ORHKEY shared = NULL;
    DWORD values = 0;
    EXPECT(OROpenKey(hive, u"Shared", &shared), ERROR_SUCCESS);
    EXPECT(ORQueryInfoKey(shared, NULL, NULL, NULL, NULL, NULL, &values, NULL, NULL, NULL, NULL), ERROR_SUCCESS);
    CHECK(values == THREADS, "shared values %u", values);
    EXPECT(ORCloseKey(shared), ERROR_SUCCESS);
    char saved[4096];
    snprintf(saved, sizeof saved, "%s/threads.hive", argv[1]);
    EXPECT(ORSaveHive(hive, wide(saved), 6, 1), ERROR_SUCCESS);
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
    return report("offreg_threads");
}
