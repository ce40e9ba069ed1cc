/// A privilege, by its Windows name ("SeBackupPrivilege").
public struct Privilege: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Read any object, whatever its DACL, when opening with backup intent.
    public static let backup = Privilege(rawValue: "SeBackupPrivilege")
    /// Write any object, whatever its DACL, when opening with restore intent; load and unload hives.
    public static let restore = Privilege(rawValue: "SeRestorePrivilege")
    /// Impersonate a client after authentication.
    public static let impersonate = Privilege(rawValue: "SeImpersonatePrivilege")
    /// Take ownership of any object (grants WRITE_OWNER).
    public static let takeOwnership = Privilege(rawValue: "SeTakeOwnershipPrivilege")
    /// Read and write SACLs (ACCESS_SYSTEM_SECURITY).
    public static let security = Privilege(rawValue: "SeSecurityPrivilege")
    public static let changeNotify = Privilege(rawValue: "SeChangeNotifyPrivilege")
    public static let tcb = Privilege(rawValue: "SeTcbPrivilege")
}

/// Attributes of a group in a token (SE_GROUP_*).
public struct GroupAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let mandatory = Self(rawValue: 0x1)
    public static let enabledByDefault = Self(rawValue: 0x2)
    public static let enabled = Self(rawValue: 0x4)
    public static let owner = Self(rawValue: 0x8)
    /// Matches deny ACEs only (a restricted token's disabled group).
    public static let useForDenyOnly = Self(rawValue: 0x10)
    public static let logonID = Self(rawValue: 0xC000_0000)
    public static let standard: GroupAttributes = [.mandatory, .enabledByDefault, .enabled]
}

/// Who a thread acts as: a user, groups, privileges (each enabled or not), and what a new object
/// it creates gets by default (owner, primary group, DACL).
public struct Token: Hashable, Sendable {
    public var user: SID
    public var groups: [SID: GroupAttributes]
    /// Held privileges; the value says whether each is enabled (only enabled ones take effect).
    public var privileges: [Privilege: Bool]
    /// The owner of objects this token creates (the user, or a group marked `owner`).
    public var owner: SID
    public var primaryGroup: SID
    /// The DACL of objects created with nothing to inherit.
    public var defaultDACL: ACL?

    public init(user: SID, groups: [SID: GroupAttributes] = [:], privileges: [Privilege: Bool] = [:],
                owner: SID? = nil, primaryGroup: SID? = nil, defaultDACL: ACL? = nil) {
        self.user = user
        self.groups = groups
        self.privileges = privileges
        self.owner = owner ?? user
        self.primaryGroup = primaryGroup ?? user
        self.defaultDACL = defaultDACL ?? ACL([.allow(user, .genericAll), .allow(.localSystem, .genericAll)])
    }

    public func isEnabled(_ p: Privilege) -> Bool { privileges[p] == true }

    /// True when an allow ACE for `sid` applies: the user or an enabled group (not deny-only).
    func matchesAllow(_ sid: SID) -> Bool {
        if sid == user { return true }
        guard let a = groups[sid] else { return false }
        return a.contains(.enabled) && !a.contains(.useForDenyOnly)
    }

    /// True when a deny ACE for `sid` applies: the user, an enabled group or a deny-only one.
    func matchesDeny(_ sid: SID) -> Bool {
        if sid == user { return true }
        guard let a = groups[sid] else { return false }
        return a.contains(.enabled) || a.contains(.useForDenyOnly)
    }

    /// True when the token is the descriptor's owner (its user or one of its enabled groups).
    func owns(_ owner: SID?) -> Bool {
        guard let owner else { return false }
        return matchesAllow(owner)
    }
}
