import Security
import Testing

/// The access check, case by case. Each case names the documentation it follows:
/// [AC] "How AccessCheck Works" (learn.microsoft.com/windows/win32/secauthz/how-dacls-control-access-to-an-object),
/// [ND] "Null DACLs and Empty DACLs", [OR] "SID Strings"/OWNER RIGHTS and AccessCheck's implicit
/// owner rights, [KR] "Registry Key Security and Access Rights" (generic mapping),
/// [MA] "Requesting Access Rights to an Object" (MAXIMUM_ALLOWED),
/// [BR] RegCreateKeyEx, REG_OPTION_BACKUP_RESTORE, [PV] "Privilege Constants".
struct AccessCheckTests {
    static let alice = SID(authority: 5, [21, 1, 2, 3, 1001])
    static let bob = SID(authority: 5, [21, 1, 2, 3, 1002])
    static let aliceToken = Token(user: alice, groups: [.users: .standard, .everyone: .standard, .authenticatedUsers: .standard])

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let source: String
        let sddl: String
        let token: Token
        let desired: AccessMask
        let intent: AccessIntent
        /// The granted mask, or nil for ERROR_ACCESS_DENIED; 1314 cases use `privilegeNotHeld`.
        let expected: AccessMask?
        var privilegeNotHeld = false
        var testDescription: String { "\(name) [\(source)]" }
    }

    static let cases: [Case] = [
        Case(name: "an allow ACE for a group of the token grants", source: "AC",
             sddl: "O:BAG:SYD:(A;;KR;;;BU)", token: aliceToken, desired: .queryValue, intent: [], expected: .queryValue),
        Case(name: "rights no ACE grants are denied", source: "AC",
             sddl: "O:BAG:SYD:(A;;KR;;;BU)", token: aliceToken, desired: .setValue, intent: [], expected: nil),
        Case(name: "a deny ACE before the allow denies", source: "AC",
             sddl: "O:BAG:SYD:(D;;KW;;;S-1-5-21-1-2-3-1001)(A;;KA;;;BU)", token: aliceToken, desired: .setValue, intent: [], expected: nil),
        Case(name: "a deny ACE after an allow that already granted does not take it back", source: "AC",
             sddl: "O:BAG:SYD:(A;;KA;;;BU)(D;;KW;;;S-1-5-21-1-2-3-1001)", token: aliceToken, desired: .setValue, intent: [], expected: .setValue),
        Case(name: "a deny ACE for rights not asked for does not matter", source: "AC",
             sddl: "O:BAG:SYD:(D;;KW;;;WD)(A;;KR;;;WD)", token: aliceToken, desired: .queryValue, intent: [], expected: .queryValue),
        Case(name: "rights are collected over several allow ACEs", source: "AC",
             sddl: "O:BAG:SYD:(A;;CC;;;BU)(A;;DC;;;WD)", token: aliceToken, desired: [.queryValue, .setValue], intent: [],
             expected: [.queryValue, .setValue]),
        Case(name: "inherit-only ACEs do not apply to the object", source: "AC",
             sddl: "O:BAG:SYD:(A;CIIO;KA;;;BU)", token: aliceToken, desired: .queryValue, intent: [], expected: nil),
        Case(name: "an ACE for another user does not apply", source: "AC",
             sddl: "O:BAG:SYD:(A;;KA;;;S-1-5-21-1-2-3-1002)", token: aliceToken, desired: .queryValue, intent: [], expected: nil),
        Case(name: "a disabled group does not match an allow ACE", source: "AC",
             sddl: "O:BAG:SYD:(A;;KA;;;BA)", token: Token(user: alice, groups: [.administrators: [.mandatory]]),
             desired: .queryValue, intent: [], expected: nil),
        Case(name: "a deny-only group matches a deny ACE", source: "AC",
             sddl: "O:SYG:SYD:(D;;KR;;;BA)(A;;KA;;;WD)", token: Token(user: alice, groups: [.administrators: [.useForDenyOnly], .everyone: .standard]),
             desired: .queryValue, intent: [], expected: nil),
        Case(name: "GENERIC_READ maps to KEY_READ", source: "KR",
             sddl: "O:BAG:SYD:(A;;KR;;;BU)", token: aliceToken, desired: .genericRead, intent: [], expected: .keyRead),
        Case(name: "GENERIC_WRITE is refused when only reading is allowed", source: "KR",
             sddl: "O:BAG:SYD:(A;;KR;;;BU)", token: aliceToken, desired: .genericWrite, intent: [], expected: nil),
        Case(name: "a NULL DACL grants everything", source: "ND",
             sddl: "O:BAG:SYD:NO_ACCESS_CONTROL", token: aliceToken, desired: .keyAllAccess, intent: [], expected: .keyAllAccess),
        Case(name: "an empty DACL grants nothing", source: "ND",
             sddl: "O:BAG:SYD:", token: aliceToken, desired: .queryValue, intent: [], expected: nil),
        Case(name: "the owner gets READ_CONTROL and WRITE_DAC even from an empty DACL", source: "OR",
             sddl: "O:S-1-5-21-1-2-3-1001G:SYD:", token: aliceToken, desired: [.readControl, .writeDAC], intent: [],
             expected: [.readControl, .writeDAC]),
        Case(name: "but nothing else", source: "OR",
             sddl: "O:S-1-5-21-1-2-3-1001G:SYD:", token: aliceToken, desired: .queryValue, intent: [], expected: nil),
        Case(name: "an OWNER RIGHTS ACE replaces the owner's implicit rights", source: "OR",
             sddl: "O:S-1-5-21-1-2-3-1001G:SYD:(A;;RC;;;OW)", token: aliceToken, desired: .writeDAC, intent: [], expected: nil),
        Case(name: "MAXIMUM_ALLOWED grants what the ACEs allow", source: "MA",
             sddl: "O:BAG:SYD:(A;;KR;;;BU)", token: aliceToken, desired: .maximumAllowed, intent: [], expected: .keyRead),
        Case(name: "MAXIMUM_ALLOWED loses what a deny ACE takes first", source: "MA",
             sddl: "O:BAG:SYD:(D;;CC;;;WD)(A;;KR;;;BU)", token: aliceToken, desired: .maximumAllowed, intent: [],
             expected: AccessMask.keyRead.subtracting(.queryValue)),
        Case(name: "MAXIMUM_ALLOWED with nothing allowed is denied", source: "MA",
             sddl: "O:BAG:SYD:(A;;KA;;;BA)", token: aliceToken, desired: .maximumAllowed, intent: [], expected: nil),
        Case(name: "MAXIMUM_ALLOWED with another right asked for fails when that right is missing", source: "MA",
             sddl: "O:BAG:SYD:(A;;KR;;;BU)", token: aliceToken, desired: [.maximumAllowed, .setValue], intent: [], expected: nil),
        Case(name: "ACCESS_SYSTEM_SECURITY without SeSecurityPrivilege", source: "PV",
             sddl: "O:BAG:SYD:(A;;KA;;;WD)", token: aliceToken, desired: .accessSystemSecurity, intent: [], expected: nil,
             privilegeNotHeld: true),
        Case(name: "ACCESS_SYSTEM_SECURITY with SeSecurityPrivilege enabled", source: "PV",
             sddl: "O:BAG:SYD:", token: Token(user: alice, privileges: [.security: true]), desired: .accessSystemSecurity,
             intent: [], expected: .accessSystemSecurity),
        Case(name: "SeTakeOwnershipPrivilege grants WRITE_OWNER", source: "PV",
             sddl: "O:BAG:SYD:", token: Token(user: alice, privileges: [.takeOwnership: true]), desired: .writeOwner,
             intent: [], expected: .writeOwner),
        Case(name: "a held but disabled privilege grants nothing", source: "PV",
             sddl: "O:BAG:SYD:", token: Token(user: alice, privileges: [.takeOwnership: false]), desired: .writeOwner,
             intent: [], expected: nil),
        Case(name: "SeBackupPrivilege with backup intent reads through an empty DACL", source: "BR",
             sddl: "O:BAG:SYD:", token: Token(user: alice, privileges: [.backup: true]), desired: .keyRead,
             intent: .backupRestore, expected: .keyRead),
        Case(name: "SeBackupPrivilege without backup intent does nothing", source: "BR",
             sddl: "O:BAG:SYD:", token: Token(user: alice, privileges: [.backup: true]), desired: .keyRead,
             intent: [], expected: nil),
        Case(name: "SeBackupPrivilege does not grant writing", source: "BR",
             sddl: "O:BAG:SYD:", token: Token(user: alice, privileges: [.backup: true]), desired: .setValue,
             intent: .backupRestore, expected: nil),
        Case(name: "SeRestorePrivilege with restore intent writes and deletes", source: "BR",
             sddl: "O:BAG:SYD:", token: Token(user: alice, privileges: [.restore: true]), desired: [.setValue, .delete],
             intent: .backupRestore, expected: [.setValue, .delete]),
    ]

    @Test(arguments: cases)
    func accessCheck(_ c: Case) throws {
        let sd = try SecurityDescriptor(sddl: c.sddl)
        do {
            let granted = try sd.accessCheck(token: c.token, desired: c.desired, intent: c.intent)
            #expect(granted == c.expected, "granted \(granted)")
        } catch {
            if c.privilegeNotHeld {
                #expect(error == .privilegeNotHeld(.security) && error.win32Code == 1314)
            } else {
                #expect(c.expected == nil, "\(error)")
                if case .accessDenied = error {} else { Issue.record("\(error)") }
                #expect(error.win32Code == 5)
            }
        }
    }
}

