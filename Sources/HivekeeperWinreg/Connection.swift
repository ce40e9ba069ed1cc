#if canImport(Glibc)
import Glibc
#endif
import RegistryTypes
import Wire

/// One connection to hivekeeperd used synchronously by one C thread at a time: the caller writes
/// its request and reads the reply itself, so a call costs one round trip and no thread hop
/// (docs/benchmarks.md, "The C API"). Replies are read with a short spin before blocking, as
/// the Swift client's loop does: on a VM a sleep and wake-up cost more than the round trip.
final class Connection {
    let fd: Int32
    /// Who the daemon says we are (set by `open`).
    private(set) var welcome = Welcome(pid: 0, account: "", sid: "", session: nil, demoIdentity: false)
    private var decoder = FrameDecoder()
    private var nextID: UInt32 = 1
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Connects to `path` and says hello: RPC_S_SERVER_UNAVAILABLE when nothing answers there.
    static func open(_ path: String) throws(Win32Error) -> Connection {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .serverUnavailable }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw .badPathname
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let e = errno
            close(fd)
            throw e == EACCES || e == EPERM ? .accessDenied : .serverUnavailable
        }
        let hello = ClientFrame(id: 0, thread: 0, request: .hello(version: WireProtocol.version, demoIdentity: nil,
                                                                  executable: executablePath()))
        let c = Connection(fd: fd)  // closes `fd` if the hello fails
        guard c.send(hello.framed()) else { throw .serverUnavailable }
        switch c.receive(id: 0) {
        case let .success(.welcome(w)):
            c.welcome = w
            return c
        case let .failure(e):
            throw e
        default:
            throw .serverUnavailable
        }
    }

    /// One request and its reply; RPC_S_CALL_FAILED when the connection broke (it is then not
    /// to be used again: `broken`).
    /// `spin`: poll for the reply a little before sleeping (when no other call is in flight).
    func call(_ request: Request, spin: Bool) -> Result<Payload, Win32Error> {
        let id = nextID
        nextID = nextID == UInt32.max ? 1 : nextID + 1
        guard send(ClientFrame(id: id, thread: 0, request: request).framed()) else {
            broken = true
            return .failure(.callFailed)
        }
        return receive(id: id, spin: spin)
    }

    private(set) var broken = false

    /// Change notifications completed on this connection: request id → NTSTATUS.
    private var notified: [UInt32: UInt32] = [:]

    /// Sends RegNotifyChangeKeyValue's request; the id its completion will carry.
    func register(_ request: Request) -> Result<UInt32, Win32Error> {
        let id = nextID
        nextID = nextID == UInt32.max ? 1 : nextID + 1
        guard send(ClientFrame(id: id, thread: 0, request: request).framed()) else {
            broken = true
            return .failure(.callFailed)
        }
        return receive(id: id).map { _ in id }
    }

    /// Blocks until the notification registered as `id` completes: its NTSTATUS, or nil when the
    /// connection broke.
    func waitForNotification(_ id: UInt32) -> UInt32? {
        while true {
            if let status = notified.removeValue(forKey: id) { return status }
            if case .failure = receive(id: 0, stopAtNotice: true), broken { return nil }
        }
    }

    private func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + done, raw.count - done, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                done += n
            }
            return true
        }
    }

    /// Reads frames until the reply to `id`; notices (session changes, goodbyes) are not for the
    /// C API and are passed over.
    private func receive(id: UInt32, spin: Bool = false, stopAtNotice: Bool = false) -> Result<Payload, Win32Error> {
        while true {
            do {
                while let body = try decoder.next() {
                    switch try ServerFrame(decoding: body) {
                    case let .reply(rid, payload) where rid == id: return .success(payload)
                    case let .failure(rid, code, message) where rid == id: return .failure(Win32Error(rawValue: code, message: message))
                    case let .notice(.changeNotified(request, status)):
                        notified[request] = status
                        if stopAtNotice { return .success(.none) }
                    default: continue
                    }
                }
            } catch {
                broken = true
                return .failure(.callFailed)
            }
            let n = readSome(spin: spin ? Self.spin : 0)
            guard n > 0 else {
                broken = true
                return .failure(.callFailed)
            }
            buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Polls for up to `spin` seconds without sleeping, then blocks.
    private func readSome(spin: Double) -> Int {
        let deadline = spin > 0 ? monotonic() + spin : 0
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return -1 }
            if spin > 0, monotonic() < deadline { continue }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, -1) < 0, errno != EINTR { return -1 }
        }
    }

    /// HIVEKEEPER_CLIENT_SPIN_US microseconds (default 20, none on one CPU), as the Swift client.
    static let spin: Double = {
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 else { return 0 }
        let us = getenv("HIVEKEEPER_CLIENT_SPIN_US").flatMap { Double(String(cString: $0)) } ?? 20
        return max(0, min(us, 1000)) / 1_000_000
    }()

    private func monotonic() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private static func executablePath() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { readlink("/proc/self/exe", $0, b.count - 1) }
        }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }
}
