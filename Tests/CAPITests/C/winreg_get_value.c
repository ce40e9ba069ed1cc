/* RegGetValue: type restrictions, RRF_NOEXPAND, RRF_ZEROONFAILURE, REG_EXPAND_SZ expansion with
 * this process's environment; ExpandEnvironmentStrings. */
#define _POSIX_C_SOURCE 200809L
#include "winreg_test.h"

static const char path1[] = "%LONGSYSTEMVAR%\\subdir1";
static const char path2[] = "%FOO%\\subdir1";
static const char expanded1[] = "bar\\subdir1";
static const char expanded2[] = "ImARatherLongButIndeedNeededString\\subdir1";

/* Wine: create_test_entries. */
static void create_entries(void) {
    static const DWORD qw[2] = {0x12345678, 0x87654321};
    setenv("LONGSYSTEMVAR", "bar", 1);
    setenv("FOO", "ImARatherLongButIndeedNeededString", 1);
    CHECK(!RegSetValueExA(main_key, "TP1_EXP_SZ", 0, REG_EXPAND_SZ, (const BYTE *)path1, sizeof path1), "TP1_EXP_SZ");
    CHECK(!RegSetValueExA(main_key, "TP1_SZ", 0, REG_SZ, (const BYTE *)path1, sizeof path1), "TP1_SZ");
    CHECK(!RegSetValueExA(main_key, "TP1_ZB_SZ", 0, REG_SZ, (const BYTE *)"", 0), "TP1_ZB_SZ");
    CHECK(!RegSetValueExA(main_key, "TP2_EXP_SZ", 0, REG_EXPAND_SZ, (const BYTE *)path2, sizeof path2), "TP2_EXP_SZ");
    CHECK(!RegSetValueExA(main_key, "DWORD", 0, REG_DWORD, (const BYTE *)qw, 4), "DWORD");
    CHECK(!RegSetValueExA(main_key, "BIN32", 0, REG_BINARY, (const BYTE *)qw, 4), "BIN32");
    CHECK(!RegSetValueExA(main_key, "BIN64", 0, REG_BINARY, (const BYTE *)qw, 8), "BIN64");
}

