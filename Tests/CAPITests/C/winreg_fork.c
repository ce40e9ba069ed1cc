/* A forked child: the HKEYs it inherited answer ERROR_INVALID_HANDLE, its first call opens a
 * connection of its own, and the parent's connection and handles go on. */
#define _POSIX_C_SOURCE 200809L
#include "winreg_test.h"
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    setup_main_key("fork");
    DWORD one = 1;
    CHECK(RegSetValueExA(main_key, "parent", 0, REG_DWORD, (const BYTE *)&one, 4) == ERROR_SUCCESS, "parent writes");
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        int bad = 0;
        if (RegSetValueExA(main_key, "child", 0, REG_DWORD, (const BYTE *)&one, 4) != ERROR_INVALID_HANDLE) bad |= 1;
        if (RegCloseKey(main_key) != ERROR_INVALID_HANDLE) bad |= 2;
        HKEY mine = NULL;
        if (RegOpenKeyExA(HKEY_CURRENT_USER, main_path, 0, KEY_ALL_ACCESS, &mine) != ERROR_SUCCESS) bad |= 4;
        if (RegSetValueExA(mine, "child", 0, REG_DWORD, (const BYTE *)&one, 4) != ERROR_SUCCESS) bad |= 8;
        if (RegCloseKey(mine) != ERROR_SUCCESS) bad |= 16;
        _exit(bad);
    }
    int status = 0;
    CHECK(child > 0 && waitpid(child, &status, 0) == child, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child: status %d", status);
    DWORD read = 0, size = sizeof read;
    CHECK(RegQueryValueExA(main_key, "child", NULL, NULL, (BYTE *)&read, &size) == ERROR_SUCCESS && read == 1,
          "the parent's handle still works and sees the child's write");
    return finish();
}
