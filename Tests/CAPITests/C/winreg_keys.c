/* RegOpenKey(Ex), RegCreateKey(Ex), RegCloseKey, the deletions, RegConnectRegistry,
 * RegOpenCurrentUser, RegFlushKey; predefined keys as 64-bit Windows passes them. */
#define _POSIX_C_SOURCE 200809L
#include "winreg_test.h"
#include <unistd.h>

/* Wine: test_reg_open_key. */
static void test_reg_open_key(void) {
    HKEY hk = NULL, preserve = NULL;
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, main_path, &hk) == ERROR_SUCCESS && hk != NULL, "open");
    preserve = hk;
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, main_path, &hk) == ERROR_SUCCESS && hk != preserve, "a second open is a new handle");
    RegCloseKey(hk);

    char trailing[160];
    snprintf(trailing, sizeof trailing, "%s\\\\", main_path);
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, trailing, &hk) == ERROR_SUCCESS, "trailing backslashes");
    RegCloseKey(hk);

    hk = preserve;
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, "Software\\HivekeeperCTests\\Nonexistent", &hk) == ERROR_FILE_NOT_FOUND && hk == NULL,
          "a missing key writes NULL");
    hk = preserve;
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, NULL, &hk) == ERROR_SUCCESS && hk == HKEY_CURRENT_USER, "NULL subkey: the key itself");
    hk = preserve;
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, "", &hk) == ERROR_SUCCESS && hk == HKEY_CURRENT_USER, "empty subkey: the key itself");
    hk = preserve;
    CHECK(RegOpenKeyA(NULL, NULL, &hk) == ERROR_SUCCESS && hk == NULL, "NULL key and subkey");
    hk = preserve;
    CHECK(RegOpenKeyA(NULL, main_path, &hk) == ERROR_INVALID_HANDLE && hk == preserve, "NULL key: result untouched");
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, main_path, NULL) == ERROR_INVALID_PARAMETER, "NULL result");
    CHECK(RegOpenKeyA(NULL, NULL, NULL) == ERROR_INVALID_PARAMETER, "all NULL");
    LSTATUS r = RegOpenKeyA(HKEY_CURRENT_USER, "\\Software", &hk);
    CHECK(r == ERROR_BAD_PATHNAME, "leading backslash: %ld", (long)r);

    hk = NULL;
    CHECK(RegOpenKeyExA(HKEY_CLASSES_ROOT, NULL, 0, KEY_QUERY_VALUE, &hk) == ERROR_SUCCESS && hk == HKEY_CLASSES_ROOT, "HKCR itself");
    hk = NULL;
    CHECK(RegOpenKeyExA(HKEY_LOCAL_MACHINE, "", 0, KEY_QUERY_VALUE, &hk) == ERROR_SUCCESS && hk == HKEY_LOCAL_MACHINE, "HKLM itself");
    hk = preserve;
    CHECK(RegOpenKeyExA(preserve, "", 0, KEY_QUERY_VALUE, &hk) == ERROR_SUCCESS && hk != preserve, "empty subkey of a handle: new");
    CHECK(RegCloseKey(hk) == ERROR_SUCCESS, "close it");
    hk = preserve;
    CHECK(RegOpenKeyExA(preserve, NULL, 0, KEY_QUERY_VALUE, &hk) == ERROR_SUCCESS && hk != preserve, "NULL subkey of a handle: new");
    CHECK(RegCloseKey(hk) == ERROR_SUCCESS, "close it");
    hk = preserve;
    CHECK(RegOpenKeyExA(NULL, "", 0, KEY_QUERY_VALUE, &hk) == ERROR_INVALID_HANDLE && hk == preserve, "empty subkey of NULL");
    RegCloseKey(preserve);

    /* Both views are the same keys here (no WOW64). */
    CHECK(RegOpenKeyExA(HKEY_LOCAL_MACHINE, "Software", 0, KEY_READ | KEY_WOW64_32KEY, &hk) == ERROR_SUCCESS, "KEY_WOW64_32KEY");
    RegCloseKey(hk);
    CHECK(RegOpenKeyExA(HKEY_LOCAL_MACHINE, "Software", 0, KEY_READ | KEY_WOW64_64KEY, &hk) == ERROR_SUCCESS, "KEY_WOW64_64KEY");
    RegCloseKey(hk);

    /* Only the low 32 bits of a predefined key count. */
    uintptr_t hkcu = (uintptr_t)(uint32_t)(intptr_t)HKEY_CURRENT_USER;
    uintptr_t variants[] = {hkcu, hkcu | (uintptr_t)1 << 32, hkcu | (uintptr_t)0xdeadbeef << 32, hkcu | (uintptr_t)0xffffffff << 32};
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        hk = NULL;
        CHECK(RegOpenKeyA((HKEY)variants[i], "Software", &hk) == ERROR_SUCCESS && hk != NULL, "HKCU with high bits %zu", i);
        RegCloseKey(hk);
    }
}

