/* RegEnumValue, RegEnumKeyEx, RegEnumKey, RegQueryInfoKey, RegQueryValue. */
#include "winreg_test.h"

/* Wine: test_enum_value. */
static void test_enum_value(void) {
    HKEY key = NULL;
    char value[20], data[20];
    WCHAR valueW[20], dataW[20];
    static const WCHAR xxxW[] = u"xxxxxxxx";
    DWORD val_count, data_count, type;
    LSTATUS r;

    CHECK(RegCreateKeyA(main_key, "TestKey", &key) == ERROR_SUCCESS, "create");
    CHECK(RegSetValueExA(key, "Test", 0, REG_BINARY, NULL, 0) == ERROR_SUCCESS, "empty value");

    /* A value with no data. */
    val_count = 20; data_count = 20; type = 1234;
    strcpy(value, "xxxxxxxxxx"); strcpy(data, "xxxxxxxxxx");
    r = RegEnumValueA(key, 0, value, &val_count, NULL, &type, (BYTE *)data, &data_count);
    CHECK(r == ERROR_SUCCESS && val_count == 4 && data_count == 0 && type == REG_BINARY && !strcmp(value, "Test") &&
              !strcmp(data, "xxxxxxxxxx"), "no data: %ld %u %u", (long)r, val_count, data_count);

    CHECK(RegSetValueExA(key, "Test", 0, REG_SZ, (const BYTE *)"foobar", 7) == ERROR_SUCCESS, "foobar");

    /* Name and data too small: nothing written but the type and the data's size. */
    val_count = 2; data_count = 2; type = 1234;
    strcpy(value, "xxxxxxxxxx"); strcpy(data, "xxxxxxxxxx");
    r = RegEnumValueA(key, 0, value, &val_count, NULL, &type, (BYTE *)data, &data_count);
    CHECK(r == ERROR_MORE_DATA && val_count == 2 && data_count == 7 && type == REG_SZ && !strcmp(value, "xxxxxxxxxx") &&
              !strcmp(data, "xxxxxxxxxx"), "both overflow: %ld %u %u", (long)r, val_count, data_count);
    /* A name exactly as long as the buffer: no room for its terminator. */
    val_count = 4; data_count = 20;
    r = RegEnumValueA(key, 0, value, &val_count, NULL, &type, (BYTE *)data, &data_count);
    CHECK(r == ERROR_MORE_DATA && val_count == 4 && data_count == 7, "name overflow: %ld", (long)r);
    val_count = 0; data_count = 20;
    r = RegEnumValueA(key, 0, value, &val_count, NULL, &type, (BYTE *)data, &data_count);
    CHECK(r == ERROR_MORE_DATA && val_count == 0 && data_count == 7 && !strcmp(value, "xxxxxxxxxx"), "empty name buffer");
    /* Data too small: A leaves the name alone. */
    val_count = 20; data_count = 2;
    r = RegEnumValueA(key, 0, value, &val_count, NULL, &type, (BYTE *)data, &data_count);
    CHECK(r == ERROR_MORE_DATA && val_count == 20 && data_count == 7 && !strcmp(value, "xxxxxxxxxx") && !strcmp(data, "xxxxxxxxxx"),
          "A data overflow: %ld %u", (long)r, val_count);
    val_count = 20; data_count = 20; type = 1234;
    r = RegEnumValueA(key, 0, value, &val_count, NULL, &type, (BYTE *)data, &data_count);
    CHECK(r == ERROR_SUCCESS && val_count == 4 && data_count == 7 && type == REG_SZ && !strcmp(value, "Test") && !strcmp(data, "foobar"),
          "A fits");
    CHECK(RegEnumValueA(key, 0, NULL, NULL, NULL, &type, (BYTE *)data, &data_count) == ERROR_INVALID_PARAMETER, "no name, no count");
    CHECK(RegEnumValueA(key, 0, NULL, &val_count, NULL, &type, (BYTE *)data, &data_count) == ERROR_INVALID_PARAMETER, "no name");
    CHECK(RegEnumValueA(key, 0, value, NULL, NULL, &type, (BYTE *)data, &data_count) == ERROR_INVALID_PARAMETER, "no count");
    val_count = 20;
    CHECK(RegEnumValueA(key, 1, value, &val_count, NULL, NULL, NULL, NULL) == ERROR_NO_MORE_ITEMS, "past the end");

    /* W: sizes in WCHARs and bytes. */
    CHECK(RegSetValueExW(key, u"Test", 0, REG_SZ, (const BYTE *)u"foobar", 14) == ERROR_SUCCESS, "W foobar");
    val_count = 2; data_count = 2; type = 1234;
    memcpy(valueW, xxxW, sizeof xxxW); memcpy(dataW, xxxW, sizeof xxxW);
    r = RegEnumValueW(key, 0, valueW, &val_count, NULL, &type, (BYTE *)dataW, &data_count);
    CHECK(r == ERROR_MORE_DATA && val_count == 2 && data_count == 14 && type == REG_SZ && !memcmp(valueW, xxxW, sizeof xxxW) &&
              !memcmp(dataW, xxxW, sizeof xxxW), "W both overflow");
    /* Data too small: W writes the name. */
    val_count = 20; data_count = 2;
    r = RegEnumValueW(key, 0, valueW, &val_count, NULL, &type, (BYTE *)dataW, &data_count);
    CHECK(r == ERROR_MORE_DATA && val_count == 4 && data_count == 14 && !memcmp(valueW, u"Test", 10) && !memcmp(dataW, xxxW, sizeof xxxW),
          "W data overflow: %u", val_count);
    val_count = 20; data_count = 20;
    r = RegEnumValueW(key, 0, valueW, &val_count, NULL, &type, (BYTE *)dataW, &data_count);
    CHECK(r == ERROR_SUCCESS && val_count == 4 && data_count == 14 && !memcmp(dataW, u"foobar", 14), "W fits");

    /* Wine: test_string_termination, RegEnumValueA's half. */
    static const char string[] = "FullString";
    BYTE buffer[11];
    char name[11];
    DWORD insize = sizeof string - 2, outsize = insize, nsize = sizeof name;
    CHECK(RegSetValueExA(key, "Test", 0, REG_SZ, (const BYTE *)string, insize) == ERROR_SUCCESS, "unterminated");
    memset(buffer, 0xbd, sizeof buffer);
    r = RegEnumValueA(key, 0, name, &nsize, NULL, NULL, buffer, &outsize);
    CHECK(r == ERROR_SUCCESS && outsize == insize && buffer[insize] == 0xbd, "no terminator without room");
    outsize = insize + 1;
    nsize = sizeof name;
    r = RegEnumValueA(key, 0, name, &nsize, NULL, NULL, buffer, &outsize);
    CHECK(r == ERROR_SUCCESS && outsize == insize && buffer[insize] == 0, "a terminator when there is room");

    RegDeleteKeyA(key, "");
    RegCloseKey(key);
}

