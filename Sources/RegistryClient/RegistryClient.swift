#if canImport(Glibc)
import Glibc
#endif
import Locking
import RegistryInterface
import Wire

/// The registry over hivekeeperd's socket, mirroring the in-process `Registry` API: the same
/// handles, access masks and Win32 errors. The daemon knows who we are from the socket; the
/// logical thread (for impersonation) travels with each call — `impersonate(_:_:)` runs its
/// body on a thread of its own, as ImpersonateLoggedOnUser … RevertToSelf would.
///
/// One connection, open until `close()` (or the process's end); calls may overlap (replies are
/// matched by id). The process's connections share one I/O thread (`ClientLoop`); code making
/// many calls runs fastest on it, under `withTaskExecutorPreference(RegistryClient.executor)`.
/// When the daemon goes away,
/// calls fail with RPC_S_CALL_FAILED and `goodbye` handlers run; connect again to go on (the
/// daemon forgot this process's handles, as a Windows process's end would).
public final class RegistryClient: ClientLoop.Reader, @unchecked Sendable {  // `decoder` is touched only on the loop's thread; the rest is immutable or in `state`
    public let welcome: Welcome
    private let socket: ClientSocket

    private struct State {
        var pending: [UInt32: UnsafeContinuation<ServerFrame, Never>] = [:]
        var nextID: UInt32 = 1
        var closed = false
        var closeReason = RegistryClient.closedReason
        var sessionHandlers: [@Sendable (_ code: UInt32, _ session: UInt32) -> Void] = []
        var goodbyeHandlers: [@Sendable (String) -> Void] = []
        /// Change notifications registered and not yet signalled, by the id of the request that made them.
        var watches: [UInt32: ChangeNotification] = [:]
        var hasEnded = false
    }

    private static let closedReason = "the connection to hivekeeperd closed"
    private let state = Locked(State())
    /// Writes take their own lock: a write blocked on a full socket must not keep the loop's
    /// thread from taking replies off it (which is what unblocks the daemon's side).
    private let writeLock = Locked(())
    /// Touched only on the loop's thread.
    private var decoder: FrameDecoder

    /// The logical thread a call comes from (0: the process's main thread).
    @TaskLocal public static var thread: UInt32 = 0
    private static let threadIDs = ThreadIDs()

    /// The default socket: root's daemon at /run/hivekeeper/socket, a user's under
    /// $XDG_RUNTIME_DIR (ARCHITECTURE.md); $HIVEKEEPER_SOCKET overrides both.
    public static var defaultSocketPath: String {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        if let s = env("HIVEKEEPER_SOCKET"), !s.isEmpty { return s }
        if getuid() == 0 { return "/run/hivekeeper/socket" }
        return (env("XDG_RUNTIME_DIR") ?? "/tmp/hivekeeper-\(getuid())") + "/hivekeeper/socket"
    }

    /// Connects and says hello. `demoIdentity` names the account to act as; only a daemon in
    /// demo-identity mode accepts it.
    public static func connect(socketPath: String = RegistryClient.defaultSocketPath, demoIdentity: String? = nil,
                               executable: String? = nil) async throws(Win32Error) -> RegistryClient {
        let socket = try ClientSocket.connect(path: socketPath)
        let connection = Pending(socket: socket)
        let hello = ClientFrame(id: 0, thread: 0, request: .hello(version: WireProtocol.version, demoIdentity: demoIdentity,
                                                                  executable: executable ?? CommandLine.arguments.first))
        guard socket.write(hello.framed()) else {
            socket.closeSocket()
            throw .serverUnavailable
        }
        // The welcome is read here, before the reader thread starts.
        let frame = connection.readOne()
        switch frame {
        case let .reply(_, .welcome(w))?:
            return RegistryClient(socket: socket, welcome: w, decoder: connection.decoder)
        case let .failure(_, code, message)?:
            socket.closeSocket()
            throw Win32Error(rawValue: code, message: message)
        default:
            socket.closeSocket()
            throw .serverUnavailable
        }
    }

    /// The executor of the process's client I/O thread: tasks preferring it get their replies
    /// without a thread hop. Keep what runs there short — it holds up every connection's replies.
    public static var executor: any TaskExecutor { ClientLoop.shared }

    private init(socket: ClientSocket, welcome: Welcome, decoder: FrameDecoder) {
        self.socket = socket
        self.welcome = welcome
        self.decoder = decoder
        // Notices that came with the welcome (before the loop reads for us).
        received(UnsafeRawBufferPointer(start: nil, count: 0))
        ClientLoop.shared.add(socket.fd, self)
    }

    deinit {
        ClientLoop.shared.remove(socket.fd)
        socket.shutdownBoth()
        socket.closeSocket()
    }

    /// Closes the connection (the daemon closes this process's handles when it was the last).
    public func close() {
        socket.shutdownBoth()
    }

    /// Runs `handler` for each session change the daemon pushes (service accounts receive them).
    public func onSessionChange(_ handler: @escaping @Sendable (_ code: UInt32, _ session: UInt32) -> Void) {
        state.withLock { $0.sessionHandlers.append(handler) }
    }

