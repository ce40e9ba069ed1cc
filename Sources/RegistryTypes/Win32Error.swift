/// A Win32 error code, as the registry functions return them (winerror.h numbers; the
/// registry's own table is shared/design/windows-semantics.md §1). Swift names, with the C
/// names as unavailable aliases that point at them, as swift-system's `Errno` does.
///
/// `detail` is for people: why a call that opens a file failed ("/tmp/x.hiv: hive bin at file
/// offset 0x1000: …"), which the code alone (ERROR_REGISTRY_CORRUPT) does not say. It rides on
/// the error itself rather than on a separate "last failure" of the API so it reaches the
/// daemon's failure frame and log with no shared state; two errors with the same code are equal
/// whatever their detail, so every `catch .registryCorrupt` and `==` behaves as before.
public struct Win32Error: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public let detail: String?
    public init(rawValue: UInt32) { self.rawValue = rawValue; self.detail = nil }
    public init(_ code: Win32Error, detail: String?) { self.rawValue = code.rawValue; self.detail = detail }

    public static func == (a: Win32Error, b: Win32Error) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// The code's name and number, then the detail when there is one (the wire's failure message).
    public var message: String { detail.map { "\(description): \($0)" } ?? description }

    /// The error a failure frame carries: `message` is what `message` above made of it (or any
    /// text the daemon said), whose part after the code's own description is the detail.
    public init(rawValue: UInt32, message: String) {
        let plain = Win32Error(rawValue: rawValue)
        let prefix = plain.description + ": "
        if message.hasPrefix(prefix) {
            self.init(plain, detail: String(message.dropFirst(prefix.count)))
        } else {
            self.init(plain, detail: message.isEmpty || message == plain.description ? nil : message)
        }
    }

    public static let success = Win32Error(rawValue: 0)
    public static let fileNotFound = Win32Error(rawValue: 2)
    public static let accessDenied = Win32Error(rawValue: 5)
    public static let invalidHandle = Win32Error(rawValue: 6)
    public static let notEnoughMemory = Win32Error(rawValue: 8)
    public static let sharingViolation = Win32Error(rawValue: 32)
    public static let invalidParameter = Win32Error(rawValue: 87)
    public static let badPathname = Win32Error(rawValue: 161)
    public static let alreadyExists = Win32Error(rawValue: 183)
    public static let moreData = Win32Error(rawValue: 234)
    public static let noMoreItems = Win32Error(rawValue: 259)
    public static let badDatabase = Win32Error(rawValue: 1009)
    public static let registryCorrupt = Win32Error(rawValue: 1015)
    public static let registryIOFailed = Win32Error(rawValue: 1016)
    public static let notRegistryFile = Win32Error(rawValue: 1017)
    /// "Illegal operation attempted on a registry key that has been marked for deletion."
    public static let keyDeleted = Win32Error(rawValue: 1018)
    public static let keyHasChildren = Win32Error(rawValue: 1020)
    public static let childMustBeVolatile = Win32Error(rawValue: 1021)
    public static let privilegeNotHeld = Win32Error(rawValue: 1314)
    /// The session named does not exist (a logoff of an unknown session).
    public static let noSuchLogonSession = Win32Error(rawValue: 1312)
    /// An account name that maps to no account.
    public static let noneMapped = Win32Error(rawValue: 1332)
    /// "The remote procedure call failed": the daemon went away under a request (RPC_S_CALL_FAILED).
    public static let callFailed = Win32Error(rawValue: 1726)
    /// "The RPC server is unavailable": no daemon answers at the socket (RPC_S_SERVER_UNAVAILABLE).
    public static let serverUnavailable = Win32Error(rawValue: 1722)
    /// A general failure (the profile store, for instance) whose message says more.
    public static let generalFailure = Win32Error(rawValue: 31)
    /// A per-process handle quota or a hive's size quota is used up (docs/security.md, "Quotas").
    public static let notEnoughQuota = Win32Error(rawValue: 1816)

    public var description: String {
        let name: String = switch rawValue {
        case 0: "ERROR_SUCCESS"
        case 2: "ERROR_FILE_NOT_FOUND"
        case 5: "ERROR_ACCESS_DENIED"
        case 6: "ERROR_INVALID_HANDLE"
        case 8: "ERROR_NOT_ENOUGH_MEMORY"
        case 32: "ERROR_SHARING_VIOLATION"
        case 87: "ERROR_INVALID_PARAMETER"
        case 161: "ERROR_BAD_PATHNAME"
        case 183: "ERROR_ALREADY_EXISTS"
        case 234: "ERROR_MORE_DATA"
        case 259: "ERROR_NO_MORE_ITEMS"
        case 1009: "ERROR_BADDB"
        case 1015: "ERROR_REGISTRY_CORRUPT"
        case 1016: "ERROR_REGISTRY_IO_FAILED"
        case 1017: "ERROR_NOT_REGISTRY_FILE"
        case 1018: "ERROR_KEY_DELETED"
        case 1020: "ERROR_KEY_HAS_CHILDREN"
        case 1021: "ERROR_CHILD_MUST_BE_VOLATILE"
        case 1314: "ERROR_PRIVILEGE_NOT_HELD"
        case 1312: "ERROR_NO_SUCH_LOGON_SESSION"
        case 1332: "ERROR_NONE_MAPPED"
        case 1816: "ERROR_NOT_ENOUGH_QUOTA"
        case 1722: "RPC_S_SERVER_UNAVAILABLE"
        case 1726: "RPC_S_CALL_FAILED"
        case 31: "ERROR_GEN_FAILURE"
        default: "Win32 error"
        }
        return "\(name) (\(rawValue))"
    }
}

