/* RegGetKeySecurity and RegSetKeySecurity on self-relative descriptors. */
#include "winreg_test.h"

int main(void) {
    setup_main_key("security");
    HKEY key = NULL;
    CHECK(RegCreateKeyExA(main_key, "secured", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL) == ERROR_SUCCESS, "create");
    DWORD size = 0;
    SECURITY_INFORMATION all = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
    CHECK(RegGetKeySecurity(key, all, NULL, &size) == ERROR_INSUFFICIENT_BUFFER && size >= 20, "size asked: %u", size);
    BYTE sd[4096];
    DWORD small = 8;
    CHECK(RegGetKeySecurity(key, all, sd, &small) == ERROR_INSUFFICIENT_BUFFER && small == size, "too small");
    DWORD got = sizeof sd;
    CHECK(RegGetKeySecurity(key, all, sd, &got) == ERROR_SUCCESS && got == size, "got %u", got);
    WORD control = (WORD)(sd[2] | sd[3] << 8);
    DWORD owner_offset, dacl_offset, sacl_offset;
    memcpy(&owner_offset, sd + 4, 4);
    memcpy(&sacl_offset, sd + 12, 4);
    memcpy(&dacl_offset, sd + 16, 4);
    CHECK(sd[0] == 1 && (control & 0x8000) && (control & 0x0004), "revision 1, self-relative, DACL present: %x", control);
    CHECK(owner_offset != 0 && dacl_offset != 0 && sacl_offset == 0, "owner and DACL, no SACL");

    /* Only the parts asked for. */
    BYTE dacl_only[4096];
    got = sizeof dacl_only;
    CHECK(RegGetKeySecurity(key, DACL_SECURITY_INFORMATION, dacl_only, &got) == ERROR_SUCCESS, "DACL only");
    memcpy(&owner_offset, dacl_only + 4, 4);
    memcpy(&dacl_offset, dacl_only + 16, 4);
    CHECK(owner_offset == 0 && dacl_offset != 0, "no owner");
    CHECK(RegGetKeySecurity(key, SACL_SECURITY_INFORMATION, sd, &got) == ERROR_PRIVILEGE_NOT_HELD, "a SACL needs a privilege");

    /* Set it back, on the key and on another. */
    CHECK(RegSetKeySecurity(key, DACL_SECURITY_INFORMATION, dacl_only) == ERROR_SUCCESS, "set the DACL");
    HKEY other = NULL;
    CHECK(RegCreateKeyExA(main_key, "other", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &other, NULL) == ERROR_SUCCESS, "create");
    CHECK(RegSetKeySecurity(other, DACL_SECURITY_INFORMATION, dacl_only) == ERROR_SUCCESS, "set it on another key");
    BYTE again[4096];
    DWORD again_size = sizeof again;
    CHECK(RegGetKeySecurity(other, DACL_SECURITY_INFORMATION, again, &again_size) == ERROR_SUCCESS && again_size == got &&
              !memcmp(again, dacl_only, got), "the same DACL");
    BYTE absolute[20] = {1, 0, 0x04, 0x00};
    CHECK(RegSetKeySecurity(other, DACL_SECURITY_INFORMATION, absolute) == ERROR_INVALID_PARAMETER, "an absolute descriptor");
    CHECK(RegSetKeySecurity(other, DACL_SECURITY_INFORMATION, NULL) == ERROR_INVALID_PARAMETER, "NULL");
    CHECK(RegGetKeySecurity(NULL, all, sd, &got) == ERROR_INVALID_HANDLE, "NULL key");
    RegCloseKey(other);
    RegCloseKey(key);
    return finish();
}
