/* What the winreg_*.c test programs share: CHECK, which reports and counts a failure and goes
 * on, and a fresh main key under HKEY_CURRENT_USER for each program. The behaviours checked
 * are Windows' as Wine's dlls/advapi32/tests/registry.c establishes them (each test names the
 * Wine test function it follows); the code is our own. */
#ifndef WINREG_TEST_H
#define WINREG_TEST_H

#include <hivekeeper/winreg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            fprintf(stderr, "%s:%d: failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

static HKEY main_key;
static char main_path[128];

/* HKCU\Software\HivekeeperCTests\NAME, empty. */
static void setup_main_key(const char *name) {
    snprintf(main_path, sizeof main_path, "Software\\HivekeeperCTests\\%s", name);
    RegDeleteTreeA(HKEY_CURRENT_USER, main_path);
    RegDeleteKeyA(HKEY_CURRENT_USER, main_path);
    LSTATUS r = RegCreateKeyExA(HKEY_CURRENT_USER, main_path, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &main_key, NULL);
    if (r != ERROR_SUCCESS) {
        fprintf(stderr, "cannot create %s: %ld\n", main_path, (long)r);
        exit(2);
    }
}

static int finish(void) {
    RegDeleteTreeA(main_key, NULL);
    RegDeleteKeyA(main_key, "");
    RegCloseKey(main_key);
    if (failures) fprintf(stderr, "%d failures\n", failures);
    else printf("ok\n");
    return failures ? 1 : 0;
}

#endif
