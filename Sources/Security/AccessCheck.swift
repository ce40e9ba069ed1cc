/// Why access was refused, with the Win32 code Windows returns.
public enum AccessDenial: Error, Hashable, Sendable, CustomStringConvertible {
    /// ERROR_ACCESS_DENIED (5): the DACL does not grant every requested right.
    case accessDenied(granted: AccessMask, missing: AccessMask)
    /// ERROR_PRIVILEGE_NOT_HELD (1314): ACCESS_SYSTEM_SECURITY without SeSecurityPrivilege.
    case privilegeNotHeld(Privilege)

    public var win32Code: UInt32 {
        switch self {
        case .accessDenied: 5
        case .privilegeNotHeld: 1314
        }
    }

    public var description: String {
        switch self {
        case let .accessDenied(granted, missing): "access denied (missing \(missing), granted \(granted))"
        case let .privilegeNotHeld(p): "a required privilege is not held: \(p)"
        }
    }
}

/// How an open asks for privileges to stand in for the DACL (REG_OPTION_BACKUP_RESTORE).
public struct AccessIntent: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let backupRestore = AccessIntent(rawValue: 1)
}

extension SecurityDescriptor {
    /// Windows' access check (AccessCheck), for a token asking for `desired` rights:
    ///
    /// 1. Generic rights in `desired` are mapped with `mapping`.
    /// 2. ACCESS_SYSTEM_SECURITY needs SeSecurityPrivilege, else ERROR_PRIVILEGE_NOT_HELD.
    /// 3. Privileges: SeTakeOwnershipPrivilege grants WRITE_OWNER; with backup/restore intent,
    ///    SeBackupPrivilege grants KEY_READ and ACCESS_SYSTEM_SECURITY, SeRestorePrivilege
    ///    KEY_WRITE, DELETE and ACCESS_SYSTEM_SECURITY (RegCreateKeyEx, REG_OPTION_BACKUP_RESTORE).
    /// 4. No DACL, or a NULL one: everything is granted. Otherwise the owner gets READ_CONTROL and
    ///    WRITE_DAC implicitly, unless the DACL has an ACE for OWNER RIGHTS (S-1-3-4).
    /// 5. ACEs in order, inherit-only ones skipped: an access-denied ACE for the token refuses
    ///    any requested right not yet granted; access-allowed ACEs grant until all are granted.
    ///    Rights neither granted nor denied by the end are denied. ("How AccessCheck Works".)
    /// 6. MAXIMUM_ALLOWED: every right some ACE allows before a deny ACE takes it away; fails
    ///    only when nothing at all is granted (or other requested rights are missing).
    ///
    /// Generic rights inside ACE masks are mapped too (Windows maps them when it stores an
    /// effective ACE, so for a stored descriptor this changes nothing).
    ///
    /// Returns the granted mask (without MAXIMUM_ALLOWED), or why not.
    public func accessCheck(token: Token, desired: AccessMask, mapping: GenericMapping = .key,
                            intent: AccessIntent = []) throws(AccessDenial) -> AccessMask {
        let maximum = desired.contains(.maximumAllowed)
        let wanted = mapping.map(desired).subtracting(.maximumAllowed)
        if wanted.isEmpty, !maximum {
            // Asking for nothing is no way around the DACL: it succeeds (granting nothing) only
            // where the token would be granted something. ReactOS's SepAccessCheck denies a
            // zero request outright; Windows opens keys the caller has rights on with access 0
            // (Wine's registry tests do). docs/security.md, "Access check", 8.
            _ = try accessCheck(token: token, desired: .maximumAllowed, mapping: mapping, intent: intent)
            return []
        }

        // Rights that privileges grant whatever the DACL says.
        var privileged: AccessMask = []
        let backup = intent.contains(.backupRestore) && token.isEnabled(.backup)
        let restore = intent.contains(.backupRestore) && token.isEnabled(.restore)
        if wanted.contains(.accessSystemSecurity) {
            guard token.isEnabled(.security) || backup || restore else { throw .privilegeNotHeld(.security) }
            privileged.insert(.accessSystemSecurity)
        }
        if token.isEnabled(.takeOwnership) { privileged.insert(.writeOwner) }
        if backup { privileged.formUnion(.keyRead) }
        if restore { privileged.formUnion(AccessMask.keyWrite.union(.delete)) }
        // MAXIMUM_ALLOWED never includes ACCESS_SYSTEM_SECURITY: that one must be asked for.
        var granted = maximum ? privileged : privileged.intersection(wanted)

        guard let dacl = effectiveDACL else {
            // No DACL, or a NULL one: no protection at all.
            return maximum ? mapping.all.union(granted).union(wanted) : wanted
        }

        let implicit: AccessMask = [.readControl, .writeDAC]
        let ownerRightsACE = dacl.aces.contains { $0.sid == .ownerRights && !$0.flags.contains(.inheritOnly) }
        let isOwner = token.owns(owner)
        if isOwner, !ownerRightsACE { granted.formUnion(maximum ? implicit : implicit.intersection(wanted)) }

        var denied: AccessMask = []
        for ace in dacl.aces where !ace.flags.contains(.inheritOnly) {
            guard let sid = ace.sid else { continue }
            let mask = mapping.map(ace.mask)
            let isOwnerRights = sid == .ownerRights && isOwner
            switch ace.type {
            case .accessAllowed:
                guard token.matchesAllow(sid) || isOwnerRights else { continue }
                let add = mask.subtracting(denied)
                granted.formUnion(maximum ? add : add.intersection(wanted))
            case .accessDenied:
                guard token.matchesDeny(sid) || isOwnerRights else { continue }
                if maximum {
                    denied.formUnion(mask.subtracting(granted))
                } else if !mask.intersection(wanted).subtracting(granted).isEmpty {
                    throw .accessDenied(granted: granted, missing: wanted.subtracting(granted))
                }
            default:
                continue
            }
            if !maximum, granted.isSuperset(of: wanted) { return granted }
        }
        let missing = wanted.subtracting(granted)
        if maximum, granted.isEmpty { throw .accessDenied(granted: [], missing: .maximumAllowed) }
        guard missing.isEmpty else { throw .accessDenied(granted: granted, missing: missing) }
        return granted
    }
}