/* Wine: test_reg_create_key. */
static void test_reg_create_key(void) {
    HKEY k1 = NULL, k2 = NULL;
    DWORD disposition = 0;
    CHECK(RegCreateKeyExA(main_key, "Subkey1", 0, NULL, 0, KEY_NOTIFY, NULL, &k1, &disposition) == ERROR_SUCCESS &&
              disposition == REG_CREATED_NEW_KEY, "create");
    /* The parent handle's access does not matter. */
    CHECK(RegCreateKeyExA(k1, "Subkey2", 0, NULL, 0, KEY_SET_VALUE, NULL, &k2, NULL) == ERROR_SUCCESS, "create below KEY_NOTIFY");
    CHECK(RegCreateKeyExA(main_key, "Subkey1", 0, NULL, 0, KEY_READ, NULL, &k1, &disposition) == ERROR_SUCCESS &&
              disposition == REG_OPENED_EXISTING_KEY, "opened existing");
    CHECK(RegDeleteKeyA(k2, "") == ERROR_ACCESS_DENIED, "deleting through a handle needs DELETE");
    CHECK(RegDeleteKeyA(main_key, "Subkey1\\Subkey2") == ERROR_SUCCESS, "delete by path");
    CHECK(RegDeleteKeyA(main_key, "Subkey1") == ERROR_SUCCESS, "delete by name");
    RegCloseKey(k2);
    RegCloseKey(k1);

    /* Volatile keys take only volatile children. */
    CHECK(RegCreateKeyExA(main_key, "Volatile", 0, NULL, REG_OPTION_VOLATILE, KEY_ALL_ACCESS, NULL, &k1, NULL) == ERROR_SUCCESS, "volatile");
    CHECK(RegCreateKeyExA(k1, "Subkey2", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k2, NULL) == ERROR_CHILD_MUST_BE_VOLATILE, "stored below");
    CHECK(RegCreateKeyExA(k1, "Subkey2", 0, NULL, REG_OPTION_VOLATILE, KEY_ALL_ACCESS, NULL, &k2, NULL) == ERROR_SUCCESS, "volatile below");
    RegCloseKey(k2);
    CHECK(RegCreateKeyExA(k1, "Subkey2", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k2, NULL) == ERROR_SUCCESS, "existing: no options matter");
    RegDeleteKeyA(k2, "");
    RegDeleteKeyA(k1, "");
    RegCloseKey(k2);
    RegCloseKey(k1);

    CHECK(RegCreateKeyExA(main_key, "\\Subkey3", 0, NULL, 0, KEY_NOTIFY, NULL, &k1, NULL) == ERROR_BAD_PATHNAME, "leading backslash");
    CHECK(RegCreateKeyExA(main_key, "Subkey4\\\\", 0, NULL, 0, KEY_NOTIFY, NULL, &k1, NULL) == ERROR_SUCCESS, "trailing backslashes");
    RegDeleteKeyA(k1, "");
    RegCloseKey(k1);
    CHECK(RegCreateKeyExA(main_key, "x", 0, NULL, 0, KEY_ALL_ACCESS, NULL, NULL, NULL) == ERROR_BADKEY, "NULL result");
    CHECK(RegCreateKeyExA(main_key, "x", 1, NULL, 0, KEY_ALL_ACCESS, NULL, &k1, NULL) == ERROR_INVALID_PARAMETER, "reserved");
    CHECK(RegCreateKeyExW(NULL, u"x", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k1, NULL) == ERROR_INVALID_HANDLE, "NULL key");

    /* RegCreateKey: no subkey answers the key itself. */
    k1 = NULL;
    CHECK(RegCreateKeyA(main_key, NULL, &k1) == ERROR_SUCCESS && k1 == main_key, "RegCreateKeyA NULL subkey");
    CHECK(RegCreateKeyW(main_key, u"legacy", &k1) == ERROR_SUCCESS && k1 != main_key, "RegCreateKeyW");
    RegCloseKey(k1);
    CHECK(RegDeleteKeyW(main_key, u"legacy") == ERROR_SUCCESS, "RegDeleteKeyW");
}