/// Inheritance to a new child key, per "ACE Inheritance Rules" and "Creator Owner and Creator
/// Group" (learn.microsoft.com/windows/win32/secauthz/ace-inheritance-rules).
struct InheritanceTests {
    static let creator = Token(user: AccessCheckTests.alice, groups: [.users: .standard], primaryGroup: .users)

    func child(of parentSDDL: String, explicit: String? = nil, container: Bool = true) throws -> String {
        let parent = try SecurityDescriptor(sddl: parentSDDL)
        let e = try explicit.map { t throws(SecurityError) in try SecurityDescriptor(sddl: t) }
        return try SecurityDescriptor.forNewObject(under: parent, explicit: e, creator: Self.creator, isContainer: container).sddl()
    }

    @Test func containerInheritStaysInheritable() throws {
        #expect(try child(of: "O:SYG:SYD:AI(A;CI;KA;;;SY)") == "O:S-1-5-21-1-2-3-1001G:BUD:AI(A;CIID;KA;;;SY)")
    }

    @Test func noPropagateMakesItEffectiveOnly() throws {
        #expect(try child(of: "O:SYG:SYD:(A;CINP;KR;;;BU)") == "O:S-1-5-21-1-2-3-1001G:BUD:(A;ID;KR;;;BU)")
    }

