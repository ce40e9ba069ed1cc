/* RegCopyTree, RegRenameKey, RegSaveKey(Ex), RegLoadKey, RegUnLoadKey, RegRestoreKey,
 * RegLoadAppKey, the reflection functions, RegLoadMUIString. The caller is root (SYSTEM here),
 * which holds SeBackupPrivilege and SeRestorePrivilege: no AdjustTokenPrivileges. */
#define _POSIX_C_SOURCE 200809L
#include "winreg_test.h"
#include <unistd.h>

/* Wine: test_reg_copy_tree. */
static void test_copy_tree(void) {
    HKEY src = NULL, dst = NULL, sub = NULL;
    char buffer[260];
    LONG size;
    DWORD dwsize, type;
    CHECK(RegCreateKeyA(main_key, "src", &src) == ERROR_SUCCESS, "src");
    CHECK(RegCreateKeyA(main_key, "dst", &dst) == ERROR_SUCCESS, "dst");
    CHECK(RegCopyTreeA(src, "nonexistent_subkey", dst) == ERROR_FILE_NOT_FOUND, "missing subkey");
    CHECK(RegSetValueA(src, NULL, REG_SZ, "data", 4) == ERROR_SUCCESS, "default");
    CHECK(RegSetValueExA(src, "value", 0, REG_SZ, (const BYTE *)"data2", 5) == ERROR_SUCCESS, "value");
    CHECK(RegCreateKeyA(src, "subkey2", &sub) == ERROR_SUCCESS, "subkey2");
    CHECK(RegSetValueA(sub, NULL, REG_SZ, "data3", 5) == ERROR_SUCCESS, "default 3");
    CHECK(RegSetValueExA(sub, "value", 0, REG_SZ, (const BYTE *)"data4", 5) == ERROR_SUCCESS, "value 4");
    RegCloseKey(sub);
    CHECK(RegCreateKeyA(src, "subkey3", &sub) == ERROR_SUCCESS, "subkey3");
    RegCloseKey(sub);

    CHECK(RegCopyTreeA(src, "subkey2", dst) == ERROR_SUCCESS, "copy a subkey");
    size = sizeof buffer;
    CHECK(RegQueryValueA(dst, NULL, buffer, &size) == ERROR_SUCCESS && !strcmp(buffer, "data3"), "its default value");
    dwsize = sizeof buffer;
    CHECK(RegQueryValueExA(dst, "value", NULL, &type, (BYTE *)buffer, &dwsize) == ERROR_SUCCESS && !strcmp(buffer, "data4"), "its value");

    CHECK(RegCopyTreeW(src, NULL, dst) == ERROR_SUCCESS, "copy the tree");
    size = sizeof buffer;
    CHECK(RegQueryValueA(dst, NULL, buffer, &size) == ERROR_SUCCESS && !strcmp(buffer, "data"), "default value");
    CHECK(RegOpenKeyA(dst, "subkey3", &sub) == ERROR_SUCCESS, "subkey3 copied");
    RegCloseKey(sub);
    CHECK(RegCopyTreeA(NULL, NULL, dst) == ERROR_INVALID_HANDLE, "NULL source");

    /* RegRenameKey: a subkey by name, or the key itself. */
    CHECK(RegRenameKey(dst, u"subkey3", u"renamed") == ERROR_SUCCESS, "rename a subkey");
    CHECK(RegOpenKeyA(dst, "renamed", &sub) == ERROR_SUCCESS, "renamed");
    CHECK(RegRenameKey(sub, NULL, u"again") == ERROR_SUCCESS, "rename the key itself");
    RegCloseKey(sub);
    CHECK(RegOpenKeyA(dst, "again", &sub) == ERROR_SUCCESS, "renamed again");
    RegCloseKey(sub);
    CHECK(RegRenameKey(dst, u"again", u"subkey2") == ERROR_ALREADY_EXISTS, "onto an existing name");

    RegCloseKey(src);
    RegCloseKey(dst);
}