/* Wine: test_reg_close_key. */
static void test_reg_close_key(void) {
    HKEY hk = NULL;
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, main_path, &hk) == ERROR_SUCCESS, "open");
    CHECK(RegCloseKey(hk) == ERROR_SUCCESS, "close");
    CHECK(RegCloseKey(hk) == ERROR_INVALID_HANDLE, "close twice");
    CHECK(RegCloseKey(NULL) == ERROR_INVALID_HANDLE, "close NULL");
    CHECK(RegCloseKey(HKEY_LOCAL_MACHINE) == ERROR_SUCCESS, "close a predefined key");
    CHECK(RegQueryInfoKeyA(hk, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == ERROR_INVALID_HANDLE, "closed");
}

/* Wine: test_reg_delete_key, test_reg_delete_tree. */
static void test_delete(void) {
    HKEY key = NULL, sub = NULL, sub2 = NULL;
    CHECK(RegDeleteKeyA(main_key, NULL) == ERROR_INVALID_PARAMETER, "NULL subkey");
    CHECK(RegCreateKeyA(main_key, "deleteme", &key) == ERROR_SUCCESS, "create");
    CHECK(RegDeleteKeyA(key, "") == ERROR_SUCCESS, "delete itself");
    CHECK(RegSetValueExA(key, "v", 0, REG_DWORD, (const BYTE *)"1234", 4) == ERROR_KEY_DELETED, "a deleted key's handle");
    RegCloseKey(key);
    CHECK(RegOpenKeyA(main_key, "deleteme", &key) == ERROR_FILE_NOT_FOUND, "gone");

    CHECK(RegCreateKeyA(main_key, "subkey", &sub) == ERROR_SUCCESS, "create");
    CHECK(RegCreateKeyA(sub, "subkey2", &sub2) == ERROR_SUCCESS, "create");
    CHECK(RegSetValueA(sub, NULL, REG_SZ, "data", 4) == ERROR_SUCCESS, "default value");
    RegCloseKey(sub2);
    CHECK(RegDeleteKeyA(main_key, "subkey") == ERROR_ACCESS_DENIED, "a key with subkeys");
    CHECK(RegDeleteKeyExW(sub, u"subkey2", KEY_WOW64_64KEY, 0) == ERROR_SUCCESS, "RegDeleteKeyExW");
    CHECK(RegCreateKeyA(sub, "subkey2", &sub2) == ERROR_SUCCESS, "again");
    RegCloseKey(sub2);
    CHECK(RegDeleteTreeA(sub, "subkey2") == ERROR_SUCCESS, "RegDeleteTree of a subkey");
    CHECK(RegOpenKeyA(sub, "subkey2", &sub2) == ERROR_FILE_NOT_FOUND, "gone");
    CHECK(RegCreateKeyA(sub, "subkey2", &sub2) == ERROR_SUCCESS, "again");
    RegCloseKey(sub2);
    CHECK(RegDeleteTreeA(main_key, "subkey\\subkey2") == ERROR_SUCCESS, "RegDeleteTree by path");
    CHECK(RegCreateKeyA(sub, "subkey2", &sub2) == ERROR_SUCCESS, "again");
    RegCloseKey(sub2);
    CHECK(RegSetValueExA(sub, "value", 0, REG_SZ, (const BYTE *)"data2", 5) == ERROR_SUCCESS, "value");
    CHECK(RegDeleteTreeA(sub, NULL) == ERROR_SUCCESS, "RegDeleteTree NULL: the contents");
    CHECK(RegOpenKeyA(sub, "subkey2", &sub2) == ERROR_FILE_NOT_FOUND, "subkeys gone");
    CHECK(RegQueryValueExA(sub, "value", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND, "values gone");
    CHECK(RegQueryValueExA(sub, NULL, NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND, "the default value too");
    CHECK(RegOpenKeyA(main_key, "subkey", &sub2) == ERROR_SUCCESS, "the key stays");
    RegCloseKey(sub2);
    CHECK(RegDeleteTreeW(sub, u"") == ERROR_SUCCESS, "RegDeleteTree empty");
    CHECK(RegDeleteTreeA(main_key, "not-here") == ERROR_FILE_NOT_FOUND, "RegDeleteTree missing");
    RegCloseKey(sub);
}

/* Wine: test_regconnectregistry; the local machine only. */
static void test_connect_registry(void) {
    char host[256] = {0}, unc[260];
    gethostname(host, sizeof host - 1);
    snprintf(unc, sizeof unc, "\\\\%s", host);
    HKEY hk = NULL;
    CHECK(RegConnectRegistryA(host, HKEY_LOCAL_MACHINE, &hk) == ERROR_SUCCESS && hk == HKEY_LOCAL_MACHINE, "by name");
    CHECK(RegConnectRegistryA(unc, HKEY_LOCAL_MACHINE, &hk) == ERROR_SUCCESS, "by \\\\name");
    CHECK(RegConnectRegistryW(NULL, HKEY_USERS, &hk) == ERROR_SUCCESS && hk == HKEY_USERS, "NULL");
    CHECK(RegConnectRegistryA("no-such-host.invalid", HKEY_LOCAL_MACHINE, &hk) == ERROR_BAD_NETPATH, "another machine");
}

/* RegOpenCurrentUser is a fresh handle on the caller's hive; RegFlushKey writes it. */
static void test_current_user(void) {
    HKEY hk = NULL;
    CHECK(RegOpenCurrentUser(KEY_READ, &hk) == ERROR_SUCCESS && hk != NULL && hk != HKEY_CURRENT_USER, "RegOpenCurrentUser");
    HKEY sub = NULL;
    CHECK(RegOpenKeyExA(hk, main_path, 0, KEY_READ, &sub) == ERROR_SUCCESS, "the same hive as HKCU");
    RegCloseKey(sub);
    CHECK(RegCloseKey(hk) == ERROR_SUCCESS, "closed");
    CHECK(RegOpenCurrentUser(KEY_READ, NULL) == ERROR_INVALID_PARAMETER, "NULL result");
    CHECK(RegFlushKey(main_key) == ERROR_SUCCESS, "RegFlushKey");
    CHECK(RegFlushKey(NULL) == ERROR_INVALID_HANDLE, "RegFlushKey NULL");
}

/* RegOverridePredefKey: HKEY_CURRENT_USER maps to another key, then back. */
static void test_override(void) {
    HKEY target = NULL, k = NULL;
    CHECK(RegCreateKeyA(main_key, "override", &target) == ERROR_SUCCESS, "create");
    CHECK(RegOverridePredefKey(HKEY_CURRENT_USER, target) == ERROR_SUCCESS, "override");
    CHECK(RegCloseKey(target) == ERROR_SUCCESS, "closing the new key changes nothing");
    CHECK(RegCreateKeyA(HKEY_CURRENT_USER, "InsideOverride", &k) == ERROR_SUCCESS, "create through HKCU");
    RegCloseKey(k);
    CHECK(RegOpenKeyA(main_key, "override\\InsideOverride", &k) == ERROR_SUCCESS, "it went to the override");
    RegCloseKey(k);
    CHECK(RegOverridePredefKey(HKEY_CURRENT_USER, NULL) == ERROR_SUCCESS, "restore");
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, "InsideOverride", &k) == ERROR_FILE_NOT_FOUND, "HKCU is itself again");
    CHECK(RegOpenKeyA(HKEY_CURRENT_USER, main_path, &k) == ERROR_SUCCESS, "and works");
    RegCloseKey(k);
    CHECK(RegOverridePredefKey(main_key, NULL) == ERROR_INVALID_HANDLE, "not a predefined key");
}

