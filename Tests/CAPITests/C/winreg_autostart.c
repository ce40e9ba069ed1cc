/* Run as a user with no daemon at their default socket: the first call starts a private
 * hivekeeperd for them (its own HKLM), then works. Prints "ok", or the failing status. */
#include <hivekeeper/winreg.h>
#include <stdio.h>

int main(void) {
    HKEY key = NULL;
    LSTATUS status = RegOpenKeyExA(HKEY_LOCAL_MACHINE, "SOFTWARE", 0, KEY_READ, &key);
    if (status != ERROR_SUCCESS) {
        printf("RegOpenKeyExA: %ld\n", (long)status);
        return 1;
    }
    DWORD subkeys = 0;
    status = RegQueryInfoKeyA(key, NULL, NULL, NULL, &subkeys, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    RegCloseKey(key);
    printf(status == ERROR_SUCCESS ? "ok\n" : "RegQueryInfoKeyA: %ld\n", (long)status);
    return status == ERROR_SUCCESS ? 0 : 1;
}