/* RegEnumKeyEx and RegEnumKey: names terminated, lengths without it, ERROR_MORE_DATA without room. */
static void test_enum_key(void) {
    HKEY key = NULL, sub = NULL;
    CHECK(RegCreateKeyA(main_key, "EnumKeys", &key) == ERROR_SUCCESS, "create");
    CHECK(RegCreateKeyA(key, "alpha", &sub) == ERROR_SUCCESS, "alpha");
    RegCloseKey(sub);
    char name[16];
    DWORD len = 5;
    FILETIME ft = {0, 0};
    CHECK(RegEnumKeyExA(key, 0, name, &len, NULL, NULL, NULL, &ft) == ERROR_MORE_DATA && len == 5, "no room for the NUL");
    len = 6;
    CHECK(RegEnumKeyExA(key, 0, name, &len, NULL, NULL, NULL, &ft) == ERROR_SUCCESS && len == 5 && !strcmp(name, "alpha"), "fits");
    CHECK(ft.dwHighDateTime != 0, "last written");
    WCHAR nameW[16];
    len = 16;
    CHECK(RegEnumKeyExW(key, 0, nameW, &len, NULL, NULL, NULL, NULL) == ERROR_SUCCESS && len == 5 && !memcmp(nameW, u"alpha", 12), "W");
    len = 16;
    CHECK(RegEnumKeyExW(key, 1, nameW, &len, NULL, NULL, NULL, NULL) == ERROR_NO_MORE_ITEMS, "past the end");
    DWORD reserved = 0;
    len = 16;
    CHECK(RegEnumKeyExW(key, 0, nameW, &len, &reserved, NULL, NULL, NULL) == ERROR_INVALID_PARAMETER, "reserved");
    CHECK(RegEnumKeyA(key, 0, name, sizeof name) == ERROR_SUCCESS && !strcmp(name, "alpha"), "RegEnumKeyA");
    CHECK(RegEnumKeyW(key, 0, nameW, 3) == ERROR_MORE_DATA, "RegEnumKeyW too small");
    CHECK(RegEnumKeyW(key, 1, nameW, 16) == ERROR_NO_MORE_ITEMS, "RegEnumKeyW past the end");
    RegDeleteTreeA(key, NULL);
    RegDeleteKeyA(key, "");
    RegCloseKey(key);
}