/* Wine: test_deleted_key. Every call through a handle to a deleted key: ERROR_KEY_DELETED. */
static void test_deleted_key(void) {
    HKEY doomed = NULL, k = NULL;
    char value[20];
    DWORD count = sizeof value, type = 0;
    CHECK(RegCreateKeyA(main_key, "doomed", &doomed) == ERROR_SUCCESS, "create");
    CHECK(RegDeleteTreeA(main_key, "doomed") == ERROR_SUCCESS, "delete it while open");
    CHECK(RegEnumValueA(doomed, 0, value, &count, NULL, &type, NULL, NULL) == ERROR_KEY_DELETED, "RegEnumValueA");
    CHECK(RegEnumKeyA(doomed, 0, value, sizeof value) == ERROR_KEY_DELETED, "RegEnumKeyA");
    count = sizeof value;
    CHECK(RegQueryValueExA(doomed, "test", NULL, &type, (BYTE *)value, &count) == ERROR_KEY_DELETED, "RegQueryValueExA");
    CHECK(RegSetValueExA(doomed, "test", 0, REG_SZ, (const BYTE *)"value", 6) == ERROR_KEY_DELETED, "RegSetValueExA");
    CHECK(RegOpenKeyA(doomed, "test", &k) == ERROR_KEY_DELETED, "RegOpenKeyA");
    CHECK(RegCreateKeyA(doomed, "test", &k) == ERROR_KEY_DELETED, "RegCreateKeyA");
    CHECK(RegFlushKey(doomed) == ERROR_KEY_DELETED, "RegFlushKey");
    CHECK(RegCloseKey(doomed) == ERROR_SUCCESS, "closing it still works");
}

int main(void) {
    setup_main_key("keys");
    test_reg_open_key();
    test_reg_create_key();
    test_reg_close_key();
    test_delete();
    test_connect_registry();
    test_current_user();
    test_override();
    test_deleted_key();
    return finish();
}
