/* Every offline key function on its success and error paths, on a hive made with ORCreateHive,
 * then saved (ORSaveHive) into the directory given and read back.
 * Usage: offreg_keys DIR */
#include "offreg_check.h"
#include <stdint.h>
#include <stdlib.h>

static char saved[4096], savedXP[4096];

static void version_and_start(void) {
    DWORD major = 7, minor = 7;
    ORGetVersion(&major, &minor);
    CHECK(major == 1 && minor == 0, "ORGetVersion: %u.%u", major, minor);
    ORGetVersion(NULL, NULL);  /* no crash */
    EXPECT(ORStart(), ERROR_SUCCESS);
}

/* ORCreateKey and OROpenKey: dispositions, paths, options, names. */
static void create_and_open(ORHKEY hive) {
    ORHKEY key = NULL, again = NULL;
    DWORD disposition = 0;
    EXPECT(ORCreateKey(hive, u"Software\\Vendor", u"VendorClass", 0, NULL, &key, &disposition), ERROR_SUCCESS);
    CHECK(key != NULL && disposition == REG_CREATED_NEW_KEY, "created: %u", disposition);
    EXPECT(ORCreateKey(hive, u"software\\VENDOR", NULL, 0, NULL, &again, &disposition), ERROR_SUCCESS);
    CHECK(disposition == REG_OPENED_EXISTING_KEY, "opened existing (case-insensitive): %u", disposition);
    EXPECT(ORCloseKey(again), ERROR_SUCCESS);
    /* Wine's test_reg_create_key: trailing backslashes are ignored, a leading one is refused. */
    EXPECT(ORCreateKey(hive, u"Software\\Vendor\\\\", NULL, 0, NULL, &again, &disposition), ERROR_SUCCESS);
    CHECK(disposition == REG_OPENED_EXISTING_KEY, "trailing backslashes: %u", disposition);
    EXPECT(ORCloseKey(again), ERROR_SUCCESS);
    again = (ORHKEY)1;
    EXPECT(ORCreateKey(hive, u"\\Software", NULL, 0, NULL, &again, NULL), ERROR_BAD_PATHNAME);
    CHECK(again == NULL, "a failed create leaves NULL");
    EXPECT(ORCreateKey(hive, u"a\\\\b", NULL, 0, NULL, &again, NULL), ERROR_BAD_PATHNAME);
    EXPECT(ORCreateKey(hive, NULL, NULL, 0, NULL, &again, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(ORCreateKey(hive, u"x", NULL, 0, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(ORCreateKey(hive, u"x", NULL, REG_OPTION_VOLATILE, NULL, &again, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(ORCreateKey(hive, u"x", NULL, 0x100, NULL, &again, NULL), ERROR_INVALID_PARAMETER);
    /* Windows' limit: 255 characters per key name. */
    WCHAR longName[300];
    for (int i = 0; i < 256; i++) longName[i] = u'n';
    longName[256] = 0;
    EXPECT(ORCreateKey(hive, longName, NULL, 0, NULL, &again, NULL), ERROR_INVALID_PARAMETER);
    longName[255] = 0;
    EXPECT(ORCreateKey(hive, longName, NULL, 0, NULL, &again, NULL), ERROR_SUCCESS);
    EXPECT(ORCloseKey(again), ERROR_SUCCESS);
    /* Wine's test_symlinks: a link is made, never opened (an existing key: ERROR_ALREADY_EXISTS). */
    EXPECT(ORCreateKey(hive, u"Software\\Link", NULL, REG_OPTION_CREATE_LINK, NULL, &again, &disposition), ERROR_SUCCESS);
    CHECK(disposition == REG_CREATED_NEW_KEY, "link created");
    EXPECT(ORCloseKey(again), ERROR_SUCCESS);
    EXPECT(ORCreateKey(hive, u"Software\\Link", NULL, REG_OPTION_CREATE_LINK, NULL, &again, NULL), ERROR_ALREADY_EXISTS);

    EXPECT(OROpenKey(hive, u"SOFTWARE\\vendor", &again), ERROR_SUCCESS);
    EXPECT(ORCloseKey(again), ERROR_SUCCESS);
    EXPECT(OROpenKey(key, NULL, &again), ERROR_SUCCESS);  /* a second handle on the same key */
    EXPECT(ORCloseKey(again), ERROR_SUCCESS);
    EXPECT(OROpenKey(key, u"", &again), ERROR_SUCCESS);
    EXPECT(ORCloseKey(again), ERROR_SUCCESS);
    again = (ORHKEY)1;
    EXPECT(OROpenKey(hive, u"Software\\Missing", &again), ERROR_FILE_NOT_FOUND);
    CHECK(again == NULL, "a failed open leaves NULL");
    EXPECT(OROpenKey(hive, u"Software", NULL), ERROR_INVALID_PARAMETER);
    EXPECT(ORCloseKey(key), ERROR_SUCCESS);
}

/* Values: every type, the default value, big data, the buffer rules of ORGetValue / OREnumValue. */
static void values(ORHKEY hive) {
    ORHKEY key = NULL;
    EXPECT(OROpenKey(hive, u"Software\\Vendor", &key), ERROR_SUCCESS);
    static const WCHAR hello[] = u"hello";
    static const WCHAR unended[] = {u'a', u'b', u'c'};
    DWORD dword = 0x12345678;
    ULONGLONG qword = 0x1122334455667788ULL;
    static BYTE big[20000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (BYTE)(i * 7);
    EXPECT(ORSetValue(key, u"String", REG_SZ, (const BYTE *)hello, sizeof hello), ERROR_SUCCESS);
    EXPECT(ORSetValue(key, u"Unended", REG_SZ, (const BYTE *)unended, sizeof unended), ERROR_SUCCESS);
    EXPECT(ORSetValue(key, u"Number", REG_DWORD, (const BYTE *)&dword, sizeof dword), ERROR_SUCCESS);
    EXPECT(ORSetValue(key, u"Quad", REG_QWORD, (const BYTE *)&qword, sizeof qword), ERROR_SUCCESS);
    EXPECT(ORSetValue(key, u"Big", REG_BINARY, big, sizeof big), ERROR_SUCCESS);
    EXPECT(ORSetValue(key, NULL, REG_SZ, (const BYTE *)hello, sizeof hello), ERROR_SUCCESS);
    /* Wine's test_set_value: NULL data with a size is ERROR_NOACCESS, with 0 it is empty data. */
    EXPECT(ORSetValue(key, u"Empty", REG_BINARY, NULL, 4), ERROR_NOACCESS);
    EXPECT(ORSetValue(key, u"Empty", REG_BINARY, NULL, 0), ERROR_SUCCESS);
    EXPECT(ORSetValue((ORHKEY)0x1234, u"x", REG_DWORD, (const BYTE *)&dword, 4), ERROR_INVALID_HANDLE);

    DWORD type = 0, size = 0;
    BYTE buffer[64];
    EXPECT(ORGetValue(key, NULL, u"string", &type, NULL, &size), ERROR_SUCCESS);  /* names: any case */
    CHECK(type == REG_SZ && size == sizeof hello, "size query: type %u size %u", type, size);
    size = sizeof buffer;
    EXPECT(ORGetValue(key, NULL, u"String", &type, buffer, &size), ERROR_SUCCESS);
    CHECK(size == sizeof hello && memcmp(buffer, hello, sizeof hello) == 0, "REG_SZ read back");
    size = 4; type = 0;
    EXPECT(ORGetValue(key, NULL, u"String", &type, buffer, &size), ERROR_MORE_DATA);
    CHECK(size == sizeof hello && type == REG_SZ, "ERROR_MORE_DATA gives the size and the type: %u %u", size, type);
    /* Microsoft: a string without its NUL gets one when the buffer has room, else ERROR_MORE_DATA. */
    size = 0;
    EXPECT(ORGetValue(key, NULL, u"Unended", NULL, NULL, &size), ERROR_SUCCESS);
    CHECK(size == sizeof unended + 2, "an unended string's size counts its NUL: %u", size);
    size = sizeof unended;
    EXPECT(ORGetValue(key, NULL, u"Unended", NULL, buffer, &size), ERROR_MORE_DATA);
    CHECK(size == sizeof unended + 2, "needed %u", size);
    memset(buffer, 0xAA, sizeof buffer);
    EXPECT(ORGetValue(key, NULL, u"Unended", NULL, buffer, &size), ERROR_SUCCESS);
    CHECK(memcmp(buffer, unended, sizeof unended) == 0 && buffer[6] == 0 && buffer[7] == 0 && buffer[8] == 0xAA,
          "NUL appended and nothing more");
    size = sizeof buffer;
    EXPECT(ORGetValue(key, NULL, u"Number", &type, buffer, &size), ERROR_SUCCESS);
    CHECK(type == REG_DWORD && size == 4 && memcmp(buffer, &dword, 4) == 0, "REG_DWORD");
    size = sizeof buffer;
    EXPECT(ORGetValue(key, NULL, u"Quad", &type, buffer, &size), ERROR_SUCCESS);
    CHECK(type == REG_QWORD && size == 8 && memcmp(buffer, &qword, 8) == 0, "REG_QWORD");
    size = sizeof buffer;
    EXPECT(ORGetValue(key, NULL, NULL, &type, buffer, &size), ERROR_SUCCESS);
    CHECK(type == REG_SZ && size == sizeof hello, "the default value by NULL");
    size = sizeof buffer;
    EXPECT(ORGetValue(key, NULL, u"", &type, buffer, &size), ERROR_SUCCESS);
    CHECK(size == sizeof hello, "the default value by \"\"");
    static BYTE bigBack[20000];
    size = sizeof bigBack;
    EXPECT(ORGetValue(hive, u"Software\\Vendor", u"Big", &type, bigBack, &size), ERROR_SUCCESS);
    CHECK(size == sizeof big && memcmp(big, bigBack, sizeof big) == 0, "big data through a subkey path");
    size = 0;
    EXPECT(ORGetValue(key, NULL, u"Empty", &type, NULL, &size), ERROR_SUCCESS);
    CHECK(size == 0 && type == REG_BINARY, "empty data");
    EXPECT(ORGetValue(key, NULL, u"Missing", &type, buffer, &size), ERROR_FILE_NOT_FOUND);
    EXPECT(ORGetValue(hive, u"Software\\Missing", u"String", &type, buffer, &size), ERROR_FILE_NOT_FOUND);
    EXPECT(ORGetValue(key, NULL, u"String", &type, buffer, NULL), ERROR_INVALID_PARAMETER);
    type = 0;
    EXPECT(ORGetValue(key, NULL, u"String", &type, NULL, NULL), ERROR_SUCCESS);
    CHECK(type == REG_SZ, "type only");

    /* OREnumValue, following Wine's test_enum_value. */
    WCHAR name[32];
    DWORD nameCount = 32, count = 0;
    size = sizeof buffer;
    EXPECT(OREnumValue(key, 0, name, &nameCount, &type, buffer, &size), ERROR_SUCCESS);
    CHECK(weq(name, u"String") && nameCount == 6 && size == sizeof hello && type == REG_SZ, "first value");
    nameCount = 3; size = sizeof buffer; type = 0;
    memcpy(name, u"xxxxxxxx", 18);
    EXPECT(OREnumValue(key, 0, name, &nameCount, &type, buffer, &size), ERROR_MORE_DATA);
    CHECK(nameCount == 3 && size == sizeof hello && type == REG_SZ && weq(name, u"xxxxxxxx"),
          "name overflow: count kept, data size and type given, name untouched (%u %u)", nameCount, size);
    nameCount = 32; size = 2;
    EXPECT(OREnumValue(key, 0, name, &nameCount, &type, buffer, &size), ERROR_MORE_DATA);
    CHECK(nameCount == 32 && size == sizeof hello, "data overflow: size needed %u", size);
    nameCount = 32; size = 0;
    EXPECT(OREnumValue(key, 0, name, &nameCount, &type, NULL, &size), ERROR_SUCCESS);
    CHECK(size == sizeof hello, "size without data");
    EXPECT(OREnumValue(key, 0, NULL, &nameCount, &type, NULL, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(OREnumValue(key, 0, name, NULL, &type, NULL, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(OREnumValue(key, 0, name, &nameCount, &type, buffer, NULL), ERROR_INVALID_PARAMETER);
    for (;; count++) {
        nameCount = 32;
        DWORD rc = OREnumValue(key, count, name, &nameCount, NULL, NULL, NULL);
        if (rc != ERROR_SUCCESS) { CHECK(rc == ERROR_NO_MORE_ITEMS, "end of values: %u", rc); break; }
    }
    CHECK(count == 7, "7 values, got %u", count);

    EXPECT(ORDeleteValue(key, u"empty"), ERROR_SUCCESS);
    EXPECT(ORDeleteValue(key, u"Empty"), ERROR_FILE_NOT_FOUND);
    EXPECT(ORGetValue(key, NULL, u"Empty", NULL, NULL, NULL), ERROR_FILE_NOT_FOUND);
    EXPECT(ORDeleteValue(key, NULL), ERROR_SUCCESS);  /* the default value */
    EXPECT(ORGetValue(key, NULL, NULL, NULL, NULL, NULL), ERROR_FILE_NOT_FOUND);
    EXPECT(ORCloseKey(key), ERROR_SUCCESS);
}

/* OREnumKey and ORQueryInfoKey. */
static void enumerate(ORHKEY hive) {
    ORHKEY parent = NULL, child = NULL;
    EXPECT(ORCreateKey(hive, u"Order", NULL, 0, NULL, &parent, NULL), ERROR_SUCCESS);
    const WCHAR *names[] = {u"b", u"A", u"c"};
    for (int i = 0; i < 3; i++) {
        EXPECT(ORCreateKey(parent, names[i], i == 2 ? u"LongerClass" : NULL, 0, NULL, &child, NULL), ERROR_SUCCESS);
        EXPECT(ORCloseKey(child), ERROR_SUCCESS);
    }
    /* Subkeys come in Windows' order: by their upcased names. */
    const WCHAR *expected[] = {u"A", u"b", u"c"};
    WCHAR name[32], klass[32];
    FILETIME written = {0, 0};
    for (DWORD i = 0; i < 3; i++) {
        DWORD n = 32, c = 32;
        EXPECT(OREnumKey(parent, i, name, &n, klass, &c, &written), ERROR_SUCCESS);
        CHECK(weq(name, expected[i]) && n == 1, "subkey %u", i);
        CHECK(c == (i == 2 ? 11u : 0u), "class length %u", c);
    }
    CHECK(written.dwHighDateTime != 0, "last write time given");
    DWORD n = 32, c = 32;
    EXPECT(OREnumKey(parent, 3, name, &n, NULL, NULL, NULL), ERROR_NO_MORE_ITEMS);
    n = 1;
    memcpy(name, u"zz", 6);
    EXPECT(OREnumKey(parent, 0, name, &n, NULL, NULL, NULL), ERROR_MORE_DATA);
    CHECK(weq(name, u"zz"), "nothing written on ERROR_MORE_DATA");
    n = 32; c = 3;
    EXPECT(OREnumKey(parent, 2, name, &n, klass, &c, NULL), ERROR_MORE_DATA);
    EXPECT(OREnumKey(parent, 0, NULL, &n, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(OREnumKey(parent, 0, name, NULL, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(OREnumKey(parent, 0, name, &n, klass, NULL, NULL), ERROR_INVALID_PARAMETER);

    DWORD subkeys = 0, maxSub = 0, maxClass = 0, values = 9, maxName = 9, maxData = 9, sd = 0;
    FILETIME t = {0, 0};
    EXPECT(ORQueryInfoKey(parent, NULL, NULL, &subkeys, &maxSub, &maxClass, &values, &maxName, &maxData, &sd, &t), ERROR_SUCCESS);
    CHECK(subkeys == 3 && maxSub == 1 && maxClass == 11 && values == 0 && maxName == 0 && maxData == 0,
          "info: %u %u %u %u %u %u", subkeys, maxSub, maxClass, values, maxName, maxData);
    CHECK(sd >= 20 && t.dwHighDateTime != 0, "security size %u", sd);
    ORHKEY vendor = NULL;
    EXPECT(OROpenKey(hive, u"Software\\Vendor", &vendor), ERROR_SUCCESS);
    c = 32;
    EXPECT(ORQueryInfoKey(vendor, klass, &c, NULL, NULL, NULL, &values, &maxName, &maxData, NULL, NULL), ERROR_SUCCESS);
    CHECK(weq(klass, u"VendorClass") && c == 11, "class %u", c);
    CHECK(values == 5 && maxName == 7 && maxData == 20000, "values %u, longest name %u, most data %u", values, maxName, maxData);
    c = 4;
    EXPECT(ORQueryInfoKey(vendor, klass, &c, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), ERROR_MORE_DATA);
    CHECK(c == 11, "Microsoft: too small a class buffer gives the length without the NUL: %u", c);
    EXPECT(ORQueryInfoKey(vendor, klass, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(ORQueryInfoKey(vendor, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), ERROR_SUCCESS);
    EXPECT(ORCloseKey(vendor), ERROR_SUCCESS);
    EXPECT(ORCloseKey(parent), ERROR_SUCCESS);
}

/* A self-relative descriptor, laid out as Windows lays one out (DACL, owner, group): a DACL
 * granting Administrators (S-1-5-32-544) KEY_ALL_ACCESS (0xF003F), inherited by subkeys; owner
 * SYSTEM (S-1-5-18), group Administrators. */
static const BYTE adminDescriptor[] = {
    1, 0, 0x04, 0x80, 52, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0,
    2, 0, 32, 0, 1, 0, 0, 0,                                            /* DACL at 20 */
    0, 0x02, 24, 0, 0x3F, 0, 0x0F, 0, 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,
    1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,                                /* owner at 52 */
    1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,                 /* group at 64 */
};

static void security(ORHKEY hive) {
    ORHKEY key = NULL, child = NULL;
    EXPECT(ORCreateKey(hive, u"Secured", NULL, 0, (PSECURITY_DESCRIPTOR)adminDescriptor, &key, NULL), ERROR_SUCCESS);
    BYTE sd[256];
    DWORD size = 0;
    SECURITY_INFORMATION all = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
    EXPECT(ORGetKeySecurity(key, all, NULL, &size), ERROR_INSUFFICIENT_BUFFER);
    CHECK(size == sizeof adminDescriptor, "size needed %u", size);
    size = 10;
    EXPECT(ORGetKeySecurity(key, all, sd, &size), ERROR_INSUFFICIENT_BUFFER);
    size = sizeof sd;
    EXPECT(ORGetKeySecurity(key, all, sd, &size), ERROR_SUCCESS);
    CHECK(size == sizeof adminDescriptor && memcmp(sd, adminDescriptor, size) == 0, "the descriptor given is kept");
    EXPECT(ORGetKeySecurity(key, all, sd, NULL), ERROR_INVALID_PARAMETER);
    size = sizeof sd;
    EXPECT(ORGetKeySecurity(key, OWNER_SECURITY_INFORMATION, sd, &size), ERROR_SUCCESS);
    CHECK(size == 20 + 12 && sd[4] == 20 && sd[8] == 0 && sd[16] == 0, "only the owner: %u bytes", size);
    /* A subkey made without a descriptor inherits the DACL's inheritable ACE. */
    EXPECT(ORCreateKey(key, u"Child", NULL, 0, NULL, &child, NULL), ERROR_SUCCESS);
    size = sizeof sd;
    EXPECT(ORGetKeySecurity(child, DACL_SECURITY_INFORMATION, sd, &size), ERROR_SUCCESS);
    CHECK(size == 20 + 32 && sd[20 + 8 + 1] == 0x12, "inherited ACE (flags 0x%x)", sd[20 + 8 + 1]);
    EXPECT(ORCloseKey(child), ERROR_SUCCESS);
    /* ORSetKeySecurity: only the parts named change. */
    static BYTE daclOnly[sizeof adminDescriptor];
    memcpy(daclOnly, adminDescriptor, sizeof daclOnly);
    daclOnly[20 + 8 + 1] = 0;  /* the ACE no longer inherited */
    EXPECT(ORSetKeySecurity(key, DACL_SECURITY_INFORMATION, daclOnly), ERROR_SUCCESS);
    size = sizeof sd;
    EXPECT(ORGetKeySecurity(key, all, sd, &size), ERROR_SUCCESS);
    CHECK(size == sizeof daclOnly && memcmp(sd, daclOnly, size) == 0, "DACL replaced, owner and group kept");
    EXPECT(ORSetKeySecurity(key, DACL_SECURITY_INFORMATION, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(ORSetKeySecurity(key, 0, daclOnly), ERROR_INVALID_PARAMETER);
    daclOnly[0] = 2;
    EXPECT(ORSetKeySecurity(key, DACL_SECURITY_INFORMATION, daclOnly), ERROR_INVALID_SECURITY_DESCR);
    EXPECT(ORCreateKey(key, u"Bad", NULL, 0, daclOnly, &child, NULL), ERROR_INVALID_SECURITY_DESCR);
    CHECK(child == NULL, "no handle for a refused create");
    EXPECT(ORCloseKey(key), ERROR_SUCCESS);
}

/* ORRenameKey: handles follow the key; the root and a taken name are refused. */
static void rename_keys(ORHKEY hive) {
    ORHKEY key = NULL, other = NULL;
    EXPECT(OROpenKey(hive, u"Order\\c", &key), ERROR_SUCCESS);
    EXPECT(OROpenKey(hive, u"Order\\c", &other), ERROR_SUCCESS);
    EXPECT(ORSetValue(key, u"Kept", REG_SZ, (const BYTE *)u"yes", 8), ERROR_SUCCESS);
    /* A longer name than the cell holds: the key moves, both handles follow it. */
    EXPECT(ORRenameKey(key, u"A name long enough that the key's cell must move elsewhere"), ERROR_SUCCESS);
    DWORD size = 0;
    EXPECT(ORGetValue(other, NULL, u"Kept", NULL, NULL, &size), ERROR_SUCCESS);
    CHECK(size == 8, "the other handle follows the renamed key");
    EXPECT(OROpenKey(hive, u"Order\\c", &other), ERROR_FILE_NOT_FOUND);
    EXPECT(OROpenKey(hive, u"Order\\a name long enough that the key's cell must move elsewhere", &other), ERROR_SUCCESS);
    EXPECT(ORCloseKey(other), ERROR_SUCCESS);
    EXPECT(ORRenameKey(key, u"b"), ERROR_ALREADY_EXISTS);
    EXPECT(ORRenameKey(key, u"C"), ERROR_SUCCESS);
    EXPECT(ORRenameKey(key, u""), ERROR_INVALID_PARAMETER);
    EXPECT(ORRenameKey(key, NULL), ERROR_INVALID_PARAMETER);
    EXPECT(ORRenameKey(key, u"x\\y"), ERROR_INVALID_PARAMETER);
    EXPECT(ORRenameKey(hive, u"NewRoot"), ERROR_ACCESS_DENIED);
    EXPECT(ORCloseKey(key), ERROR_SUCCESS);
}

/* ORDeleteKey (Microsoft's rules) and what a deleted key's handles do. */
static void delete_keys(ORHKEY hive) {
    ORHKEY key = NULL, doomed = NULL;
    EXPECT(ORCreateKey(hive, u"Doomed\\Leaf", NULL, 0, NULL, &key, NULL), ERROR_SUCCESS);
    EXPECT(OROpenKey(hive, u"Doomed", &doomed), ERROR_SUCCESS);
    EXPECT(ORDeleteKey(hive, u"Doomed"), ERROR_KEY_HAS_CHILDREN);
    EXPECT(ORDeleteKey(hive, u"Doomed\\Missing"), ERROR_FILE_NOT_FOUND);
    EXPECT(ORDeleteKey(hive, NULL), ERROR_INVALID_PARAMETER);  /* the root */
    EXPECT(ORDeleteKey(key, NULL), ERROR_SUCCESS);             /* the handle's own key */
    EXPECT(ORSetValue(key, u"x", REG_BINARY, NULL, 0), ERROR_KEY_DELETED);
    EXPECT(OREnumKey(key, 0, NULL, NULL, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    DWORD n = 0;
    EXPECT(ORQueryInfoKey(key, NULL, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL), ERROR_KEY_DELETED);
    EXPECT(ORCloseKey(key), ERROR_SUCCESS);  /* Microsoft: only ORCloseKey works on a deleted key */
    EXPECT(ORDeleteKey(hive, u"doomed"), ERROR_SUCCESS);
    EXPECT(ORGetValue(doomed, NULL, NULL, NULL, NULL, NULL), ERROR_KEY_DELETED);
    EXPECT(ORCloseKey(doomed), ERROR_SUCCESS);
    EXPECT(OROpenKey(hive, u"Doomed", &key), ERROR_FILE_NOT_FOUND);
}

static void handles(ORHKEY hive) {
    ORHKEY key = NULL;
    EXPECT(OROpenKey(hive, u"Order", &key), ERROR_SUCCESS);
    EXPECT(ORCloseKey(key), ERROR_SUCCESS);
    EXPECT(ORCloseKey(key), ERROR_INVALID_HANDLE);
    EXPECT(OROpenKey(key, NULL, &key), ERROR_INVALID_HANDLE);
    EXPECT(ORCloseKey(NULL), ERROR_INVALID_HANDLE);
    EXPECT(ORCloseKey((ORHKEY)(intptr_t)0xdeadbeef), ERROR_INVALID_HANDLE);
    EXPECT(ORCloseHive((ORHKEY)(intptr_t)-1), ERROR_INVALID_HANDLE);
    EXPECT(ORCloseKey(hive), ERROR_INVALID_PARAMETER);  /* a hive is closed by ORCloseHive */
    EXPECT(OROpenKey(hive, u"Order", &key), ERROR_SUCCESS);
    EXPECT(ORCloseHive(key), ERROR_INVALID_PARAMETER);
    EXPECT(ORSaveHive(key, wide(saved), 6, 1), ERROR_INVALID_PARAMETER);  /* a hive, not a key */
    EXPECT(ORCloseKey(key), ERROR_SUCCESS);
}

static void save(ORHKEY hive, const char *dir) {
    EXPECT(ORSaveHive(hive, wide(saved), 6, 1), ERROR_SUCCESS);
    /* Microsoft: "This cannot be the name of an existing file." */
    EXPECT(ORSaveHive(hive, wide(saved), 6, 1), ERROR_ALREADY_EXISTS);
    EXPECT(ORSaveHive(hive, wide(savedXP), 5, 1), ERROR_SUCCESS);
    char other[4096];
    snprintf(other, sizeof other, "%s/other.hive", dir);
    EXPECT(ORSaveHive(hive, wide(other), 4, 0), ERROR_INVALID_PARAMETER);
    EXPECT(ORSaveHive(hive, wide(other), 6, 9), ERROR_INVALID_PARAMETER);
    EXPECT(ORSaveHive(hive, NULL, 6, 1), ERROR_INVALID_PARAMETER);
    snprintf(other, sizeof other, "%s/no/such/dir/x.hive", dir);
    EXPECT(ORSaveHive(hive, wide(other), 6, 1), ERROR_PATH_NOT_FOUND);
}

/* The saved hive, opened again: what was written is there; unsaved changes are not kept. */
static void reopen(void) {
    ORHKEY hive = NULL, key = NULL;
    EXPECT(OROpenHive(wide(saved), &hive), ERROR_SUCCESS);
    DWORD size = 0, type = 0;
    BYTE buffer[32];
    size = sizeof buffer;
    EXPECT(ORGetValue(hive, u"Software\\Vendor", u"String", &type, buffer, &size), ERROR_SUCCESS);
    CHECK(size == 12 && memcmp(buffer, u"hello", 12) == 0, "saved REG_SZ");
    WCHAR klass[32];
    DWORD c = 32;
    EXPECT(OROpenKey(hive, u"Software\\Vendor", &key), ERROR_SUCCESS);
    EXPECT(ORQueryInfoKey(key, klass, &c, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), ERROR_SUCCESS);
    CHECK(weq(klass, u"VendorClass"), "saved class");
    EXPECT(ORSetValue(key, u"Unsaved", REG_DWORD, (const BYTE *)&size, 4), ERROR_SUCCESS);
    EXPECT(ORCloseKey(key), ERROR_SUCCESS);
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
    EXPECT(ORCloseHive(hive), ERROR_INVALID_HANDLE);
    EXPECT(OROpenHive(wide(saved), &hive), ERROR_SUCCESS);
    EXPECT(ORGetValue(hive, u"Software\\Vendor", u"Unsaved", NULL, NULL, NULL), ERROR_FILE_NOT_FOUND);
    /* Closing the hive closes its keys. */
    EXPECT(OROpenKey(hive, u"Software", &key), ERROR_SUCCESS);
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
    EXPECT(ORGetValue(key, NULL, NULL, NULL, NULL, NULL), ERROR_INVALID_HANDLE);
    EXPECT(ORCloseKey(key), ERROR_INVALID_HANDLE);
    EXPECT(OROpenHive(wide(savedXP), &hive), ERROR_SUCCESS);
    static BYTE big[20000];
    size = sizeof big;
    EXPECT(ORGetValue(hive, u"Software\\Vendor", u"Big", NULL, big, &size), ERROR_SUCCESS);
    CHECK(size == sizeof big && big[19999] == (BYTE)(19999 * 7), "big data in a 1.3 hive");
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
    key = (ORHKEY)1;
    EXPECT(OROpenHive(u"/nonexistent/hive", &key), ERROR_FILE_NOT_FOUND);
    CHECK(key == NULL, "a failed open leaves NULL");
    EXPECT(OROpenHive(NULL, &key), ERROR_INVALID_PARAMETER);
    EXPECT(OROpenHive(wide(saved), NULL), ERROR_INVALID_PARAMETER);
    EXPECT(ORCreateHive(NULL), ERROR_INVALID_PARAMETER);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    snprintf(saved, sizeof saved, "%s/saved.hive", argv[1]);
    snprintf(savedXP, sizeof savedXP, "%s/saved-xp.hive", argv[1]);
    version_and_start();
    ORHKEY hive = NULL;
    EXPECT(ORCreateHive(&hive), ERROR_SUCCESS);
    create_and_open(hive);
    values(hive);
    enumerate(hive);
    security(hive);
    rename_keys(hive);
    delete_keys(hive);
    handles(hive);
    save(hive, argv[1]);
    EXPECT(ORCloseHive(hive), ERROR_SUCCESS);
    reopen();
    EXPECT(ORShutdown(), ERROR_SUCCESS);
    return report("offreg_keys");
}