/* Wine: test_reg_query_info (the class name cannot be set over the wire: its length is 0). */
static void test_reg_query_info(void) {
    HKEY key = NULL, sub = NULL;
    DWORD subkeys, maxsubkeylen, maxclasslen, values, maxvaluenamelen, maxvaluelen, sdlen, classlen;
    FILETIME lastwrite;
    char classbuffer[32];
    CHECK(RegCreateKeyExA(main_key, "info", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL) == ERROR_SUCCESS, "create");
    CHECK(RegQueryInfoKeyA(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == ERROR_INVALID_HANDLE, "NULL");
    CHECK(RegQueryInfoKeyW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == ERROR_INVALID_HANDLE, "NULL");
    CHECK(RegQueryInfoKeyA(key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == ERROR_SUCCESS, "nothing asked");
    memset(classbuffer, 0x55, sizeof classbuffer);
    CHECK(RegQueryInfoKeyA(key, classbuffer, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == ERROR_INVALID_PARAMETER &&
              classbuffer[0] == 0x55, "class without its length");

    sdlen = classlen = 0;
    CHECK(RegQueryInfoKeyA(key, NULL, &classlen, NULL, &subkeys, &maxsubkeylen, &maxclasslen, &values, &maxvaluenamelen, &maxvaluelen,
                           &sdlen, &lastwrite) == ERROR_SUCCESS, "empty key");
    CHECK(subkeys == 0 && maxsubkeylen == 0 && values == 0 && maxvaluenamelen == 0 && maxvaluelen == 0, "empty");
    CHECK(sdlen != 0 && lastwrite.dwHighDateTime != 0, "descriptor %u, time", sdlen);

    CHECK(RegCreateKeyExA(key, "subsubkey", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &sub, NULL) == ERROR_SUCCESS, "subkey");
    RegCloseKey(sub);
    CHECK(RegSetValueExA(key, NULL, 0, REG_SZ, (const BYTE *)"data", 5) == ERROR_SUCCESS, "default");
    CHECK(RegSetValueExA(key, "value one", 0, REG_SZ, (const BYTE *)"first value data", 17) == ERROR_SUCCESS, "value one");
    CHECK(RegSetValueExA(key, "value 2", 0, REG_SZ, (const BYTE *)"second value data", 18) == ERROR_SUCCESS, "value 2");
    CHECK(RegQueryInfoKeyW(key, NULL, NULL, NULL, &subkeys, &maxsubkeylen, NULL, &values, &maxvaluenamelen, &maxvaluelen, NULL, NULL) ==
              ERROR_SUCCESS, "W");
    CHECK(subkeys == 1 && maxsubkeylen == 9 && values == 3 && maxvaluenamelen == 9 && maxvaluelen == 18 * 2,
          "counts %u %u %u %u %u", subkeys, maxsubkeylen, values, maxvaluenamelen, maxvaluelen);
    /* The A function's maxima are the same WCHAR and byte counts. */
    CHECK(RegQueryInfoKeyA(key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &maxvaluenamelen, &maxvaluelen, NULL, NULL) == ERROR_SUCCESS &&
              maxvaluenamelen == 9 && maxvaluelen == 36, "A maxima");
    classlen = sizeof classbuffer;
    memset(classbuffer, 0x55, sizeof classbuffer);
    CHECK(RegQueryInfoKeyA(key, classbuffer, &classlen, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == ERROR_SUCCESS &&
              classlen == 0 && classbuffer[0] == 0, "no class: an empty one");
    RegDeleteTreeA(key, NULL);
    RegDeleteKeyA(key, "");
    RegCloseKey(key);
}

/* Wine: test_reg_query_value. */
static void test_reg_query_value(void) {
    HKEY subkey = NULL;
    char val[260];
    WCHAR valW[5];
    LONG size;
    CHECK(RegCreateKeyA(main_key, "subkey", &subkey) == ERROR_SUCCESS, "create");
    CHECK(RegSetValueA(subkey, NULL, REG_SZ, "data", 4) == ERROR_SUCCESS, "set");
    size = sizeof val;
    CHECK(RegQueryValueA((HKEY)(intptr_t)0xcafebabe, "subkey", val, &size) == ERROR_INVALID_HANDLE, "invalid key");
    CHECK(RegQueryValueA(NULL, "subkey", val, &size) == ERROR_INVALID_HANDLE, "NULL key");
    size = sizeof val;
    CHECK(RegQueryValueA(main_key, "subkey", NULL, &size) == ERROR_SUCCESS && size == 5, "size only: %ld", (long)size);
    val[0] = 0;
    CHECK(RegQueryValueA(main_key, "subkey", val, NULL) == ERROR_INVALID_PARAMETER && !val[0], "no size");
    CHECK(RegQueryValueA(main_key, "subkey", NULL, NULL) == ERROR_SUCCESS, "neither");
    size = 1;
    CHECK(RegQueryValueA(main_key, "subkey", val, &size) == ERROR_MORE_DATA && !val[0] && size == 5, "too small");
    size = sizeof val;
    CHECK(RegQueryValueA(main_key, "subkey", val, &size) == ERROR_SUCCESS && !strcmp(val, "data") && size == 5, "by subkey");
    size = sizeof val;
    CHECK(RegQueryValueA(subkey, NULL, val, &size) == ERROR_SUCCESS && !strcmp(val, "data") && size == 5, "by key");
    valW[0] = 0;
    size = 0;
    CHECK(RegQueryValueW(subkey, NULL, valW, &size) == ERROR_MORE_DATA && !valW[0] && size == 10, "W too small");
    size = 5;
    CHECK(RegQueryValueW(subkey, NULL, valW, &size) == ERROR_MORE_DATA && size == 10, "W size is bytes");
    size = sizeof valW;
    CHECK(RegQueryValueW(subkey, NULL, valW, &size) == ERROR_SUCCESS && !memcmp(valW, u"data", 10) && size == 10, "W");
    /* An unterminated default value is read terminated. */
    CHECK(RegSetValueExW(subkey, NULL, 0, REG_SZ, (const BYTE *)u"data", 8) == ERROR_SUCCESS, "unterminated");
    memset(valW, 'a', sizeof valW);
    size = sizeof valW;
    CHECK(RegQueryValueW(subkey, NULL, valW, &size) == ERROR_SUCCESS && !memcmp(valW, u"data", 10), "terminated for us");
    /* No default value: an empty string (Wine: test_reg_delete_tree). */
    CHECK(RegDeleteValueA(subkey, NULL) == ERROR_SUCCESS, "delete the default value");
    strcpy(val, "xx");
    size = sizeof val;
    CHECK(RegQueryValueA(subkey, NULL, val, &size) == ERROR_SUCCESS && !val[0] && size == 1, "an empty string");
    RegDeleteKeyA(subkey, "");
    RegCloseKey(subkey);
}

/* RegQueryMultipleValues: data packed in order, each entry pointing at its own. */
static void test_query_multiple_values(void) {
    HKEY key = NULL;
    CHECK(RegCreateKeyA(main_key, "multi", &key) == ERROR_SUCCESS, "create");
    DWORD dw = 7;
    CHECK(RegSetValueExA(key, "a", 0, REG_SZ, (const BYTE *)"alpha", 6) == ERROR_SUCCESS, "a");
    CHECK(RegSetValueExA(key, "b", 0, REG_DWORD, (const BYTE *)&dw, 4) == ERROR_SUCCESS, "b");
    VALENTA list[2] = {{(LPSTR) "a", 0, 0, 0}, {(LPSTR) "b", 0, 0, 0}};
    DWORD total = 0;
    CHECK(RegQueryMultipleValuesA(key, list, 2, NULL, &total) == ERROR_MORE_DATA && total == 10, "size asked: %u", total);
    char buffer[32];
    total = 8;
    CHECK(RegQueryMultipleValuesA(key, list, 2, buffer, &total) == ERROR_MORE_DATA && total == 10, "too small");
    total = sizeof buffer;
    CHECK(RegQueryMultipleValuesA(key, list, 2, buffer, &total) == ERROR_SUCCESS && total == 10, "fits");
    CHECK(list[0].ve_type == REG_SZ && list[0].ve_valuelen == 6 && list[0].ve_valueptr == (DWORD_PTR)buffer &&
              !strcmp(buffer, "alpha"), "a's entry");
    CHECK(list[1].ve_type == REG_DWORD && list[1].ve_valuelen == 4 && list[1].ve_valueptr == (DWORD_PTR)(buffer + 6) &&
              !memcmp(buffer + 6, &dw, 4), "b's entry");
    VALENTW wlist[1] = {{(LPWSTR)u"a", 0, 0, 0}};
    WCHAR wbuffer[16];
    total = sizeof wbuffer;
    CHECK(RegQueryMultipleValuesW(key, wlist, 1, wbuffer, &total) == ERROR_SUCCESS && total == 12 && !memcmp(wbuffer, u"alpha", 12),
          "W: %u", total);
    VALENTA missing[1] = {{(LPSTR) "nope", 0, 0, 0}};
    total = sizeof buffer;
    CHECK(RegQueryMultipleValuesA(key, missing, 1, buffer, &total) == ERROR_CANTREAD, "a missing value");
    RegDeleteKeyA(key, "");
    RegCloseKey(key);
}

int main(void) {
    setup_main_key("enum");
    test_enum_value();
    test_enum_key();
    test_reg_query_info();
    test_reg_query_value();
    test_query_multiple_values();
    return finish();
}
