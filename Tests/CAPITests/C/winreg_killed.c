/* Opens keys, loads an application hive (argv[1]) and is killed with them all open: the daemon
 * must close them (and unload the hive). Prints its pid, then kills itself. */
#define _POSIX_C_SOURCE 200809L
#include <hivekeeper/winreg.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    HKEY software = NULL, app = NULL, sub = NULL;
    if (RegOpenKeyExA(HKEY_LOCAL_MACHINE, "SOFTWARE", 0, KEY_READ, &software) != ERROR_SUCCESS) return 1;
    if (RegLoadAppKeyA(argv[1], &app, KEY_ALL_ACCESS, 0, 0) != ERROR_SUCCESS) return 1;
    if (RegCreateKeyA(app, "inside", &sub) != ERROR_SUCCESS) return 1;
    printf("%ld\n", (long)getpid());
    fflush(stdout);
    raise(SIGKILL);
    return 0;
}