extension Win32Error {
    @available(*, unavailable, renamed: "success") public static var ERROR_SUCCESS: Win32Error { .success }
    @available(*, unavailable, renamed: "fileNotFound") public static var ERROR_FILE_NOT_FOUND: Win32Error { .fileNotFound }
    @available(*, unavailable, renamed: "accessDenied") public static var ERROR_ACCESS_DENIED: Win32Error { .accessDenied }
    @available(*, unavailable, renamed: "invalidHandle") public static var ERROR_INVALID_HANDLE: Win32Error { .invalidHandle }
    @available(*, unavailable, renamed: "sharingViolation") public static var ERROR_SHARING_VIOLATION: Win32Error { .sharingViolation }
    @available(*, unavailable, renamed: "invalidParameter") public static var ERROR_INVALID_PARAMETER: Win32Error { .invalidParameter }
    @available(*, unavailable, renamed: "badPathname") public static var ERROR_BAD_PATHNAME: Win32Error { .badPathname }
    @available(*, unavailable, renamed: "alreadyExists") public static var ERROR_ALREADY_EXISTS: Win32Error { .alreadyExists }
    @available(*, unavailable, renamed: "moreData") public static var ERROR_MORE_DATA: Win32Error { .moreData }
    @available(*, unavailable, renamed: "noMoreItems") public static var ERROR_NO_MORE_ITEMS: Win32Error { .noMoreItems }
    @available(*, unavailable, renamed: "badDatabase") public static var ERROR_BADDB: Win32Error { .badDatabase }
    @available(*, unavailable, renamed: "registryCorrupt") public static var ERROR_REGISTRY_CORRUPT: Win32Error { .registryCorrupt }
    @available(*, unavailable, renamed: "registryIOFailed") public static var ERROR_REGISTRY_IO_FAILED: Win32Error { .registryIOFailed }
    @available(*, unavailable, renamed: "notRegistryFile") public static var ERROR_NOT_REGISTRY_FILE: Win32Error { .notRegistryFile }
    @available(*, unavailable, renamed: "keyDeleted") public static var ERROR_KEY_DELETED: Win32Error { .keyDeleted }
    @available(*, unavailable, renamed: "keyHasChildren") public static var ERROR_KEY_HAS_CHILDREN: Win32Error { .keyHasChildren }
    @available(*, unavailable, renamed: "childMustBeVolatile") public static var ERROR_CHILD_MUST_BE_VOLATILE: Win32Error { .childMustBeVolatile }
    @available(*, unavailable, renamed: "privilegeNotHeld") public static var ERROR_PRIVILEGE_NOT_HELD: Win32Error { .privilegeNotHeld }
    @available(*, unavailable, renamed: "noSuchLogonSession") public static var ERROR_NO_SUCH_LOGON_SESSION: Win32Error { .noSuchLogonSession }
    @available(*, unavailable, renamed: "notEnoughQuota") public static var ERROR_NOT_ENOUGH_QUOTA: Win32Error { .notEnoughQuota }
    @available(*, unavailable, renamed: "noneMapped") public static var ERROR_NONE_MAPPED: Win32Error { .noneMapped }
    @available(*, unavailable, renamed: "callFailed") public static var RPC_S_CALL_FAILED: Win32Error { .callFailed }
    @available(*, unavailable, renamed: "serverUnavailable") public static var RPC_S_SERVER_UNAVAILABLE: Win32Error { .serverUnavailable }
    @available(*, unavailable, renamed: "generalFailure") public static var ERROR_GEN_FAILURE: Win32Error { .generalFailure }
}