/* Wine: test_reg_save_key, test_reg_load_key, test_reg_unload_key; RegRestoreKey, RegLoadAppKey. */
static void test_save_load(void) {
    char dir[] = "/tmp/hk-winreg-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char file[300], file2[300];
    snprintf(file, sizeof file, "%s/saved_key", dir);
    snprintf(file2, sizeof file2, "%s/saved_key_ex", dir);
    CHECK(RegSetValueExA(main_key, "saved", 0, REG_SZ, (const BYTE *)"yes", 4) == ERROR_SUCCESS, "value");
    CHECK(RegSaveKeyA(main_key, file, NULL) == ERROR_SUCCESS, "RegSaveKeyA");
    CHECK(RegSaveKeyA(main_key, file, NULL) == ERROR_ALREADY_EXISTS, "RegSaveKeyA onto an existing file");
    CHECK(RegSaveKeyExA(main_key, file2, NULL, REG_LATEST_FORMAT) == ERROR_SUCCESS, "RegSaveKeyExA");
    CHECK(RegSaveKeyExA(main_key, file2, NULL, 3) == ERROR_INVALID_PARAMETER, "RegSaveKeyExA bad format");

    CHECK(RegLoadKeyA(HKEY_LOCAL_MACHINE, "HivekeeperCTest", file) == ERROR_SUCCESS, "RegLoadKeyA");
    HKEY loaded = NULL;
    char buffer[8];
    DWORD size = sizeof buffer;
    CHECK(RegOpenKeyA(HKEY_LOCAL_MACHINE, "HivekeeperCTest", &loaded) == ERROR_SUCCESS, "open the loaded hive");
    CHECK(RegQueryValueExA(loaded, "saved", NULL, NULL, (BYTE *)buffer, &size) == ERROR_SUCCESS && !strcmp(buffer, "yes"), "its value");
    RegCloseKey(loaded);
    CHECK(RegUnLoadKeyA(HKEY_LOCAL_MACHINE, "HivekeeperCTest") == ERROR_SUCCESS, "RegUnLoadKeyA");
    CHECK(RegOpenKeyA(HKEY_LOCAL_MACHINE, "HivekeeperCTest", &loaded) == ERROR_FILE_NOT_FOUND, "unloaded");

    HKEY restored = NULL;
    CHECK(RegCreateKeyA(main_key, "restored", &restored) == ERROR_SUCCESS, "create");
    CHECK(RegRestoreKeyA(restored, file2, 0) == ERROR_SUCCESS, "RegRestoreKeyA");
    size = sizeof buffer;
    CHECK(RegQueryValueExA(restored, "saved", NULL, NULL, (BYTE *)buffer, &size) == ERROR_SUCCESS && !strcmp(buffer, "yes"), "restored");
    RegCloseKey(restored);

    /* A relative file name is the calling process's. */
    CHECK(chdir(dir) == 0, "chdir");
    HKEY app = NULL;
    CHECK(RegLoadAppKeyA("saved_key", &app, KEY_ALL_ACCESS, 0, 0) == ERROR_SUCCESS && app != NULL, "RegLoadAppKeyA relative");
    size = sizeof buffer;
    CHECK(RegQueryValueExA(app, "saved", NULL, NULL, (BYTE *)buffer, &size) == ERROR_SUCCESS && !strcmp(buffer, "yes"), "app hive");
    CHECK(RegCloseKey(app) == ERROR_SUCCESS, "close the app hive");
    /* A missing file is created empty (Microsoft's RegLoadAppKeyW page). */
    CHECK(RegLoadAppKeyW(u"new-file", &app, KEY_READ, 0, 0) == ERROR_SUCCESS, "a missing file");
    CHECK(access("new-file", F_OK) == 0, "created");
    RegCloseKey(app);
    CHECK(RegLoadAppKeyA("saved_key", NULL, KEY_READ, 0, 0) == ERROR_INVALID_PARAMETER, "NULL result");
    char command[340];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    CHECK(chdir("/") == 0 && system(command) == 0, "clean up");
}

static void test_reflection_and_mui(void) {
    BOOL disabled = 7;
    CHECK(RegQueryReflectionKey(main_key, &disabled) == ERROR_SUCCESS && disabled == FALSE, "not disabled");
    CHECK(RegDisableReflectionKey(main_key) == ERROR_SUCCESS, "disable");
    CHECK(RegEnableReflectionKey(main_key) == ERROR_SUCCESS, "enable");
    CHECK(RegDisableReflectionKey(NULL) == ERROR_INVALID_HANDLE, "NULL");
    WCHAR out[8];
    DWORD size = 0;
    CHECK(RegLoadMUIStringW(main_key, u"x", out, sizeof out, &size, 0, NULL) == ERROR_CALL_NOT_IMPLEMENTED, "RegLoadMUIStringW");
    CHECK(RegDisablePredefinedCache() == ERROR_SUCCESS, "RegDisablePredefinedCache");
    HKEY classes = NULL;
    LSTATUS r = RegOpenUserClassesRoot(NULL, 0, KEY_READ, &classes);
    CHECK(r == ERROR_SUCCESS || r == ERROR_FILE_NOT_FOUND, "RegOpenUserClassesRoot: %ld", (long)r);
    if (r == ERROR_SUCCESS) RegCloseKey(classes);
}

int main(void) {
    setup_main_key("hives");
    test_copy_tree();
    test_save_load();
    test_reflection_and_mui();
    return finish();
}
