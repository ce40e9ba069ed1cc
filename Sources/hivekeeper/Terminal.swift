#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to a file descriptor (stdout or a file), written with write(2).
final class Output {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private(set) var failed: Int32 = 0

    /// A writer to standard output; take one per command.
    static func standardOutput() -> Output { Output(fd: 1, owns: false) }

    private init(fd: Int32, owns: Bool) {
        self.fd = fd
        ownsDescriptor = owns
        buffer.reserveCapacity(1 << 16)
    }

    /// Creates (or truncates) `path` for writing.
    static func file(_ path: String) throws -> Output {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot create \(path): \(String(cString: strerror(errno)))") }
        return Output(fd: fd, owns: true)
    }

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func line(_ s: String) { write(s); write("\n") }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = errno
                    break
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        if ownsDescriptor { _ = Glibc.close(fd) }
        if failed != 0 { throw CLIError("write failed: \(String(cString: strerror(failed)))") }
    }
}

/// Messages to stderr (unbuffered lines).
enum Diagnostics {
    static func say(_ s: String) {
        let line = s + "\n"
        line.utf8CString.withUnsafeBufferPointer { b in _ = Glibc.write(2, b.baseAddress!, b.count - 1) }
    }
    static var stdinIsTerminal: Bool { isatty(0) != 0 }
    /// Whether a person reads standard output: tables get a header row then, never in a pipe
    /// (scripts read the tab-separated rows as they always were).
    static var stdoutIsTerminal: Bool { isatty(1) != 0 }
}

/// A count of keys on stderr while a long walk runs, only when stderr is a terminal.
struct Progress {
    private let enabled = isatty(2) != 0
    private var count = 0
    private var shown = false
    private let label: String

    init(_ label: String) { self.label = label }

    mutating func tick() {
        count += 1
        if enabled && count & 0x3FFF == 0 {
            Diagnostics.sayInline("\r\(label): \(count) keys")
            shown = true
        }
    }

    mutating func finish() {
        if shown { Diagnostics.sayInline("\r\u{1B}[K") }
    }
}

extension Diagnostics {
    static func sayInline(_ s: String) {
        s.utf8CString.withUnsafeBufferPointer { b in _ = Glibc.write(2, b.baseAddress!, b.count - 1) }
    }
}

/// A failure the CLI reports as "ERROR: …" with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