    @Test func objectInheritOnlyPassesAsInheritOnlyToAContainer() throws {
        #expect(try child(of: "O:SYG:SYD:(A;OI;KR;;;BU)") == "O:S-1-5-21-1-2-3-1001G:BUD:(A;OIIOID;KR;;;BU)")
        // With NO_PROPAGATE_INHERIT a container gets nothing from it (here: the default DACL).
        #expect(try child(of: "O:SYG:SYD:(A;OINP;KR;;;BU)") == "O:S-1-5-21-1-2-3-1001G:BUD:(A;;GA;;;S-1-5-21-1-2-3-1001)(A;;GA;;;SY)")
        // A non-container child takes it as effective.
        #expect(try child(of: "O:SYG:SYD:(A;OI;KR;;;BU)", container: false) == "O:S-1-5-21-1-2-3-1001G:BUD:(A;ID;KR;;;BU)")
    }

    @Test func notInheritableAcesStayBehind() throws {
        // Nothing to inherit: the creator's default DACL.
        #expect(try child(of: "O:SYG:SYD:(A;;KA;;;SY)") == "O:S-1-5-21-1-2-3-1001G:BUD:(A;;GA;;;S-1-5-21-1-2-3-1001)(A;;GA;;;SY)")
    }

    @Test func creatorOwnerAndGenericRightsSplitInTwo() throws {
        // The effective copy names the new owner with mapped rights; the inherit-only copy keeps
        // CREATOR OWNER and GENERIC_ALL for grandchildren.
        #expect(try child(of: "O:SYG:SYD:(A;CIIO;GA;;;CO)")
                == "O:S-1-5-21-1-2-3-1001G:BUD:(A;ID;KA;;;S-1-5-21-1-2-3-1001)(A;CIIOID;GA;;;CO)")
    }

    @Test func explicitAcesComeFirstAndProtectionStopsInheritance() throws {
        #expect(try child(of: "O:SYG:SYD:(A;CI;KA;;;SY)", explicit: "D:(A;;KR;;;WD)")
                == "O:S-1-5-21-1-2-3-1001G:BUD:(A;;KR;;;WD)(A;CIID;KA;;;SY)")
        #expect(try child(of: "O:SYG:SYD:(A;CI;KA;;;SY)", explicit: "O:BAD:P(A;;KR;;;WD)")
                == "O:BAG:BUD:P(A;;KR;;;WD)")
    }

    @Test func inheritedAcesAreCheckedLikeAnyOther() throws {
        let parent = try SecurityDescriptor(sddl: "O:SYG:SYD:(A;CIIO;GA;;;CO)(A;CI;KR;;;BU)")
        let sd = SecurityDescriptor.forNewObject(under: parent, creator: Self.creator)
        #expect(try sd.accessCheck(token: Self.creator, desired: .keyAllAccess) == .keyAllAccess)
        let bob = Token(user: AccessCheckTests.bob, groups: [.users: .standard])
        #expect(throws: AccessDenial.self) { try sd.accessCheck(token: bob, desired: .setValue) }
        #expect(try sd.accessCheck(token: bob, desired: .queryValue) == .queryValue)
    }
}
