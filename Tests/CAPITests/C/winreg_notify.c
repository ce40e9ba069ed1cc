/* RegNotifyChangeKeyValue with an eventfd for the event (Wine: test_RegNotifyChangeKeyValue),
 * and its synchronous form. */
#define _GNU_SOURCE
#include "winreg_test.h"
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Whether `fd` is signalled within `ms` milliseconds (it is then reset). */
static int signalled(int fd, int ms) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) != 1) return 0;
    uint64_t count = 0;
    return read(fd, &count, 8) == 8 && count > 0;
}

static void test_asynchronous(void) {
    int event = eventfd(0, EFD_CLOEXEC);
    HANDLE h = (HANDLE)(intptr_t)event;
    HKEY key = NULL, sub = NULL;
    CHECK(RegCreateKeyExA(main_key, "watched", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL) == ERROR_SUCCESS, "create");
    CHECK(RegNotifyChangeKeyValue(key, TRUE, REG_NOTIFY_CHANGE_NAME, h, TRUE) == ERROR_SUCCESS, "register");
    CHECK(!signalled(event, 0), "nothing changed yet");
    CHECK(RegCreateKeyA(key, "child", &sub) == ERROR_SUCCESS, "a subkey");
    CHECK(signalled(event, 10000), "signalled by the new subkey");
    RegCloseKey(sub);

    /* A value change does not concern REG_NOTIFY_CHANGE_NAME; a later one with LAST_SET does. */
    CHECK(RegNotifyChangeKeyValue(key, FALSE, REG_NOTIFY_CHANGE_NAME, h, TRUE) == ERROR_SUCCESS, "register again");
    CHECK(RegSetValueExA(key, "v", 0, REG_SZ, (const BYTE *)"x", 2) == ERROR_SUCCESS, "a value");
    CHECK(!signalled(event, 200), "a value is not a name");
    /* Closing the handle ends the registration, and sets the event. */
    CHECK(RegCloseKey(key) == ERROR_SUCCESS, "close");
    CHECK(signalled(event, 10000), "signalled by the close");

    CHECK(RegOpenKeyExA(main_key, "watched", 0, KEY_NOTIFY | KEY_SET_VALUE, &key) == ERROR_SUCCESS, "open");
    CHECK(RegNotifyChangeKeyValue(key, FALSE, REG_NOTIFY_CHANGE_LAST_SET, h, TRUE) == ERROR_SUCCESS, "register for values");
    CHECK(RegSetValueExA(key, "v", 0, REG_SZ, (const BYTE *)"y", 2) == ERROR_SUCCESS, "a value");
    CHECK(signalled(event, 10000), "signalled by the value");

    CHECK(RegNotifyChangeKeyValue(key, FALSE, 0, h, TRUE) == ERROR_INVALID_PARAMETER, "no filter");
    CHECK(RegNotifyChangeKeyValue(key, FALSE, 0x100, h, TRUE) == ERROR_INVALID_PARAMETER, "an unknown filter bit");
    CHECK(RegNotifyChangeKeyValue(key, FALSE, REG_NOTIFY_CHANGE_NAME, NULL, TRUE) == ERROR_INVALID_PARAMETER, "async without event");
    CHECK(RegNotifyChangeKeyValue(NULL, FALSE, REG_NOTIFY_CHANGE_NAME, h, TRUE) == ERROR_INVALID_HANDLE, "NULL key");
    RegCloseKey(key);
    close(event);
}

/* The synchronous form blocks until the change: a second thread changes the key until it returns. */
static volatile int waiting_done;

static void *changer(void *unused) {
    (void)unused;
    HKEY key = NULL;
    if (RegOpenKeyExA(main_key, "watched", 0, KEY_SET_VALUE, &key) != ERROR_SUCCESS) return NULL;
    DWORD n = 0;
    while (!__atomic_load_n(&waiting_done, __ATOMIC_ACQUIRE)) {
        n++;
        RegSetValueExA(key, "n", 0, REG_DWORD, (const BYTE *)&n, 4);
        struct pollfd none = {-1, 0, 0};
        poll(&none, 1, 5);  /* pace the changes: not a test of time */
    }
    RegCloseKey(key);
    return NULL;
}

static void test_synchronous(void) {
    HKEY key = NULL;
    CHECK(RegOpenKeyExA(main_key, "watched", 0, KEY_NOTIFY, &key) == ERROR_SUCCESS, "open");
    pthread_t t;
    pthread_create(&t, NULL, changer, NULL);
    LSTATUS r = RegNotifyChangeKeyValue(key, FALSE, REG_NOTIFY_CHANGE_LAST_SET, NULL, FALSE);
    __atomic_store_n(&waiting_done, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    CHECK(r == ERROR_SUCCESS, "the synchronous wait ended with the change: %ld", (long)r);
    RegCloseKey(key);
}

int main(void) {
    setup_main_key("notify");
    test_asynchronous();
    test_synchronous();
    return finish();
}
