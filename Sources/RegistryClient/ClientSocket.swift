#if canImport(Glibc)
import Glibc
#endif
import RegistryTypes

/// A connected Unix stream socket: blocking whole writes, and reads of whatever arrived.
struct ClientSocket: Sendable {
    let fd: Int32

    /// Connects to `path`; RPC_S_SERVER_UNAVAILABLE when nothing listens there.
    static func connect(path: String) throws(Win32Error) -> ClientSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .serverUnavailable }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            close(fd)
            throw .badPathname
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let e = errno
            close(fd)
            throw e == EACCES || e == EPERM ? .accessDenied : .serverUnavailable
        }
        return ClientSocket(fd: fd)
    }

    /// Writes all of `bytes`; false when the connection is gone. Without `whileFull` it blocks
    /// while the socket is full; with it (the loop's thread, which must keep reading meanwhile)
    /// it does not block but runs `whileFull`, which says false to give up.
    func write(_ bytes: [UInt8], whileFull: (() -> Bool)? = nil) -> Bool {
        let flags = Int32(MSG_NOSIGNAL) | (whileFull == nil ? 0 : Int32(MSG_DONTWAIT))
        return bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = send(fd, raw.baseAddress! + done, raw.count - done, flags)
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK, let whileFull, whileFull() { continue }
                    return false
                }
                done += n
            }
            return true
        }
    }

    /// Reads what is there (blocking until something is); nil at the end or on an error.
    func read(into buffer: inout [UInt8]) -> Int? {
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            return n > 0 ? n : nil
        }
    }

    func shutdownBoth() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    func closeSocket() { _ = close(fd) }
}
