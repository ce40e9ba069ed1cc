#if canImport(Glibc)
import Glibc
#endif
import Security

/// A user or service account: a Linux user with a Windows identity.
public struct Account: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var uid: UInt32
    public var sid: SID
    /// Services run as accounts that may impersonate (SeImpersonatePrivilege).
    public var isService: Bool

    public init(name: String, uid: UInt32, sid: SID, isService: Bool = false) {
        self.name = name
        self.uid = uid
        self.sid = sid
        self.isService = isService
    }

    public var description: String { "\(name) (\(sid))" }

    /// The account's token. Users: Users, Everyone, Authenticated Users, Interactive. Services:
    /// also SeImpersonatePrivilege, enabled. LocalSystem: Administrators and the backup,
    /// restore and impersonate privileges, enabled.
    public var token: Token {
        var groups: [SID: GroupAttributes] = [.everyone: .standard, .authenticatedUsers: .standard]
        var privileges: [Privilege: Bool] = [.changeNotify: true]
        if sid == .localSystem {
            groups[.administrators] = .standard
            privileges[.backup] = true
            privileges[.restore] = true
            privileges[.impersonate] = true
        } else {
            groups[.users] = .standard
            if isService { groups[.service] = .standard; privileges[.impersonate] = true } else { groups[.interactive] = .standard }
        }
        return Token(user: sid, groups: groups, privileges: privileges)
    }

    public static let system = Account(name: "SYSTEM", uid: 0, sid: .localSystem, isService: true)

    /// Whether `name` can be an account here: it names the account's profile and roaming
    /// directories, so it must be one plain path component — 1 to 32 characters (Linux's
    /// limit), no slash or backslash, not starting with a dot or a dash, no control characters.
    /// Linux accepts worse (`useradd --badname ../../x`); such a user has no profile here.
    public static func isUsableName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32 && !name.hasPrefix(".") && !name.hasPrefix("-")
            && name.unicodeScalars.allSatisfy { $0 != "/" && $0 != "\\" && $0.value >= 0x20 && $0.value != 0x7F }
    }

    /// An identity no service but LocalSystem may take on by impersonation: LocalSystem (uid 0),
    /// LocalService, NetworkService, and every service account.
    public var isPrivileged: Bool {
        uid == 0 || isService || [SID.localSystem, .localService, .networkService].contains(sid)
    }
}

/// Accounts by name, uid and SID. SIDs follow ARCHITECTURE.md: S-1-5-21-<domain>-<rid> with the
/// site's domain part, so one user has one SID on every machine of the site; **our choice** for
/// the RID is 1000 + the Linux uid (Windows gives accounts RIDs from 1000 up), and uid 0 is
/// LocalSystem.
public struct AccountDirectory: Sendable {
    public let domain: DomainIdentifier
    private var byName: [String: Account] = [:]

    public init(domain: DomainIdentifier) {
        self.domain = domain
        byName["SYSTEM"] = .system
    }

    public func sid(forUID uid: UInt32) -> SID { uid == 0 ? .localSystem : .account(in: domain, rid: 1000 + uid) }

    /// Adds (or replaces) an account for `name` with `uid`.
    @discardableResult
    public mutating func add(name: String, uid: UInt32, isService: Bool = false) -> Account {
        let a = Account(name: name, uid: uid, sid: sid(forUID: uid), isService: isService)
        byName[name] = a
        return a
    }

    /// The account named `name`: a known one, or the Linux user of that name (a service when
    /// `isService` says so, however it was found) — none for a name that cannot name a profile.
    public mutating func account(named name: String, isService: (String) -> Bool = { _ in false }) -> Account? {
        if let a = byName[name] { return a }
        guard Account.isUsableName(name), let pw = getpwnam(name) else { return nil }
        return add(name: name, uid: pw.pointee.pw_uid, isService: isService(name))
    }

    public func account(uid: UInt32) -> Account? { byName.values.first { $0.uid == uid } }
    public func account(sid: SID) -> Account? { byName.values.first { $0.sid == sid } }
}
