// libhivekeeper.so: the C library product (HivekeeperC), winreg.h's and offreg.h's functions in
// one shared object. It links the Swift runtime statically (Package.swift), so a C program needs
// no Swift toolchain to build or run against it; scripts/install-c installs it.
@_exported import HivekeeperOffreg
@_exported import HivekeeperWinreg