/* Wine: test_get_value. */
static void test_get_value(void) {
    DWORD type, size, dw, qw[2];
    char buf[80];
    LSTATUS r;

    CHECK(RegGetValueA(main_key, NULL, "DWORD", RRF_RT_REG_DWORD, &type, &dw, NULL) == ERROR_INVALID_PARAMETER, "data, no size");
    CHECK(RegGetValueA(main_key, NULL, "DWORD", 0, &type, NULL, NULL) == ERROR_INVALID_PARAMETER, "no type allowed");

    size = type = dw = 0xdeadbeef;
    r = RegGetValueA(main_key, NULL, "DWORD", RRF_RT_REG_DWORD, &type, &dw, &size);
    CHECK(r == ERROR_SUCCESS && size == 4 && type == REG_DWORD && dw == 0x12345678, "DWORD: %ld", (long)r);

    char sub[160];
    snprintf(sub, sizeof sub, "%s", main_path);
    CHECK(RegGetValueA(HKEY_CURRENT_USER, sub, "DWORD", RRF_RT_REG_DWORD, NULL, NULL, NULL) == ERROR_SUCCESS, "by subkey");
    CHECK(RegGetValueA(HKEY_CURRENT_USER, "Software\\HivekeeperCTests\\none", "DWORD", RRF_RT_ANY, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND,
          "missing subkey");

    /* A type outside the restriction: everything is still returned. */
    size = type = dw = 0xdeadbeef;
    r = RegGetValueA(main_key, NULL, "DWORD", RRF_RT_REG_BINARY, &type, &dw, &size);
    CHECK(r == ERROR_UNSUPPORTED_TYPE && size == 4 && type == REG_DWORD && dw == 0x12345678, "restricted: %ld", (long)r);

    /* RRF_ZEROONFAILURE zeroes the buffer, and only it. */
    type = dw = 0xdeadbeef;
    size = 4;
    r = RegGetValueA(main_key, NULL, "DWORD", RRF_RT_REG_SZ | RRF_ZEROONFAILURE, &type, &dw, &size);
    CHECK(r == ERROR_UNSUPPORTED_TYPE && size == 4 && type == REG_DWORD && dw == 0, "zero on failure: %ld dw %x", (long)r, dw);
    type = size = 0xbadbeef;
    r = RegGetValueA(main_key, NULL, "DWORD", RRF_RT_REG_SZ | RRF_ZEROONFAILURE, &type, NULL, &size);
    CHECK(r == ERROR_UNSUPPORTED_TYPE && size == 4 && type == REG_DWORD, "zero on failure, no buffer");

    size = type = dw = 0xdeadbeef;
    r = RegGetValueA(main_key, NULL, "DWORD", RRF_RT_DWORD, &type, &dw, &size);
    CHECK(r == ERROR_SUCCESS && size == 4 && type == REG_DWORD && dw == 0x12345678, "RRF_RT_DWORD");
    size = type = dw = 0xdeadbeef;
    r = RegGetValueA(main_key, NULL, "BIN32", RRF_RT_DWORD, &type, &dw, &size);
    CHECK(r == ERROR_SUCCESS && size == 4 && type == REG_BINARY && dw == 0x12345678, "4-byte binary as RRF_RT_DWORD");
    qw[0] = qw[1] = size = type = 0xdeadbeef;
    r = RegGetValueA(main_key, NULL, "BIN64", RRF_RT_DWORD, &type, qw, &size);
    CHECK(r == ERROR_DATATYPE_MISMATCH && size == 8 && type == REG_BINARY && qw[0] == 0x12345678 && qw[1] == 0x87654321,
          "8-byte binary as RRF_RT_DWORD: %ld", (long)r);
    type = dw = 0xdeadbeef;
    size = 4;
    r = RegGetValueA(main_key, NULL, "BIN64", RRF_RT_REG_BINARY, &type, &dw, &size);
    CHECK(r == ERROR_MORE_DATA && dw == 0xdeadbeef && size == 8, "too small: %ld", (long)r);
    qw[0] = qw[1] = size = type = 0xdeadbeef;
    r = RegGetValueA(main_key, NULL, "BIN64", RRF_RT_QWORD, &type, qw, &size);
    CHECK(r == ERROR_SUCCESS && size == 8 && type == REG_BINARY && qw[0] == 0x12345678 && qw[1] == 0x87654321, "RRF_RT_QWORD");

    /* Strings. */
    buf[0] = 0;
    type = 0xdeadbeef;
    size = sizeof buf;
    r = RegGetValueA(main_key, NULL, "TP1_SZ", RRF_RT_REG_SZ, &type, buf, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof path1 && type == REG_SZ && !strcmp(buf, path1), "REG_SZ: %ld", (long)r);
    size = 0;
    r = RegGetValueA(main_key, NULL, "TP1_SZ", RRF_RT_REG_SZ, &type, NULL, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof path1, "REG_SZ size only");
    strcpy(buf, path1);
    size = sizeof buf;
    r = RegGetValueA(main_key, NULL, "TP1_ZB_SZ", RRF_RT_REG_SZ, &type, buf, &size);
    CHECK(r == ERROR_SUCCESS && size == 0 && type == REG_SZ, "zero-byte REG_SZ: %ld size %u", (long)r, size);
    size = sizeof buf;
    r = RegGetValueA(main_key, NULL, "TP1_SZ", RRF_RT_REG_SZ | RRF_NOEXPAND, &type, buf, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof path1 && !strcmp(buf, path1), "REG_SZ, RRF_NOEXPAND");

    /* REG_EXPAND_SZ is expanded into REG_SZ. */
    size = 0;
    r = RegGetValueA(main_key, NULL, "TP2_EXP_SZ", RRF_RT_REG_SZ, NULL, NULL, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof expanded2, "expanded size: %u", size);
    size = sizeof buf;
    r = RegGetValueA(main_key, NULL, "TP1_EXP_SZ", RRF_RT_REG_SZ, &type, buf, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof expanded1 && type == REG_SZ && !strcmp(buf, expanded1), "expanded: %s", buf);
    size = sizeof buf;
    r = RegGetValueA(main_key, NULL, "TP2_EXP_SZ", RRF_RT_REG_SZ, &type, buf, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof expanded2 && !strcmp(buf, expanded2), "expanded a lot: %s", buf);
    size = 10;
    r = RegGetValueA(main_key, NULL, "TP2_EXP_SZ", RRF_RT_REG_SZ, &type, buf, &size);
    CHECK(r == ERROR_MORE_DATA && size == sizeof expanded2, "expansion too long: %ld %u", (long)r, size);
    size = sizeof buf;
    r = RegGetValueA(main_key, NULL, "TP1_EXP_SZ", RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, &type, buf, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof path1 && type == REG_EXPAND_SZ && !strcmp(buf, path1), "RRF_NOEXPAND");
    size = 0xbadbeef;
    r = RegGetValueA(main_key, NULL, "TP1_EXP_SZ", RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL, NULL, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof path1, "RRF_NOEXPAND size");
    r = RegGetValueA(main_key, NULL, "TP1_EXP_SZ", RRF_RT_REG_SZ | RRF_NOEXPAND, NULL, NULL, NULL);
    CHECK(r == ERROR_UNSUPPORTED_TYPE, "REG_EXPAND_SZ is not REG_SZ unexpanded: %ld", (long)r);
    /* Windows 8 and later: expanded, so no longer REG_EXPAND_SZ. */
    r = RegGetValueA(main_key, NULL, "TP1_EXP_SZ", RRF_RT_REG_EXPAND_SZ, NULL, NULL, NULL);
    CHECK(r == ERROR_UNSUPPORTED_TYPE, "RRF_RT_REG_EXPAND_SZ without RRF_NOEXPAND: %ld", (long)r);
    size = sizeof buf;
    r = RegGetValueA(main_key, NULL, "TP1_EXP_SZ", RRF_RT_ANY, &type, buf, &size);
    CHECK(r == ERROR_SUCCESS && size == sizeof expanded1 && type == REG_SZ && !strcmp(buf, expanded1), "RRF_RT_ANY expands");

    /* W: sizes in bytes of UTF-16. */
    WCHAR wbuf[80];
    size = sizeof wbuf;
    r = RegGetValueW(main_key, NULL, u"TP1_EXP_SZ", RRF_RT_REG_SZ, &type, wbuf, &size);
    CHECK(r == ERROR_SUCCESS && size == 2 * sizeof expanded1 && !memcmp(wbuf, u"bar\\subdir1", size), "W expanded: %u", size);
}

/* Unterminated strings come back terminated, the terminator counted. */
static void test_terminates(void) {
    CHECK(!RegSetValueExW(main_key, u"unterminated", 0, REG_SZ, (const BYTE *)u"abcXX", 6), "set");
    WCHAR wbuf[8];
    DWORD size = sizeof wbuf;
    LSTATUS r = RegGetValueW(main_key, NULL, u"unterminated", RRF_RT_REG_SZ, NULL, wbuf, &size);
    CHECK(r == ERROR_SUCCESS && size == 8 && !memcmp(wbuf, u"abc", 8), "terminated: %ld %u", (long)r, size);
    size = 6;
    r = RegGetValueW(main_key, NULL, u"unterminated", RRF_RT_REG_SZ, NULL, wbuf, &size);
    CHECK(r == ERROR_MORE_DATA && size == 8, "no room for the terminator: %ld %u", (long)r, size);
}

/* ExpandEnvironmentStrings: names case-insensitive, unknown ones and lone '%' left alone. */
static void test_expand(void) {
    char out[128];
    DWORD n = ExpandEnvironmentStringsA("%longsystemvar%-%HK_NO_SUCH_VARIABLE%-%%-50%", out, sizeof out);
    CHECK(n == strlen("bar-%HK_NO_SUCH_VARIABLE%-%%-50%") + 1 && !strcmp(out, "bar-%HK_NO_SUCH_VARIABLE%-%%-50%"), "expanded: %u %s", n, out);
    memset(out, 'x', sizeof out);
    n = ExpandEnvironmentStringsA("%FOO%", out, 4);
    CHECK(n == strlen("ImARatherLongButIndeedNeededString") + 1 && out[0] == 'x', "too small: %u", n);
    WCHAR wout[16];
    n = ExpandEnvironmentStringsW(u"<%LongSystemVar%>", wout, 16);
    CHECK(n == 6 && !memcmp(wout, u"<bar>", 12), "W: %u", n);
}

int main(void) {
    setup_main_key("get_value");
    create_entries();
    test_get_value();
    test_terminates();
    test_expand();
    return finish();
}
