/// An HKEY: a number in one process's handle table, or one of the predefined keys.
public struct KeyHandle: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let classesRoot = KeyHandle(rawValue: 0x8000_0000)
    public static let currentUser = KeyHandle(rawValue: 0x8000_0001)
    public static let localMachine = KeyHandle(rawValue: 0x8000_0002)
    public static let users = KeyHandle(rawValue: 0x8000_0003)
    public static let currentConfig = KeyHandle(rawValue: 0x8000_0005)

    @available(*, unavailable, renamed: "classesRoot") public static var HKEY_CLASSES_ROOT: KeyHandle { .classesRoot }
    @available(*, unavailable, renamed: "currentUser") public static var HKEY_CURRENT_USER: KeyHandle { .currentUser }
    @available(*, unavailable, renamed: "localMachine") public static var HKEY_LOCAL_MACHINE: KeyHandle { .localMachine }
    @available(*, unavailable, renamed: "users") public static var HKEY_USERS: KeyHandle { .users }
    @available(*, unavailable, renamed: "currentConfig") public static var HKEY_CURRENT_CONFIG: KeyHandle { .currentConfig }

    public var isPredefined: Bool { rawValue & 0x8000_0000 != 0 }

    public var description: String {
        switch self {
        case .classesRoot: "HKEY_CLASSES_ROOT"
        case .currentUser: "HKEY_CURRENT_USER"
        case .localMachine: "HKEY_LOCAL_MACHINE"
        case .users: "HKEY_USERS"
        case .currentConfig: "HKEY_CURRENT_CONFIG"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// A process, as the registry knows it: the owner of a handle table.
public struct ProcessID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// REG_OPTION_* for open and create.
public struct KeyOptions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// REG_OPTION_VOLATILE: the key lives in memory only and is gone when its hive unloads.
    public static let volatile = KeyOptions(rawValue: 0x1)
    /// REG_OPTION_CREATE_LINK: the new key is a symbolic link (its target goes in the value
    /// SymbolicLinkValue, REG_LINK).
    public static let createLink = KeyOptions(rawValue: 0x2)
    /// REG_OPTION_OPEN_LINK: open a link key itself rather than what it points to.
    public static let openLink = KeyOptions(rawValue: 0x8)
    /// REG_OPTION_BACKUP_RESTORE: SeBackupPrivilege / SeRestorePrivilege stand in for the DACL.
    public static let backupRestore = KeyOptions(rawValue: 0x4)
}

/// What RegCreateKeyEx did.
public enum Disposition: UInt32, Sendable {
    case createdNewKey = 1  // REG_CREATED_NEW_KEY
    case openedExistingKey = 2  // REG_OPENED_EXISTING_KEY
}
