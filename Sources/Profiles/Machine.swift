import Foundation
import Locking
import Registry
import Security

/// A running process, as the profile machinery knows it.
public struct RunningProcess: Sendable, Hashable {
    public var pid: ProcessID
    public var executable: String
    public var account: Account
    /// The logon session it belongs to (nil for services and system processes).
    public var session: Int?
}

/// SERVICE_CONTROL_SESSIONCHANGE's event, with the WTS code (windows-semantics.md §9).
public enum SessionChange: Sendable, Hashable {
    case logon(session: Int)
    case logoff(session: Int)

    public var wtsCode: UInt32 {
        switch self {
        case .logon: 5  // WTS_SESSION_LOGON
        case .logoff: 6  // WTS_SESSION_LOGOFF
        }
    }
}

/// How a process's HKEY_CURRENT_USER cache was bound: the fact Windows never reports.
public struct CurrentUserBinding: Sendable, Hashable {
    public var user: SID
    public var impersonating: Bool
    public var time: Date
    public var path: String
}

/// Errors of the profile layer.
public enum ProfileError: Error, Hashable, Sendable {
    case registry(Win32Error)
    case privilegeNotHeld(Privilege)
    case noSuchProcess(ProcessID)
    case noSuchSession(Int)
    case store(String)
}

extension ProfileError: CustomStringConvertible {
    /// What a person reads (the daemon's start failure, say): the code and its detail.
    public var description: String {
        switch self {
        case let .registry(e): e.message
        case let .privilegeNotHeld(p): "\(Win32Error.privilegeNotHeld): \(p)"
        case let .noSuchProcess(p): "no such process: \(p)"
        case let .noSuchSession(s): "\(Win32Error.noSuchLogonSession): session \(s)"
        case let .store(reason): reason
        }
    }
}

/// The identity of the calling logical thread: the token it impersonates, if any
/// (ARCHITECTURE.md "Threads and identity": task-local in-process).
public enum ThreadIdentity {
    @TaskLocal public static var impersonation: Token?
}

/// The machine's processes, services and accounts, and how each call's identity is made:
/// the process's own token, or the thread's impersonation token. Installs HKEY_CURRENT_USER's
/// resolution into the registry.
public final class Machine: Sendable {
    public let registry: Registry
    private let state: Locked<State>
    let now: @Sendable () -> Date

    /// What the machine knows, behind one lock.
    private struct State {
        var accountDirectory: AccountDirectory
        var processes: [ProcessID: RunningProcess] = [:]
        var services: [String: (pid: ProcessID, handler: @Sendable (SessionChange) -> Void)] = [:]
        var bindings: [ProcessID: CurrentUserBinding] = [:]
        /// HKU\<SID> paths loaded (kept here: the resolver runs under the registry's lock and must
        /// not call back into it).
        var loadedUserHives = Set<String>()
        var isServiceAccount: @Sendable (String) -> Bool = { _ in false }
        /// Users with logon sessions, and how many each has.
        var loggedOn: [SID: Int] = [:]
        /// The users whose tokens each (non-SYSTEM) process has had by impersonating them.
        var heldTokens: [ProcessID: Set<SID>] = [:]
        var nextPID: Int32 = 1000
        var terminator: (@Sendable (RunningProcess) -> Void)?
    }

    public init(registry: Registry, domain: DomainIdentifier, now: @escaping @Sendable () -> Date = { Date() }) {
        self.registry = registry
        state = Locked(State(accountDirectory: AccountDirectory(domain: domain)))
        self.now = now
        registry.setCurrentUserResolver { [weak self] caller in self?.resolveCurrentUser(caller) }
    }

    // MARK: Accounts

    @discardableResult
    public func addAccount(name: String, uid: UInt32, isService: Bool = false) -> Account {
        state.withLock { s in s.accountDirectory.add(name: name, uid: uid, isService: isService) }
    }

    public func account(named name: String) -> Account? {
        state.withLock { s in s.accountDirectory.account(named: name, isService: s.isServiceAccount) }
    }

    /// Which Linux account names are service accounts (the daemon's configuration).
    public func setServiceAccounts(_ isService: @escaping @Sendable (String) -> Bool) {
        state.withLock { s in s.isServiceAccount = isService }
    }

