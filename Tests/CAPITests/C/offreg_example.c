/* docs/c-api.md's example: list every key of a hive file with its value count and last write
 * time, as a forensic tool would. Usage: offreg_example HIVE */
#include <hivekeeper/offreg.h>
#include <stdio.h>
#include <time.h>

static void walk(ORHKEY key, int depth) {
    WCHAR name[256];
    for (DWORD i = 0;; i++) {
        DWORD length = 256, values = 0;
        FILETIME written;
        ORHKEY sub;
        if (OREnumKey(key, i, name, &length, NULL, NULL, &written) != ERROR_SUCCESS) break;
        if (OROpenKey(key, name, &sub) != ERROR_SUCCESS) continue;
        ORQueryInfoKey(sub, NULL, NULL, NULL, NULL, NULL, &values, NULL, NULL, NULL, NULL);
        time_t t = (time_t)((((ULONGLONG)written.dwHighDateTime << 32 | written.dwLowDateTime) / 10000000) - 11644473600LL);
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", gmtime(&t));
        printf("%*s", depth * 2, "");
        for (DWORD c = 0; c < length; c++) putchar(name[c] < 0x80 ? (char)name[c] : '?');
        printf("  (%u values, written %s UTC)\n", values, when);
        walk(sub, depth + 1);
        ORCloseKey(sub);
    }
}

int main(int argc, char **argv) {
    WCHAR path[4096];
    ORHKEY hive;
    size_t n = 0;
    if (argc != 2) return 2;
    for (; argv[1][n] && n < 4095; n++) path[n] = (unsigned char)argv[1][n];
    path[n] = 0;
    DWORD rc = OROpenHive(path, &hive);
    if (rc != ERROR_SUCCESS) { fprintf(stderr, "OROpenHive: error %u\n", rc); return 1; }
    walk(hive, 0);
    ORCloseHive(hive);
    return 0;
}
