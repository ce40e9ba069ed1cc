// Per-thread file credentials (Linux): what Swift's Glibc module leaves out. glibc's setgroups
// changes every thread of the process (it signals them all); the raw system call changes only
// the calling thread, which is what acting for one client on one thread needs.
#ifndef HIVEKEEPER_CFILEIDENTITY_H
#define HIVEKEEPER_CFILEIDENTITY_H
#include <stddef.h>
#include <sys/types.h>

/// The calling thread's supplementary groups; 0 or an errno.
int hk_thread_setgroups(size_t count, const gid_t *groups);
/// The calling thread's file-system uid; 0 when it took, else EPERM.
int hk_thread_setfsuid(uid_t uid);
/// The calling thread's file-system gid; 0 when it took, else EPERM.
int hk_thread_setfsgid(gid_t gid);
#endif
