/// An access mask: specific rights (low 16 bits; here the key rights), standard rights, and the
/// generic rights that a `GenericMapping` turns into specific ones. Values from winnt.h.
public struct AccessMask: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    // Key-specific rights.
    public static let queryValue = AccessMask(rawValue: 0x0001)        // KEY_QUERY_VALUE
    public static let setValue = AccessMask(rawValue: 0x0002)          // KEY_SET_VALUE
    public static let createSubKey = AccessMask(rawValue: 0x0004)      // KEY_CREATE_SUB_KEY
    public static let enumerateSubKeys = AccessMask(rawValue: 0x0008)  // KEY_ENUMERATE_SUB_KEYS
    public static let notify = AccessMask(rawValue: 0x0010)            // KEY_NOTIFY
    public static let createLink = AccessMask(rawValue: 0x0020)        // KEY_CREATE_LINK
    public static let wow64_64Key = AccessMask(rawValue: 0x0100)       // KEY_WOW64_64KEY
    public static let wow64_32Key = AccessMask(rawValue: 0x0200)       // KEY_WOW64_32KEY

    // Standard rights.
    public static let delete = AccessMask(rawValue: 0x0001_0000)
    public static let readControl = AccessMask(rawValue: 0x0002_0000)
    public static let writeDAC = AccessMask(rawValue: 0x0004_0000)
    public static let writeOwner = AccessMask(rawValue: 0x0008_0000)
    public static let synchronize = AccessMask(rawValue: 0x0010_0000)
    public static let standardRightsRequired = AccessMask(rawValue: 0x000F_0000)

    public static let accessSystemSecurity = AccessMask(rawValue: 0x0100_0000)
    public static let maximumAllowed = AccessMask(rawValue: 0x0200_0000)

    public static let genericAll = AccessMask(rawValue: 0x1000_0000)
    public static let genericExecute = AccessMask(rawValue: 0x2000_0000)
    public static let genericWrite = AccessMask(rawValue: 0x4000_0000)
    public static let genericRead = AccessMask(rawValue: 0x8000_0000)
    public static let generic: AccessMask = [.genericAll, .genericExecute, .genericWrite, .genericRead]

    /// KEY_READ: READ_CONTROL | QUERY_VALUE | ENUMERATE_SUB_KEYS | NOTIFY (0x20019).
    public static let keyRead: AccessMask = [.readControl, .queryValue, .enumerateSubKeys, .notify]
    /// KEY_WRITE: READ_CONTROL | SET_VALUE | CREATE_SUB_KEY (0x20006).
    public static let keyWrite: AccessMask = [.readControl, .setValue, .createSubKey]
    /// KEY_EXECUTE equals KEY_READ.
    public static let keyExecute = keyRead
    /// KEY_ALL_ACCESS (0xF003F).
    public static let keyAllAccess: AccessMask = [.standardRightsRequired, .queryValue, .setValue, .createSubKey,
                                                  .enumerateSubKeys, .notify, .createLink]

    // Mandatory label policy bits (in SYSTEM_MANDATORY_LABEL_ACE masks).
    public static let noWriteUp = AccessMask(rawValue: 0x1)
    public static let noReadUp = AccessMask(rawValue: 0x2)
    public static let noExecuteUp = AccessMask(rawValue: 0x4)

    public var description: String { "0x" + String(rawValue, radix: 16, uppercase: true) }
}

/// What each generic right means for one kind of object (GENERIC_MAPPING).
public struct GenericMapping: Sendable, Hashable {
    public let read: AccessMask, write: AccessMask, execute: AccessMask, all: AccessMask

    public init(read: AccessMask, write: AccessMask, execute: AccessMask, all: AccessMask) {
        self.read = read
        self.write = write
        self.execute = execute
        self.all = all
    }

    /// Registry keys: KEY_READ, KEY_WRITE, KEY_EXECUTE, KEY_ALL_ACCESS (Microsoft, "Registry
    /// Key Security and Access Rights").
    public static let key = GenericMapping(read: .keyRead, write: .keyWrite, execute: .keyExecute, all: .keyAllAccess)

    /// The mask with its generic bits replaced by what they mean (MapGenericMask).
    public func map(_ mask: AccessMask) -> AccessMask {
        var m = mask.subtracting(.generic)
        if mask.contains(.genericRead) { m.formUnion(read) }
        if mask.contains(.genericWrite) { m.formUnion(write) }
        if mask.contains(.genericExecute) { m.formUnion(execute) }
        if mask.contains(.genericAll) { m.formUnion(all) }
        return m
    }
}
