#define _GNU_SOURCE
#include "CFileIdentity.h"
#include <errno.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

int hk_thread_setgroups(size_t count, const gid_t *groups) {
    return syscall(SYS_setgroups, count, groups) == 0 ? 0 : errno;
}

// setfsuid/setfsgid return the previous value whether or not they took; asking again with an
// invalid id (-1) changes nothing and tells what is in force.
int hk_thread_setfsuid(uid_t uid) {
    setfsuid(uid);
    return (uid_t)setfsuid((uid_t)-1) == uid ? 0 : EPERM;
}

int hk_thread_setfsgid(gid_t gid) {
    setfsgid(gid);
    return (gid_t)setfsgid((gid_t)-1) == gid ? 0 : EPERM;
}
