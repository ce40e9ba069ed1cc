#if canImport(Glibc)
import Glibc
#endif

/// SO_PEERCRED's answer, laid out as Linux's `struct ucred` (which Glibc's module hides behind
/// _GNU_SOURCE): the peer's pid, uid and gid as they were when it connected.
struct PeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// SO_PEERCRED (asm-generic/socket.h).
    static let option: Int32 = 17
}