    /// Runs `handler` when the daemon says goodbye or the connection ends.
    public func onGoodbye(_ handler: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.goodbyeHandlers.append(handler) }
    }

    // MARK: Calls

    /// Sends `request` and waits for its reply. `notification`, when given, is filed under the
    /// request's id before the request leaves, so a notice for it can never arrive unclaimed.
    func call(_ request: Request, notification: ChangeNotification? = nil) async throws(Win32Error) -> Payload {
        let thread = RegistryClient.thread
        // Resumed exactly once: whoever takes it out of `pending` (under the lock) resumes it.
        let frame: ServerFrame = await withUnsafeContinuation { (c: UnsafeContinuation<ServerFrame, Never>) in
            let (id, isClosed): (UInt32, Bool) = state.withLock { s in
                if s.closed { return (0, true) }
                let id = s.nextID
                s.nextID &+= 1
                if s.nextID == 0 { s.nextID = 1 }
                s.pending[id] = c
                if let notification { s.watches[id] = notification }
                return (id, false)
            }
            if isClosed {
                c.resume(returning: .failure(id: 0, code: Win32Error.callFailed.rawValue, message: "not connected"))
                return
            }
            let bytes = ClientFrame(id: id, thread: thread, request: request).framed()
            // Whole frames only: writes from several tasks must not interleave.
            let ok = write(bytes)
            if !ok, let c = state.withLock({ $0.pending.removeValue(forKey: id) }) {
                c.resume(returning: .failure(id: id, code: Win32Error.callFailed.rawValue, message: "the connection closed"))
            }
        }
        switch frame {
        case let .reply(_, payload): return payload
        case let .failure(id, code, message):
            if notification != nil { state.withLock { _ = $0.watches.removeValue(forKey: id) } }
            throw Win32Error(rawValue: code, message: message)
        case .notice: throw .callFailed
        }
    }

    /// Writes a whole frame. On the loop's thread a full socket must not block it — it is the
    /// thread that reads the replies the daemon waits to send — so there the write reads while it
    /// waits.
    private func write(_ bytes: [UInt8]) -> Bool {
        guard ClientLoop.shared.isCurrent else { return writeLock.withLock { _ in socket.write(bytes) } }
        let fd = socket.fd
        while true {
            if let ok = writeLock.withLockIfAvailable({ _ in socket.write(bytes) { ClientLoop.shared.waitAndRead(fd) } }) {
                return ok
            }
            guard ClientLoop.shared.waitAndRead(fd) else { return false }
        }
    }

    // MARK: ClientLoop.Reader (on the loop's thread)

    var awaitsReply: Bool { state.withLock { !$0.pending.isEmpty } }

    func received(_ bytes: UnsafeRawBufferPointer) {
        decoder.append(bytes)
        do {
            while let body = try decoder.next() { deliver(try ServerFrame(decoding: body)) }
        } catch {
            ClientLoop.shared.remove(socket.fd)
            socket.shutdownBoth()
            ended("hivekeeperd sent a malformed frame: \(error)")
        }
    }

    func ended(_ reason: String) {
        let (waiting, handlers, said, notifications) = state.withLock { s in
            if s.hasEnded { return ([UnsafeContinuation<ServerFrame, Never>](), [@Sendable (String) -> Void](), "", [ChangeNotification]()) }
            s.hasEnded = true
            s.closed = true
            defer { s.pending = [:]; s.watches = [:] }
            return (Array(s.pending.values), s.goodbyeHandlers, s.closeReason, Array(s.watches.values))
        }
        for c in waiting { c.resume(returning: .failure(id: 0, code: Win32Error.callFailed.rawValue, message: reason)) }
        // The daemon closed this connection's handles with it: their waits end as a close ends them.
        for n in notifications { n.complete(.notifyCleanup) }
        if said == Self.closedReason { for h in handlers { h(reason) } }
    }

    private func deliver(_ frame: ServerFrame) {
        switch frame {
        case let .reply(id, _), let .failure(id, _, _):
            state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: frame)
        case let .notice(.sessionChange(code, session)):
            for h in state.withLock({ $0.sessionHandlers }) { h(code, session) }
        case let .notice(.goodbye(reason)):
            let handlers = state.withLock { s in s.closeReason = reason; return s.goodbyeHandlers }
            for h in handlers { h(reason) }
        case let .notice(.changeNotified(request, status)):
            state.withLock { $0.watches.removeValue(forKey: request) }?.complete(NTStatus(rawValue: status))
        }
    }

    /// A fresh logical thread id for this process.
    static func newThread() -> UInt32 { threadIDs.next() }
}

/// Reads the welcome synchronously, keeping what arrived after it for the reader thread.
private final class Pending {
    let socket: ClientSocket
    var decoder = FrameDecoder()
    init(socket: ClientSocket) { self.socket = socket }

    func readOne() -> ServerFrame? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            do {
                if let body = try decoder.next() { return try ServerFrame(decoding: body) }
            } catch {
                return nil
            }
            guard let n = socket.read(into: &buffer) else { return nil }
            decoder.append(buffer[0..<n])
        }
    }
}

final class ThreadIDs: Sendable {
    private let last = Locked<UInt32>(0)
    func next() -> UInt32 { last.withLock { $0 &+= 1; return $0 } }
}
