#if canImport(Glibc)
import Glibc
#endif
import CFileIdentity

/// The Linux identity a client's file operations run as: its uid, primary gid and supplementary
/// groups. A root daemon opening, creating or replacing a file a client named (RegLoadKey,
/// RegLoadAppKey, RegSaveKey, RegRestoreKey, and later flushes of a hive it loaded) does it on
/// the calling thread with that thread's file-system uid, gid and groups switched to the
/// client's, so the kernel decides with the client's rights, at the moment of each open —
/// never an access check followed by an open of a path that can change in between.
///
/// Only the calling thread changes (setfsuid/setfsgid and the raw setgroups system call are
/// per thread on Linux), and only for the synchronous body; it is switched back before
/// `perform` returns.
public struct FileIdentity: Sendable, Hashable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]

    public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Linux user `uid` as the user database has it (primary group and every group listing
    /// it); nil for an unknown uid.
    public static func user(uid: UInt32) -> FileIdentity? {
        // getpwuid_r: other threads read the user database too (getpwuid's buffer is shared).
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 16 << 10)
        defer { buffer.deallocate() }
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        guard getpwuid_r(uid, &entry, buffer, 16 << 10, &found) == 0, found != nil, let name = entry.pw_name else { return nil }
        let gid = entry.pw_gid
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        while getgrouplist(name, gid, &groups, &count) < 0 {
            guard count > Int32(groups.count), count < 65_536 else { return FileIdentity(uid: uid, gid: gid, groups: [gid]) }
            groups = [gid_t](repeating: 0, count: Int(count))
        }
        return FileIdentity(uid: uid, gid: gid, groups: Array(groups.prefix(Int(count))))
    }

    public var description: String { "uid \(uid), gid \(gid)" }

    /// Whether switching means anything: only a root process has rights beyond its clients'.
    static let processIsPrivileged = geteuid() == 0

    /// Runs `body` on this thread as this identity's file rights; ERROR_ACCESS_DENIED when the
    /// switch cannot be made (the body then does not run).
    public func perform<T>(_ body: () throws(Win32Error) -> T) throws(Win32Error) -> T {
        guard Self.processIsPrivileged else { return try body() }
        let saved = Self.currentGroups()
        guard become() else {
            Self.restore(saved)
            throw .accessDenied
        }
        defer { Self.restore(saved) }
        return try body()
    }

    private func become() -> Bool {
        // Groups and gid first: changing them needs CAP_SETGID, which a non-zero fsuid keeps,
        // but the order keeps every step's rights plain.
        groups.withUnsafeBufferPointer { hk_thread_setgroups($0.count, $0.baseAddress) } == 0
            && hk_thread_setfsgid(gid) == 0 && hk_thread_setfsuid(uid) == 0
    }

    private static func currentGroups() -> [gid_t] {
        let n = getgroups(0, nil)
        guard n > 0 else { return [] }
        var groups = [gid_t](repeating: 0, count: Int(n))
        let got = getgroups(n, &groups)
        return Array(groups.prefix(Int(max(got, 0))))
    }

    /// Back to the process's own file rights. A root thread can always do this; if it ever
    /// could not, it must not go on serving other clients with a stranger's rights.
    private static func restore(_ groups: [gid_t]) {
        let ok = hk_thread_setfsuid(geteuid()) == 0 && hk_thread_setfsgid(getegid()) == 0
            && groups.withUnsafeBufferPointer({ hk_thread_setgroups($0.count, $0.baseAddress) }) == 0
        precondition(ok, "hivekeeper: could not restore the thread's file identity")
    }
}

extension Optional where Wrapped == FileIdentity {
    /// `body` with the identity's file rights, or the process's own when there is none.
    func perform<T>(_ body: () throws(Win32Error) -> T) throws(Win32Error) -> T {
        switch self {
        case let .some(identity): try identity.perform(body)
        case .none: try body()
        }
    }
}
