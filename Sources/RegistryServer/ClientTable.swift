import Locking
import Profiles
import Registry
import Security

/// One end of a client connection, as the service sees it: it can be sent a notice and closed.
public protocol ClientConnection: AnyObject, Sendable {
    func send(_ notice: Notice)
    func close()
}

import Wire

/// The connected processes: who each is (from SO_PEERCRED, or the hello in demo-identity
/// mode), their connections, and each logical thread's impersonation. A process's handles close
/// when its last connection does (as at process exit on Windows).
final class ClientTable: Sendable {
    struct Client {
        var account: Account
        /// The account's token, built once: every call needs it.
        var token: Token
        var executable: String
        /// The Linux identity its file operations run as (nil: the daemon's own, for root).
        var files: FileIdentity?
        var connections: [ObjectIdentifier: any ClientConnection] = [:]
        /// Impersonation per logical thread id (RevertToSelf removes the entry).
        var threads: [UInt32: Token] = [:]
    }

    private let table = Locked<[Int32: Client]>([:])

    /// Adds `connection` to process `pid`; true when the process is new.
    func attach(pid: Int32, account: Account, executable: String, files: FileIdentity?, connection: any ClientConnection) -> Bool {
        table.withLock { clients in
            if clients[pid] == nil || clients[pid]!.account != account || clients[pid]!.files != files {
                clients[pid] = Client(account: account, token: account.token, executable: executable, files: files)
                clients[pid]!.connections[ObjectIdentifier(connection)] = connection
                return true
            }
            clients[pid]!.connections[ObjectIdentifier(connection)] = connection
            return false
        }
    }

    /// Removes `connection`; true when it was the process's last.
    func detach(pid: Int32, connection: any ClientConnection) -> Bool {
        table.withLock { clients in
            guard clients[pid]?.connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return false }
            if clients[pid]!.connections.isEmpty {
                clients[pid] = nil
                return true
            }
            return false
        }
    }

    /// Forgets `pid` and returns its connections (to close).
    func remove(pid: Int32) -> [any ClientConnection] {
        table.withLock { clients in clients.removeValue(forKey: pid).map { Array($0.connections.values) } ?? [] }
    }

    /// Who a call from `thread` of `pid` acts as: its impersonation, else the process's token;
    /// its files always as the process's own Linux user. Nil for a process not attached.
    func caller(pid: Int32, thread: UInt32) -> RegistryCaller? {
        table.withLock { clients in
            guard let c = clients[pid] else { return nil }
            let token = c.threads.isEmpty ? c.token : c.threads[thread] ?? c.token
            return RegistryCaller(process: ProcessID(pid), token: token, files: c.files)
        }
    }

    func setImpersonation(pid: Int32, thread: UInt32, _ token: Token?) {
        table.withLock { $0[pid]?.threads[thread] = token }
    }

    func connections(of pid: Int32) -> [any ClientConnection] {
        table.withLock { clients in clients[pid].map { Array($0.connections.values) } ?? [] }
    }

    var allConnections: [any ClientConnection] { table.withLock { clients in clients.values.flatMap { $0.connections.values } } }

    func client(_ pid: Int32) -> Client? { table.withLock { $0[pid] } }

    /// Processes connected now.
    var count: Int { table.withLock { $0.count } }
}
