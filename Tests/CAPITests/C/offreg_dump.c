/* Dumps a hive through the offline API in scripts/hivex-dump.py's format (K path, V name type
 * data; names as hex of their UTF-8, lone surrogates as U+FFFD), so the test can compare what
 * OREnumKey / OROpenKey / OREnumValue give with what the engine reads.
 * Usage: offreg_dump HIVE   (or "-fd HIVE" to open it through OROpenHiveByHandle) */
#include <hivekeeper/offreg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void hex_utf8(const WCHAR *s, size_t n, char *out) {
    static const char d[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        unsigned char b[4];
        int k;
        if (c < 0x80) { b[0] = (unsigned char)c; k = 1; }
        else if (c < 0x800) { b[0] = 0xC0 | (c >> 6); b[1] = 0x80 | (c & 63); k = 2; }
        else if (c < 0x10000) { b[0] = 0xE0 | (c >> 12); b[1] = 0x80 | ((c >> 6) & 63); b[2] = 0x80 | (c & 63); k = 3; }
        else { b[0] = 0xF0 | (c >> 18); b[1] = 0x80 | ((c >> 12) & 63); b[2] = 0x80 | ((c >> 6) & 63); b[3] = 0x80 | (c & 63); k = 4; }
        for (int j = 0; j < k; j++) { out[o++] = d[b[j] >> 4]; out[o++] = d[b[j] & 15]; }
    }
    out[o] = 0;
}

static int dump(ORHKEY key, const char *path) {
    static WCHAR name[16384];
    printf("K\t%s\n", path);
    for (DWORD i = 0;; i++) {
        DWORD cch = 16384, type = 0, cb = 0;
        DWORD rc = OREnumValue(key, i, name, &cch, &type, NULL, &cb);
        if (rc == ERROR_NO_MORE_ITEMS) break;
        if (rc != ERROR_SUCCESS) { fprintf(stderr, "OREnumValue %s #%u: %u\n", path, i, rc); return 1; }
        BYTE *data = malloc(cb ? cb : 1);
        DWORD got = cb;
        cch = 16384;
        rc = OREnumValue(key, i, name, &cch, &type, data, &got);
        if (rc != ERROR_SUCCESS || got != cb) { fprintf(stderr, "OREnumValue data %s #%u: %u\n", path, i, rc); free(data); return 1; }
        char *hexname = malloc(cch * 8 + 1);
        hex_utf8(name, cch, hexname);
        printf("V\t%s\t%u\t", hexname, type);
        for (DWORD j = 0; j < cb; j++) printf("%02x", data[j]);
        printf("\n");
        free(hexname);
        free(data);
    }
    for (DWORD i = 0;; i++) {
        WCHAR sub[256];
        DWORD cch = 256;
        DWORD rc = OREnumKey(key, i, sub, &cch, NULL, NULL, NULL);
        if (rc == ERROR_NO_MORE_ITEMS) break;
        if (rc != ERROR_SUCCESS) { fprintf(stderr, "OREnumKey %s #%u: %u\n", path, i, rc); return 1; }
        char hexname[256 * 8 + 1];
        hex_utf8(sub, cch, hexname);
        size_t len = strlen(path) + 2 + strlen(hexname) + 1;
        char *child = malloc(len);
        snprintf(child, len, "%s%s%s", path, *path ? "5c" : "", hexname);
        ORHKEY h = NULL;
        rc = OROpenKey(key, sub, &h);
        if (rc != ERROR_SUCCESS) { fprintf(stderr, "OROpenKey %s: %u\n", child, rc); free(child); return 1; }
        int bad = dump(h, child);
        ORCloseKey(h);
        free(child);
        if (bad) return bad;
    }
    return 0;
}

int main(int argc, char **argv) {
    int byHandle = argc > 2 && strcmp(argv[1], "-fd") == 0;
    const char *file = argv[argc - 1];
    if (argc < 2) return 2;
    ORHKEY hive = NULL;
    DWORD rc;
    int fd = -1;
    if (byHandle) {
        fd = open(file, O_RDONLY);
        if (fd < 0) { perror(file); return 2; }
        rc = OROpenHiveByHandle((HANDLE)(intptr_t)fd, &hive);
    } else {
        WCHAR path[4096];
        size_t n = strlen(file);
        for (size_t i = 0; i <= n; i++) path[i] = (unsigned char)file[i];
        rc = OROpenHive(path, &hive);
    }
    if (rc != ERROR_SUCCESS) { fprintf(stderr, "open: %u\n", rc); return 3; }
    int bad = dump(hive, "");
    ORCloseHive(hive);
    if (fd >= 0) close(fd);
    return bad;
}