    /// The known account whose SID is `sid`.
    public func account(sid: SID) -> Account? { state.withLock { s in s.accountDirectory.account(sid: sid) } }

    /// The account of Linux user `uid` (uid 0 is LocalSystem), added from the user database when
    /// first seen (a service when `setServiceAccounts` says so); none for a name that cannot
    /// name a profile (`Account.isUsableName`).
    public func account(uid: UInt32) -> Account? {
        state.withLock { s in
            if uid == 0 { return .system }
            if let a = s.accountDirectory.account(uid: uid) { return a }
            guard let pw = getpwuid(uid), let cName = pw.pointee.pw_name else { return nil }
            let name = String(cString: cName)
            guard Account.isUsableName(name) else { return nil }
            return s.accountDirectory.add(name: name, uid: uid, isService: s.isServiceAccount(name))
        }
    }

    // MARK: Processes and services

    /// Starts (registers) a process; its pid is `pid` or the next free one.
    @discardableResult
    public func startProcess(_ executable: String, as account: Account, session: Int? = nil, pid: ProcessID? = nil) -> RunningProcess {
        state.withLock { s in
            let id: ProcessID
            if let pid {
                id = pid
            } else {
                s.nextPID += 1
                id = ProcessID(s.nextPID)
            }
            let p = RunningProcess(pid: id, executable: executable, account: account, session: session)
            s.processes[id] = p
            return p
        }
    }

    /// Starts a service process whose session-change handler gets logon and logoff events.
    @discardableResult
    public func startService(_ name: String, executable: String, as account: Account, pid: ProcessID? = nil,
                             onSessionChange handler: @escaping @Sendable (SessionChange) -> Void) -> RunningProcess {
        let p = startProcess(executable, as: account, pid: pid)
        state.withLock { s in s.services[name] = (p.pid, handler) }
        return p
    }

    /// How a logoff ends a session's process for real (the daemon: close its connections, then
    /// SIGTERM and SIGKILL); called before the machine forgets the process.
    public func setProcessTerminator(_ body: (@Sendable (RunningProcess) -> Void)?) {
        state.withLock { s in s.terminator = body }
    }

    /// A logoff ends `process`: the terminator runs, then the process is forgotten.
    func terminateSessionProcess(_ process: RunningProcess) {
        let t = state.withLock { s in s.terminator }
        t?(process)
        endProcess(process.pid)
    }

    /// A process ends: its handles close and its HKCU binding goes.
    public func endProcess(_ pid: ProcessID) {
        state.withLock { s in
            s.processes[pid] = nil
            s.bindings[pid] = nil
            s.heldTokens[pid] = nil
            for (name, service) in s.services where service.pid == pid { s.services[name] = nil }
        }
        registry.processExited(pid)
    }

    public func process(_ pid: ProcessID) -> RunningProcess? { state.withLock { s in s.processes[pid] } }

    public func processes(inSession session: Int) -> [RunningProcess] {
        state.withLock { s in s.processes.values.filter { $0.session == session }.sorted { $0.pid.rawValue < $1.pid.rawValue } }
    }

    /// Sends `change` to every service, in name order; returns who was told.
    func notifyServices(_ change: SessionChange) -> [String] {
        let targets = state.withLock { s in s.services.sorted { $0.key < $1.key } }
        for (_, s) in targets { s.handler(change) }
        return targets.map(\.key)
    }

    // MARK: Identity

    /// The registry caller for the current logical thread of `pid`: its impersonation token when
    /// impersonating, the process's own otherwise.
    public func caller(_ pid: ProcessID) throws(ProfileError) -> RegistryCaller {
        guard let p = process(pid) else { throw .noSuchProcess(pid) }
        return RegistryCaller(process: pid, token: ThreadIdentity.impersonation ?? p.account.token)
    }

    /// Runs `body` impersonating `account` on the current logical thread of `pid`, which needs
    /// SeImpersonatePrivilege (ImpersonateLoggedOnUser's rule for a token of another user).
    public func impersonate<R>(_ account: Account, in pid: ProcessID, _ body: () async throws -> R) async throws -> R {
        let token = try impersonationToken(for: account, in: pid)
        return try await ThreadIdentity.$impersonation.withValue(token) { try await body() }
    }

