// What Swift's Glibc module leaves out and the client's I/O loop needs: epoll and eventfd.
#ifndef HIVEKEEPER_CCLIENTSHIMS_H
#define HIVEKEEPER_CCLIENTSHIMS_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
