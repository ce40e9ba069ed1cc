
#if canImport(Glibc)
import Glibc
#endif
import Locking
import RegistryClient

/// The process's connection to hivekeeperd, shared by every thread (calls on it overlap; replies
/// are matched by id). Found at `$HIVEKEEPER_SOCKET`, else the default socket
/// (`RegistryClient.defaultSocketPath`). Made at the first call; when the daemon goes away the
/// next call connects again, and the handles of the old connection answer ERROR_INVALID_HANDLE
/// (the daemon closed them with it, as a process's end would).
enum Daemon {
    private struct State {
        var client: RegistryClient?
        /// Which connection is current: each handle remembers the one it came from.
        var epoch: UInt64 = 0
    }

    private static let state = Locked(State())

    /// Registered once, before the first connection: in a forked child the parent's HKEYs are
    /// not the child's (ERROR_INVALID_HANDLE) and the first call connects anew.
    private static let forkHandler: Void = {
        pthread_atfork(nil, nil, { Daemon.forkedChild() })
    }()

    private static func forkedChild() {
        HandleTable.removeAll()
        state.withLock { s in
            s.client = nil
            s.epoch &+= 1
        }
    }

    /// The current connection and its epoch, connecting when there is none. The lock is not held
    /// while connecting: two threads may both connect, and the loser's connection is closed.
    static func connection() async throws(Win32Error) -> (RegistryClient, UInt64) {
        _ = forkHandler
        if let current = state.withLock({ s in s.client.map { ($0, s.epoch) } }) { return current }
        let fresh = try await RegistryClient.connect(socketPath: RegistryClient.defaultSocketPath)
        let (chosen, epoch, won) = state.withLock { s -> (RegistryClient, UInt64, Bool) in
            if let c = s.client { return (c, s.epoch, false) }
            s.client = fresh
            s.epoch &+= 1
            return (fresh, s.epoch, true)
        }
        if won {
            fresh.onGoodbye { _ in forget(epoch) }
        } else {
            fresh.close()
        }
        return (chosen, epoch)
    }

    /// The connection of `epoch` ended: the next call makes a new one.
    static func forget(_ epoch: UInt64) {
        state.withLock { s in
            if s.epoch == epoch { s.client = nil }
        }
    }
}
