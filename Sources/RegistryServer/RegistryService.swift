import Foundation
import Locking
import Logging
import Profiles
import Registry
import Security
import Wire

/// What the daemon does with each client message, apart from sockets: identity at `hello`,
/// registry calls as that process and thread, the profile service's calls, and the clean-up
/// when a process's last connection goes. `Connection` feeds it from SwiftNIO.
public final class RegistryService: Sendable {
    public let machine: Machine
    public let profiles: ProfileService
    public let events: EventLog
    public let configuration: DaemonConfiguration
    let clients = ClientTable()
    let logger: Logger
    /// Open connections by the peer's uid (root's are not counted).
    private let connectionsByUser = Locked<[UInt32: Int]>([:])
    /// Demo-identity accounts get uids from here (they are not Linux users).
    private let demoUIDs = Counter(start: 60_000)

    public init(machine: Machine, profiles: ProfileService, events: EventLog, configuration: DaemonConfiguration, logger: Logger) {
        self.machine = machine
        self.profiles = profiles
        self.events = events
        self.configuration = configuration
        self.logger = logger
        let services = configuration.serviceAccounts
        machine.setServiceAccounts { services.contains($0) }
        machine.setProcessTerminator { [clients, configuration, logger] process in
            let connections = clients.remove(pid: process.pid.rawValue)
            for c in connections {
                c.send(.goodbye(reason: "session \(process.session.map(String.init) ?? "?") logged off"))
                c.close()
            }
            if configuration.terminateProcesses {
                ProcessSignals.terminate(pid: process.pid.rawValue, killAfter: configuration.killDelay, logger: logger)
            }
        }
    }

    var registry: Registry { machine.registry }

    /// The reply to a message: now (registry calls: short, under the registry's lock) or later
    /// (profile calls: a logoff waits out its grace period without holding anything up).
    public enum Answer: Sendable {
        case now(ServerFrame)
        case later(@Sendable () async -> ServerFrame)
    }

    // MARK: Identity

    /// The connection's first message: checks the version and decides who the peer is — the
    /// uid and pid the kernel reported, or in demo-identity mode the account it names.
    public func hello(pid: Int32, uid: UInt32, version: UInt16, demoIdentity: String?, executable: String?,
                      connection: any ClientConnection) async throws(Win32Error) -> Welcome {
        guard version == WireProtocol.version else { throw .invalidParameter }
        let account: Account
        if let name = demoIdentity {
            guard configuration.demoIdentity else { throw .accessDenied }
            guard let a = demoAccount(name) else { throw .noneMapped }
            account = a
        } else {
            guard let a = machine.account(uid: uid) else { throw .noneMapped }
            account = a
        }
        let exe = demoIdentity != nil ? (executable ?? ProcessSignals.executable(of: pid)) : ProcessSignals.executable(of: pid)
        var session: Int?
        if !account.isService {
            session = await profiles.activeSessions.filter { $0.value == account }.keys.max()
        }
        // Files it names are opened with the rights of the uid the kernel reported, whoever it
        // says it is (demo identity) or impersonates: root's own only for root.
        let files = uid == 0 ? nil : (FileIdentity.user(uid: uid) ?? FileIdentity(uid: uid, gid: Self.nogroup, groups: []))
        if clients.attach(pid: pid, account: account, executable: exe, files: files, connection: connection) {
            let id = ProcessID(pid)
            if account.isService && account.sid != .localSystem {
                machine.startService("\(account.name)#\(pid)", executable: exe, as: account, pid: id) { [clients] change in
                    for c in clients.connections(of: pid) {
                        c.send(.sessionChange(code: change.wtsCode, session: UInt32(change.session)))
                    }
                }
            } else {
                machine.startProcess(exe, as: account, session: session, pid: id)
            }
            logger.info("process connected", metadata: ["pid": "\(pid)", "account": "\(account.name)", "session": "\(session.map(String.init) ?? "-")"])
        }
        return Welcome(pid: pid, account: account.name, sid: account.sid.description,
                       session: machine.process(ProcessID(pid))?.session.map { UInt32($0) }, demoIdentity: configuration.demoIdentity)
    }

    /// The account named `name`: a Linux user's, or in demo-identity mode any name (made up
    /// on first use).
    func account(named name: String) -> Account? {
        configuration.demoIdentity ? demoAccount(name) : machine.account(named: name)
    }

    /// A demo identity; names that could not name a profile (`Account.isUsableName`) map to none.
    private func demoAccount(_ name: String) -> Account? {
        if name.uppercased() == "SYSTEM" { return .system }
        guard Account.isUsableName(name) else { return nil }
        if let a = machine.account(named: name) { return a }
        return machine.addAccount(name: name, uid: UInt32(demoUIDs.next()), isService: configuration.serviceAccounts.contains(name))
    }

    /// A new connection from `uid`: false when that user holds `maxConnectionsPerUser` already
    /// (the connection is then closed at once). Root is not limited.
    func admit(uid: UInt32) -> Bool {
        guard uid != 0 else { return true }
        let limit = configuration.maxConnectionsPerUser
        return connectionsByUser.withLock { counts in
            guard counts[uid, default: 0] < limit else { return false }
            counts[uid, default: 0] += 1
            return true
        }
    }

    /// An admitted connection of `uid` closed.
    func release(uid: UInt32) {
        guard uid != 0 else { return }
        connectionsByUser.withLock { counts in
            counts[uid, default: 1] -= 1
            if counts[uid]! <= 0 { counts[uid] = nil }
        }
    }

    /// A connection closed; the process's last one ends the process (its handles close).
    public func disconnected(pid: Int32, connection: any ClientConnection) {
        if clients.detach(pid: pid, connection: connection) {
            machine.endProcess(ProcessID(pid))
            logger.info("process disconnected", metadata: ["pid": "\(pid)"])
        }
    }

    /// Tells every client the daemon is going and closes their connections.
    public func sayGoodbye(_ reason: String) {
        for c in clients.allConnections {
            c.send(.goodbye(reason: reason))
            c.close()
        }
    }

    func caller(_ pid: Int32, _ thread: UInt32) throws(Win32Error) -> RegistryCaller {
        guard let caller = clients.caller(pid: pid, thread: thread) else { throw .invalidHandle }
        return caller
    }

    /// The group of a uid the user database does not know: no group's rights.
    static let nogroup: UInt32 = 65_534
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let value: Locked<Int>
    init(start: Int) { value = Locked(start) }
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

extension SessionChange {
    var session: Int {
        switch self {
        case let .logon(s), let .logoff(s): s
        }
    }
}
