/* RegSetValueEx, RegQueryValueEx, RegSetValue, RegSetKeyValue, RegDeleteValue, RegDeleteKeyValue:
 * Windows' buffer rules. */
#include "winreg_test.h"

/* The value as the A and W functions report it: type REG_SZ, the A size and the W size. */
static void expect_sz(const char *name, DWORD a_size, DWORD w_size, int line) {
    DWORD type = 0, size = 0xdeadbeef;
    LSTATUS r = RegQueryValueExA(main_key, name, NULL, &type, NULL, &size);
    CHECK(r == ERROR_SUCCESS && type == REG_SZ && size == a_size, "line %d: A: %ld type %u size %u", line, (long)r, type, size);
    WCHAR wname[64] = {0};
    for (size_t i = 0; name && name[i]; i++) wname[i] = (WCHAR)name[i];
    size = 0xdeadbeef;
    r = RegQueryValueExW(main_key, name ? wname : NULL, NULL, &type, NULL, &size);
    CHECK(r == ERROR_SUCCESS && type == REG_SZ && size == w_size, "line %d: W: %ld type %u size %u", line, (long)r, type, size);
}

/* Wine: test_set_value. */
static void test_set_value(void) {
    static const char string1[] = "ThisNeverBreaks";
    static const char string2[] = "This\0Breaks\0\0A\0\0\0Lot\0\0\0\0";
    static const WCHAR string1W[] = u"ThisNeverBreaks";

    /* RegSetValue stores the whole string whatever size it is given, and stops at a NUL. */
    CHECK(RegSetValueA(main_key, NULL, REG_SZ, string1, 4) == ERROR_SUCCESS, "RegSetValueA");
    expect_sz(NULL, sizeof string1, sizeof string1W, __LINE__);
    CHECK(RegSetValueA(main_key, NULL, REG_SZ, string2, sizeof string2) == ERROR_SUCCESS, "RegSetValueA");
    expect_sz(NULL, 5, 10, __LINE__);
    CHECK(RegSetValueA(main_key, NULL, REG_BINARY, string2, sizeof string2) == ERROR_INVALID_PARAMETER, "only REG_SZ");
    CHECK(RegSetValueW(main_key, NULL, REG_MULTI_SZ, string1W, sizeof string1W) == ERROR_INVALID_PARAMETER, "only REG_SZ");
    CHECK(RegSetValueW(main_key, u"named", REG_SZ, string1W, 8) == ERROR_SUCCESS, "RegSetValueW into a subkey");
    HKEY sub = NULL;
    CHECK(RegOpenKeyExA(main_key, "named", 0, KEY_READ, &sub) == ERROR_SUCCESS, "RegSetValueW created the subkey");
    RegCloseKey(sub);

    /* A zero-byte string stays zero bytes. */
    CHECK(RegSetValueExA(main_key, "Clean", 0, REG_SZ, (const BYTE *)"", 0) == ERROR_SUCCESS, "zero bytes");
    expect_sz("Clean", 0, 0, __LINE__);
    BYTE buffer[8];
    memset(buffer, 0xbd, sizeof buffer);
    DWORD size = sizeof buffer;
    CHECK(RegQueryValueExA(main_key, "Clean", NULL, NULL, buffer, &size) == ERROR_SUCCESS && size == 0 && buffer[0] == 0xbd,
          "a zero-byte value writes nothing: size %u byte %02x", size, buffer[0]);

    /* An off-by-one size gets its terminator counted. */
    CHECK(RegSetValueExA(main_key, "Clean", 0, REG_SZ, (const BYTE *)string1, sizeof string1 - 1) == ERROR_SUCCESS, "off by one A");
    expect_sz("Clean", sizeof string1, sizeof string1W, __LINE__);
    CHECK(RegSetValueExW(main_key, u"Clean", 0, REG_SZ, (const BYTE *)string1W, sizeof string1W - 2) == ERROR_SUCCESS, "off by one W");
    expect_sz("Clean", sizeof string1, sizeof string1W, __LINE__);

    /* Embedded NULs are kept, in both encodings. */
    CHECK(RegSetValueExA(main_key, "Zeroed", 0, REG_SZ, (const BYTE *)string2, sizeof string2) == ERROR_SUCCESS, "intra-zeroed");
    expect_sz("Zeroed", sizeof string2, 2 * sizeof string2, __LINE__);

    /* Bad data pointers. */
    CHECK(RegSetValueExW(main_key, u"Zeroed", 0, REG_SZ, (const BYTE *)1, 1) == ERROR_NOACCESS, "pointer 1");
    CHECK(RegSetValueExW(main_key, NULL, 0, REG_SZ, NULL, 4) == ERROR_NOACCESS, "NULL with a size");
    CHECK(RegSetValueExW(main_key, NULL, 0, REG_DWORD, NULL, 4) == ERROR_NOACCESS, "NULL with a size");
    CHECK(RegSetValueExW(main_key, NULL, 0, REG_SZ, NULL, 0) == ERROR_SUCCESS, "NULL without a size");
    CHECK(RegSetValueExW(main_key, NULL, 0, REG_DWORD, NULL, 0) == ERROR_SUCCESS, "NULL without a size");

    /* RegSetKeyValue creates the subkey. */
    CHECK(RegSetKeyValueW(main_key, u"subkey", u"v", REG_SZ, string1W, sizeof string1W) == ERROR_SUCCESS, "RegSetKeyValueW");
    CHECK(RegOpenKeyExW(main_key, u"subkey", 0, KEY_QUERY_VALUE, &sub) == ERROR_SUCCESS, "the subkey exists");
    DWORD type = 0;
    size = 0;
    CHECK(RegQueryValueExW(sub, u"v", NULL, &type, NULL, &size) == ERROR_SUCCESS && size == sizeof string1W && type == REG_SZ,
          "RegSetKeyValueW stored %u bytes", size);
    CHECK(RegSetKeyValueW(main_key, u"subkey", u"v", REG_SZ, NULL, 4) == ERROR_NOACCESS, "RegSetKeyValueW NULL data");
    CHECK(RegDeleteKeyValueA(main_key, "subkey", "v") == ERROR_SUCCESS, "RegDeleteKeyValueA");
    CHECK(RegQueryValueExW(sub, u"v", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND, "deleted");
    CHECK(RegDeleteKeyValueA(main_key, "subkey", "v") == ERROR_FILE_NOT_FOUND, "RegDeleteKeyValueA again");
    CHECK(RegDeleteKeyValueA(main_key, "nosuchkey", "v") == ERROR_FILE_NOT_FOUND, "RegDeleteKeyValueA no key");
    RegCloseKey(sub);
}

/* Wine: test_query_value_ex. */
static void test_query_value_ex(void) {
    static const DWORD qw[2] = {0x12345678, 0x87654321};
    CHECK(RegSetValueExA(main_key, "BIN32", 0, REG_BINARY, (const BYTE *)qw, 4) == ERROR_SUCCESS, "BIN32");
    DWORD type = 0xdeadbeef, size = 0xdeadbeef;
    LSTATUS r = RegQueryValueExA(main_key, "Nonexistent Value", NULL, &type, NULL, &size);
    CHECK(r == ERROR_FILE_NOT_FOUND && size == 0, "missing value, no buffer: %ld size %u", (long)r, size);
    BYTE buffer[10];
    size = sizeof buffer;
    r = RegQueryValueExA(main_key, "Nonexistent Value", NULL, &type, buffer, &size);
    CHECK(r == ERROR_FILE_NOT_FOUND && size == sizeof buffer, "missing value, buffer: %ld size %u", (long)r, size);
    /* The type and the size in one DWORD. */
    size = 4;
    CHECK(RegQueryValueExA(main_key, "BIN32", NULL, &size, buffer, &size) == ERROR_SUCCESS, "type and size aliased");
    /* Too small: ERROR_MORE_DATA, the size needed, the buffer untouched. */
    memset(buffer, 0xbd, sizeof buffer);
    size = 2;
    r = RegQueryValueExA(main_key, "BIN32", NULL, &type, buffer, &size);
    CHECK(r == ERROR_MORE_DATA && size == 4 && type == REG_BINARY && buffer[0] == 0xbd, "too small: %ld size %u", (long)r, size);
    /* A buffer without a size is invalid; so is lpReserved. */
    CHECK(RegQueryValueExA(main_key, "BIN32", NULL, &type, buffer, NULL) == ERROR_INVALID_PARAMETER, "buffer, no size");
    DWORD reserved = 0;
    CHECK(RegQueryValueExA(main_key, "BIN32", &reserved, &type, NULL, NULL) == ERROR_INVALID_PARAMETER, "reserved");
    CHECK(RegQueryValueExA(NULL, "BIN32", NULL, NULL, NULL, NULL) == ERROR_INVALID_HANDLE, "NULL key");
    CHECK(RegQueryValueExA((HKEY)(intptr_t)0xcafe0, "BIN32", NULL, NULL, NULL, NULL) == ERROR_INVALID_HANDLE, "unknown key");
}

/* Wine: test_string_termination. */
static void test_string_termination(void) {
    static const char string[] = "FullString";
    BYTE buffer[11];
    DWORD insize = sizeof string - 1, outsize = insize;
    CHECK(RegSetValueExA(main_key, "stringtest", 0, REG_SZ, (const BYTE *)string, insize) == ERROR_SUCCESS, "set");
    CHECK(RegQueryValueExA(main_key, "stringtest", NULL, NULL, buffer, &outsize) == ERROR_MORE_DATA, "its NUL was added");
    insize = sizeof string - 2;
    CHECK(RegSetValueExA(main_key, "stringtest", 0, REG_SZ, (const BYTE *)string, insize) == ERROR_SUCCESS, "set");
    outsize = 0;
    CHECK(RegQueryValueExA(main_key, "stringtest", NULL, NULL, NULL, &outsize) == ERROR_SUCCESS && outsize == insize, "no NUL added");
    outsize = insize;
    memset(buffer, 0xbd, sizeof buffer);
    CHECK(RegQueryValueExA(main_key, "stringtest", NULL, NULL, buffer, &outsize) == ERROR_SUCCESS && outsize == insize, "exact");
    CHECK(memcmp(buffer, string, insize) == 0 && buffer[insize] == 0xbd, "no terminator without room");
    outsize = insize + 1;
    memset(buffer, 0xbd, sizeof buffer);
    CHECK(RegQueryValueExA(main_key, "stringtest", NULL, NULL, buffer, &outsize) == ERROR_SUCCESS && outsize == insize, "room");
    CHECK(buffer[insize] == 0, "a terminator when there is room, not counted");
    /* The same for W. */
    WCHAR wbuffer[12];
    DWORD wsize = insize * 2;
    memset(wbuffer, 0xbd, sizeof wbuffer);
    CHECK(RegQueryValueExW(main_key, u"stringtest", NULL, NULL, (BYTE *)wbuffer, &wsize) == ERROR_SUCCESS && wsize == insize * 2, "W");
    CHECK(wbuffer[insize] == 0xbdbd, "W: no terminator without room");
    wsize = insize * 2 + 2;
    CHECK(RegQueryValueExW(main_key, u"stringtest", NULL, NULL, (BYTE *)wbuffer, &wsize) == ERROR_SUCCESS && wsize == insize * 2, "W");
    CHECK(wbuffer[insize] == 0, "W: a terminator when there is room");
}

/* A functions speak UTF-8: sizes in UTF-8 bytes, stored as UTF-16. */
static void test_utf8(void) {
    static const char text[] = "h\xc3\xa9llo \xe2\x82\xac";  /* "héllo €": 11 bytes, 7 UTF-16 units */
    CHECK(RegSetValueExA(main_key, "caf\xc3\xa9", 0, REG_SZ, (const BYTE *)text, sizeof text) == ERROR_SUCCESS, "set UTF-8");
    WCHAR wbuffer[16];
    DWORD size = sizeof wbuffer;
    CHECK(RegQueryValueExW(main_key, u"caf\u00e9", NULL, NULL, (BYTE *)wbuffer, &size) == ERROR_SUCCESS && size == 16, "W size %u", size);
    CHECK(memcmp(wbuffer, u"h\u00e9llo \u20ac", 16) == 0, "stored as UTF-16");
    char buffer[16];
    size = sizeof buffer;
    CHECK(RegQueryValueExA(main_key, "caf\xc3\xa9", NULL, NULL, (BYTE *)buffer, &size) == ERROR_SUCCESS && size == sizeof text, "A size %u", size);
    CHECK(strcmp(buffer, text) == 0, "read back as UTF-8");
    CHECK(RegDeleteValueW(main_key, u"caf\u00e9") == ERROR_SUCCESS, "RegDeleteValueW");
    CHECK(RegDeleteValueW(main_key, u"caf\u00e9") == ERROR_FILE_NOT_FOUND, "RegDeleteValueW again");
}

/* HKEY_PERFORMANCE_DATA: a PERF_DATA_BLOCK with no object types (Python's test_winreg reads it). */
static void test_performance_data(void) {
    BYTE block[1024];
    DWORD type = 0, size = sizeof block;
    LSTATUS r = RegQueryValueExA(HKEY_PERFORMANCE_DATA, "Global", NULL, &type, block, &size);
    CHECK(r == ERROR_SUCCESS && type == REG_BINARY && size >= 88, "Global: %ld %u", (long)r, size);
    CHECK(!memcmp(block, u"PERF", 8), "the signature");
    DWORD total, header, objects;
    memcpy(&total, block + 20, 4);
    memcpy(&header, block + 24, 4);
    memcpy(&objects, block + 28, 4);
    CHECK(total == size && header == size && objects == 0, "lengths %u %u, %u objects", total, header, objects);
    size = sizeof block;
    CHECK(RegQueryValueExW(HKEY_PERFORMANCE_DATA, u"", NULL, NULL, block, &size) == ERROR_SUCCESS, "the empty name");
    size = 4;
    CHECK(RegQueryValueExW(HKEY_PERFORMANCE_DATA, u"Global", NULL, NULL, block, &size) == ERROR_MORE_DATA, "too small");
    char name[16];
    DWORD name_size = sizeof name;
    size = sizeof block;
    CHECK(RegEnumValueA(HKEY_PERFORMANCE_DATA, 0, name, &name_size, NULL, &type, block, &size) == ERROR_SUCCESS && !strcmp(name, "Global"),
          "RegEnumValue index 0");
    name_size = sizeof name;
    CHECK(RegEnumValueA(HKEY_PERFORMANCE_DATA, 1, name, &name_size, NULL, NULL, NULL, NULL) == ERROR_NO_MORE_ITEMS, "index 1");
    CHECK(RegCloseKey(HKEY_PERFORMANCE_DATA) == ERROR_SUCCESS, "close");
}

/* Wine: test_delete_value, test_delete_key_value. */
static void test_delete_values(void) {
    char longname[401];
    CHECK(RegSetValueExA(main_key, "test", 0, REG_SZ, (const BYTE *)"value", 6) == ERROR_SUCCESS, "set");
    CHECK(RegDeleteValueA(main_key, "test") == ERROR_SUCCESS, "delete");
    CHECK(RegQueryValueExA(main_key, "test", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND, "gone");
    CHECK(RegDeleteValueA(main_key, "test") == ERROR_FILE_NOT_FOUND, "again");
    memset(longname, 'a', 400);
    longname[400] = 0;
    CHECK(RegDeleteValueA(main_key, longname) == ERROR_FILE_NOT_FOUND, "a long name");
    CHECK(RegSetValueExA(main_key, "", 0, REG_SZ, (const BYTE *)"value", 6) == ERROR_SUCCESS, "default");
    CHECK(RegDeleteValueA(main_key, "") == ERROR_SUCCESS, "delete the default");
    CHECK(RegQueryValueExA(main_key, "", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND, "default gone");

    CHECK(RegDeleteKeyValueA(NULL, NULL, NULL) == ERROR_INVALID_HANDLE, "NULL key");
    CHECK(RegDeleteKeyValueA(main_key, NULL, NULL) == ERROR_FILE_NOT_FOUND, "no default value");
    CHECK(RegSetValueExA(main_key, "test", 0, REG_SZ, (const BYTE *)"value", 6) == ERROR_SUCCESS, "set");
    CHECK(RegDeleteKeyValueA(main_key, NULL, "test") == ERROR_SUCCESS, "NULL subkey: the key itself");
    CHECK(RegQueryValueExA(main_key, "test", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND, "gone");
}

int main(void) {
    setup_main_key("values");
    test_set_value();
    test_query_value_ex();
    test_string_termination();
    test_utf8();
    test_performance_data();
    test_delete_values();
    return finish();
}