    /// The token a thread of `pid` gets by impersonating `account` (for callers that keep
    /// per-thread state themselves, as the daemon does); needs SeImpersonatePrivilege.
    ///
    /// LocalSystem may impersonate anyone. Any other service may impersonate only a user with a
    /// live logon session on this machine (a token it could have been handed, as Windows hands
    /// a service a logged-on user's token), never LocalSystem, LocalService, NetworkService, uid
    /// 0 or another service: ERROR_ACCESS_DENIED for those, ERROR_NO_SUCH_LOGON_SESSION for a
    /// user who is not logged on. A token once had stays the process's (a token handle on
    /// Windows outlives the logon it came from: the seed's service meets ERROR_KEY_DELETED by
    /// impersonating alice again after her logoff) until the process ends.
    /// docs/security.md, "Impersonation".
    public func impersonationToken(for account: Account, in pid: ProcessID) throws(ProfileError) -> Token {
        guard let p = process(pid) else { throw .noSuchProcess(pid) }
        guard p.account.token.isEnabled(.impersonate) else { throw .privilegeNotHeld(.impersonate) }
        if p.account.sid == .localSystem { return account.token }
        guard !account.isPrivileged else { throw .registry(.accessDenied) }
        let granted = state.withLock { s in
            if s.heldTokens[pid]?.contains(account.sid) == true { return true }
            guard s.loggedOn[account.sid] != nil else { return false }
            s.heldTokens[pid, default: []].insert(account.sid)
            return true
        }
        guard granted else { throw .registry(.noSuchLogonSession) }
        return account.token
    }

    /// A logon session of `sid` began (true) or ended (false).
    func logonSession(of sid: SID, began: Bool) {
        state.withLock { s in
            s.loggedOn[sid, default: 0] += began ? 1 : -1
            if (s.loggedOn[sid] ?? 0) <= 0 { s.loggedOn[sid] = nil }
        }
    }

    // MARK: HKEY_CURRENT_USER

    /// The registry's question at a process's first HKCU use ([PK]): the user of the calling
    /// thread's token, HKU\<SID> when that hive is loaded, HKU\.DEFAULT otherwise.
    private func resolveCurrentUser(_ caller: RegistryCaller) -> String? {
        state.withLock { s in
            let sid = caller.token.user
            let userPath = "\\REGISTRY\\USER\\\(sid)"
            let path = s.loadedUserHives.contains(userPath.uppercased()) ? userPath : "\\REGISTRY\\USER\\.DEFAULT"
            let own = s.processes[caller.process]?.account.sid
            s.bindings[caller.process] = CurrentUserBinding(user: sid, impersonating: own != nil && own != sid, time: now(), path: path)
            return path
        }
    }

    /// How `pid`'s HKCU cache was bound, if it was.
    public func currentUserBinding(of pid: ProcessID) -> CurrentUserBinding? { state.withLock { s in s.bindings[pid] } }

    func userHiveLoaded(_ path: String, _ loaded: Bool) {
        state.withLock { s in
            if loaded { s.loadedUserHives.insert(path.uppercased()) } else { s.loadedUserHives.remove(path.uppercased()) }
        }
    }

    /// RegOpenCurrentUser: a new handle to HKU\<SID> of the calling thread's user (HKU\.DEFAULT
    /// when that hive is not loaded), never the cached HKCU ([D-RegOpenCurrentUser]).
    public func openCurrentUser(_ pid: ProcessID, access: AccessMask) throws(ProfileError) -> KeyHandle {
        let c = try caller(pid)
        let sid = c.token.user.description
        let loaded = state.withLock { s in s.loadedUserHives.contains("\\REGISTRY\\USER\\\(sid)".uppercased()) }
        do {
            return try registry.openKey(.users, loaded ? sid : ".DEFAULT", access: access, as: c)
        } catch {
            throw .registry(error)
        }
    }

    /// RegDisablePredefinedCache for `pid`.
    public func disablePredefinedCache(_ pid: ProcessID) throws(ProfileError) {
        registry.disablePredefinedCache(as: try caller(pid))
        _ = state.withLock { s in s.bindings.removeValue(forKey: pid) }
    }
}
