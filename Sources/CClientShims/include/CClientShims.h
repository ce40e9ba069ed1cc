// What Swift's Glibc module leaves out and the client's I/O loop needs: epoll, eventfd and naming a thread.
#ifndef HIVEKEEPER_CCLIENTSHIMS_H
#define HIVEKEEPER_CCLIENTSHIMS_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

/* Names the calling thread (prctl is variadic, which Swift does not import). */
static inline void hk_name_this_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }
#endif
