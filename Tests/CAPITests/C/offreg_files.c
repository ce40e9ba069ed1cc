/* The offline API against files: what is not a hive, a file another program holds, descriptors
 * (OROpenHiveByHandle), a damaged hive refused for editing, a dirty hive recovered from its
 * logs, changed and saved as DIR/recovered.hive (the test compares it with the engine's view).
 * Usage: offreg_files DIR DAMAGED_HIVE DIRTY_HIVE */
#define _DEFAULT_SOURCE
#include "offreg_check.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>
#include <unistd.h>

static const char *dir;

static const char *in_dir(const char *name) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void not_hives(void) {
    ORHKEY hive = NULL;
    FILE *f = fopen(in_dir("text.txt"), "w");
    fputs("not a hive at all, but long enough to be read as one\n", f);
    fclose(f);
    EXPECT(OROpenHive(wide(in_dir("text.txt")), &hive), ERROR_NOT_REGISTRY_FILE);
    EXPECT(OROpenHive(wide(dir), &hive), ERROR_ACCESS_DENIED);  /* CreateFile on a directory */
    EXPECT(OROpenHive(u"", &hive), ERROR_INVALID_PARAMETER);
}

static void descriptors(void) {
    ORHKEY hive = NULL, made = NULL;
    EXPECT(ORCreateHive(&made), ERROR_SUCCESS);
    DWORD one = 1;
    EXPECT(ORSetValue(made, u"One", REG_DWORD, (const BYTE *)&one, 4), ERROR_SUCCESS);
    EXPECT(ORSaveHive(made, wide(in_dir("fd.hive")), 6, 1), ERROR_SUCCESS);
    EXPECT(ORCloseHive(made), ERROR_SUCCESS);
    int fd = open(in_dir("fd.hive"), O_RDONLY);
    CHECK(fd >= 0, "open fd.hive");
    CHECK(lseek(fd, 100, SEEK_SET) == 100, "lseek");
    EXPECT(OROpenHiveByHandle((HANDLE)(intptr_t)fd, &hive), ERROR_SUCCESS);
    CHECK(lseek(fd, 0, SEEK_CUR) == 100, "the descriptor's offset is left alone");
    CHECK(fcntl(fd, F_GETFD) >= 0, "the descriptor stays open");
    DWORD back = 0, size = 4;
    EXPECT(ORGetValue(hive, NULL, u"One", NULL, &back, &size), ERROR_SUCCESS);
    CHECK(back == 1, "read through the descriptor");
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
    CHECK(fcntl(fd, F_GETFD) >= 0, "ORCloseHive does not close the descriptor");
    close(fd);
    hive = (ORHKEY)1;
    EXPECT(OROpenHiveByHandle((HANDLE)(intptr_t)fd, &hive), ERROR_INVALID_HANDLE);  /* closed now */
    CHECK(hive == NULL, "a failed open leaves NULL");
    EXPECT(OROpenHiveByHandle((HANDLE)(intptr_t)-1, &hive), ERROR_INVALID_HANDLE);
    int dfd = open(dir, O_RDONLY);
    EXPECT(OROpenHiveByHandle((HANDLE)(intptr_t)dfd, &hive), ERROR_INVALID_PARAMETER);
    close(dfd);
    fd = open(in_dir("fd.hive"), O_RDONLY);
    EXPECT(OROpenHiveByHandle((HANDLE)(intptr_t)fd, NULL), ERROR_INVALID_PARAMETER);
    close(fd);
}

/* A file another program holds exclusively (as hivekeeperd holds its loaded hives). */
static void held(void) {
    ORHKEY hive = NULL;
    int fd = open(in_dir("fd.hive"), O_RDONLY);
    CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0, "flock");
    EXPECT(OROpenHive(wide(in_dir("fd.hive")), &hive), ERROR_SHARING_VIOLATION);
    close(fd);
    EXPECT(OROpenHive(wide(in_dir("fd.hive")), &hive), ERROR_SUCCESS);
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
}

/* A damaged hive opens and reads what is sound, but is not edited. */
static void damaged(const char *path) {
    ORHKEY hive = NULL, key = NULL;
    EXPECT(OROpenHive(wide(path), &hive), ERROR_SUCCESS);
    DWORD subkeys = 0;
    EXPECT(ORQueryInfoKey(hive, NULL, NULL, &subkeys, NULL, NULL, NULL, NULL, NULL, NULL, NULL), ERROR_SUCCESS);
    CHECK(subkeys > 0, "the root's subkeys are counted");
    EXPECT(ORCreateKey(hive, u"New", NULL, 0, NULL, &key, NULL), ERROR_REGISTRY_CORRUPT);
    EXPECT(ORSetValue(hive, u"New", REG_BINARY, NULL, 0), ERROR_REGISTRY_CORRUPT);
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
}

/* A dirty hive: its logs applied in memory, a change, saved. */
static void dirty(const char *path) {
    ORHKEY hive = NULL;
    EXPECT(OROpenHive(wide(path), &hive), ERROR_SUCCESS);
    DWORD value = 0x0FF12E6;
    EXPECT(ORSetValue(hive, u"Added", REG_DWORD, (const BYTE *)&value, 4), ERROR_SUCCESS);
    EXPECT(ORSaveHive(hive, wide(in_dir("recovered.hive")), 10, 0), ERROR_SUCCESS);
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
}

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    dir = argv[1];
    not_hives();
    descriptors();
    held();
    damaged(argv[2]);
    dirty(argv[3]);
    return report("offreg_files");
}
