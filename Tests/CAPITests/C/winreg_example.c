/* docs/c-api.md's example: write a value under HKEY_CURRENT_USER and read it back. */
#include <hivekeeper/winreg.h>
#include <stdio.h>

int main(void) {
    HKEY key;
    LSTATUS status = RegCreateKeyExW(HKEY_CURRENT_USER, u"Software\\Example", 0, NULL, 0,
                                     KEY_READ | KEY_WRITE, NULL, &key, NULL);
    if (status != ERROR_SUCCESS) {
        fprintf(stderr, "RegCreateKeyExW: %ld\n", (long)status);
        return 1;
    }
    DWORD answer = 42, read = 0, size = sizeof read;
    RegSetValueExW(key, u"Answer", 0, REG_DWORD, (const BYTE *)&answer, sizeof answer);
    status = RegGetValueW(key, NULL, u"Answer", RRF_RT_REG_DWORD, NULL, &read, &size);
    printf("%ld %lu\n", (long)status, (unsigned long)read);
    RegDeleteTreeW(key, NULL);
    RegDeleteKeyW(key, u"");
    RegCloseKey(key);
    return 0;
}