/// The NTSTATUS codes behind the registry's errors, and the Win32 code each reaches callers as
/// (RtlNtStatusToDosError; Wine's dlls/ntdll/error.c copies Windows' table).
public struct NTStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let success = NTStatus(rawValue: 0)
    public static let keyDeleted = NTStatus(rawValue: 0xC000_017C)
    /// What Windows 7 and later return on a handle into a force-unloaded hive.
    public static let hiveUnloaded = NTStatus(rawValue: 0xC000_0425)
    public static let cannotDelete = NTStatus(rawValue: 0xC000_0121)
    public static let accessDenied = NTStatus(rawValue: 0xC000_0022)
    public static let objectNameNotFound = NTStatus(rawValue: 0xC000_0034)
    /// A change notification completed by a change (Windows keeps no change buffer for keys).
    public static let notifyEnumDir = NTStatus(rawValue: 0x0000_010C)
    /// A change notification completed because its handle was closed.
    public static let notifyCleanup = NTStatus(rawValue: 0x0000_010B)
    /// A request cancelled, as I/O pending for a thread that ends.
    public static let cancelled = NTStatus(rawValue: 0xC000_0120)

    /// The Win32 code. STATUS_HIVE_UNLOADED → ERROR_KEY_DELETED is what Win32 callers observe
    /// after a forced unload (KB 2287297, Chen) though no published table row shows it;
    /// docs/live-registry.md says more.
    public var win32: Win32Error {
        switch self {
        case .success: .success
        case .keyDeleted, .hiveUnloaded: .keyDeleted
        case .cannotDelete, .accessDenied: .accessDenied
        case .objectNameNotFound: .fileNotFound
        case .notifyEnumDir: Win32Error(rawValue: 1022)  // ERROR_NOTIFY_ENUM_DIR
        case .notifyCleanup: Win32Error(rawValue: 745)  // ERROR_NOTIFY_CLEANUP
        case .cancelled: Win32Error(rawValue: 995)  // ERROR_OPERATION_ABORTED
        default: Win32Error(rawValue: 317)  // ERROR_MR_MID_NOT_FOUND, as for an unmapped status
        }
    }

    /// The status's name and code, as "STATUS_NOTIFY_ENUM_DIR (0x0000010C)".
    public var description: String {
        let names: [NTStatus: String] = [
            .success: "STATUS_SUCCESS", .keyDeleted: "STATUS_KEY_DELETED", .hiveUnloaded: "STATUS_HIVE_UNLOADED",
            .cannotDelete: "STATUS_CANNOT_DELETE", .accessDenied: "STATUS_ACCESS_DENIED",
            .objectNameNotFound: "STATUS_OBJECT_NAME_NOT_FOUND", .notifyEnumDir: "STATUS_NOTIFY_ENUM_DIR",
            .notifyCleanup: "STATUS_NOTIFY_CLEANUP", .cancelled: "STATUS_CANCELLED",
        ]
        let hex = String(rawValue, radix: 16, uppercase: true)
        return "\(names[self] ?? "NTSTATUS") (0x\(String(repeating: "0", count: 8 - hex.count) + hex))"
    }
}
