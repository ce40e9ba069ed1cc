#if canImport(Glibc)
import Glibc
#endif
import Locking
import RegistryClient

/// The process's connections to hivekeeperd: a C thread takes an idle one (or opens one) for
/// each call and puts it back after, so threads never wait for each other's round trips and no
/// lock is held across one. The daemon keeps handles per process, so an HKEY opened on one
/// connection is good on all. Found at `$HIVEKEEPER_SOCKET`, else the default socket.
///
/// `epoch` counts the daemon's lives as this process saw them: when a connection breaks (the
/// daemon went away) the idle ones are dropped, the next call connects anew, and HKEYs of the
/// earlier epoch answer ERROR_INVALID_HANDLE (the daemon forgot them).
enum Pool {
    private struct State {
        var idle: [Connection] = []
        var epoch: UInt64 = 1
        /// Calls in flight: a reply is spun for only when its call is the only one (spinning
        /// threads would take the CPU the daemon needs to answer the others).
        var busy = 0
    }

    private static let state = Locked(State())

    /// Registered at the first call: in a forked child the parent's HKEYs are not the child's
    /// (ERROR_INVALID_HANDLE) and its connections are the parent's (closed here, which leaves
    /// them open in the parent).
    private static let forkHandler: Void = {
        pthread_atfork(nil, nil, { Pool.forkedChild() })
    }()

    private static func forkedChild() {
        HandleTable.removeAll()
        state.withLock { s in
            s.idle.removeAll()
            s.epoch &+= 1
        }
    }

    /// Runs `body` on a connection of the current epoch.
    static func with<T>(_ body: (Client, UInt64) throws(Win32Error) -> T) -> Result<T, Win32Error> {
        _ = forkHandler
        let (taken, epoch, alone) = state.withLock { s in
            s.busy += 1
            return (s.idle.popLast(), s.epoch, s.busy == 1)
        }
        defer { state.withLock { $0.busy -= 1 } }
        let connection: Connection
        if let taken {
            connection = taken
        } else {
            let socket = RegistryClient.defaultSocketPath
            do {
                connection = try Connection.open(socket)
            } catch {
                // Nothing answers: a private daemon for this user (Autostart), then once more.
                guard error == .serverUnavailable, Autostart.enabled, Autostart.start(socket: socket),
                      let started = try? Connection.open(socket) else { return .failure(error) }
                connection = started
            }
        }
        let result: Result<T, Win32Error>
        do {
            result = .success(try body(Client(connection: connection, spin: alone), epoch))
        } catch {
            result = .failure(error)
        }
        state.withLock { s in
            if connection.broken {
                if s.epoch == epoch {
                    s.epoch &+= 1
                    s.idle.removeAll()
                }
            } else if s.epoch == epoch {
                s.idle.append(connection)
            }
        }
        return result
    }
}
