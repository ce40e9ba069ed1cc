import Foundation

/// The shared hive corpus (../shared/hives beside the project), for every test target.
public enum SharedCorpus {
    public static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let hives = projectRoot.deletingLastPathComponent().appendingPathComponent("shared/hives")

    /// Why the corpus cannot be used, or nil when it is there.
    public static var missingReason: String? {
        FileManager.default.fileExists(atPath: hives.appendingPathComponent("INDEX.md").path)
            ? nil : "the shared hive corpus is absent: expected it at \(hives.path) (../shared/hives)"
    }
    public static var isPresent: Bool { missingReason == nil }

    public static func path(_ relative: String) -> String { hives.appendingPathComponent(relative).path }

    /// Every file of the corpus that starts like a primary hive (signature "regf", file type 0),
    /// as paths relative to the corpus.
    public static func primaryHives() -> [String] {
        guard let e = FileManager.default.enumerator(atPath: hives.path) else { return [] }
        var out: [String] = []
        for case let rel as String in e {
            let full = path(rel)
            guard let fh = FileHandle(forReadingAtPath: full) else { continue }
            let head = (try? fh.read(upToCount: 32)) ?? Data()
            try? fh.close()
            guard head.count >= 32, head.prefix(4) == Data("regf".utf8) else { continue }
            let fileType = head[28..<32].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            if fileType == 0 { out.append(rel) }
        }
        return out.sorted()
    }
}

/// An executable of this package, found beside the test bundle in the build directory.
public func builtProduct(_ name: String) -> String {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return SharedCorpus.projectRoot.appendingPathComponent(".build/debug/\(name)").path
}

/// What a finished program printed and how it exited.
public struct ProcessResult {
    public var out: Data
    public var err: Data
    public var status: Int32
    public var outText: String { String(decoding: out, as: UTF8.self) }
    public var errText: String { String(decoding: err, as: UTF8.self) }
}

/// Runs a program to its end; both pipes are drained at once so a chatty child cannot block.
public func runProgram(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let (outData, errData) = readToEnd(out, err)
    p.waitUntilExit()
    return ProcessResult(out: outData, err: errData, status: p.terminationStatus)
}

/// Reads two pipes to their ends at once, so a child writing much to either cannot block.
private func readToEnd(_ out: Pipe, _ err: Pipe) -> (Data, Data) {
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    return (outData, errData)
}

/// Runs a program whose standard input is a terminal (a pseudo-terminal we type `typed` into),
/// for the prompts a command shows only to a person.
public func runProgram(_ executable: String, _ arguments: [String], typing typed: String) throws -> ProcessResult {
    // posix_openpt and friends are not imported from Glibc; /dev/ptmx with its two ioctls is
    // what they do (TIOCSPTLCK and TIOCGPTN of asm-generic/ioctls.h, whose _IOW/_IOR macros do
    // not import).
    let TIOCSPTLCK: UInt = 0x4004_5431, TIOCGPTN: UInt = 0x8004_5430
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
    guard master >= 0 else { throw CocoaError(.fileReadUnknown) }
    defer { close(master) }
    var unlock: Int32 = 0, number: UInt32 = 0
    guard ioctl(master, TIOCSPTLCK, &unlock) == 0, ioctl(master, TIOCGPTN, &number) == 0 else {
        throw CocoaError(.fileReadUnknown)
    }
    let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
    guard slave >= 0 else { throw CocoaError(.fileReadUnknown) }
    let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = terminal
    try p.run()
    _ = typed.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress!, $0.count - 1) }
    // The terminal echoes what was typed back to the master: drain it until the slave closes.
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        var buffer = [UInt8](repeating: 0, count: 512)
        while read(master, &buffer, buffer.count) > 0 {}
        group.leave()
    }
    let (outData, errData) = readToEnd(out, err)
    p.waitUntilExit()
    close(slave)  // the master's reads now end (EIO)
    group.wait()
    return ProcessResult(out: outData, err: errData, status: p.terminationStatus)
}

/// Runs `body` on a thread of its own and awaits it. A test that blocks for long — child
/// processes, sleeps, a server's I/O — would otherwise hold one of Swift's cooperative threads
/// (as many as the cores: two here) and starve the async tests running beside it. Swift
/// Testing's expectations need the test's task, so `body` reports through `Findings`.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// What a test body running on its own thread found wrong, to record in the test's task.
public final class Findings: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    public init() {}

    /// Notes `message` unless `ok`.
    public func expect(_ ok: Bool, _ message: @autoclosure () -> String) {
        if !ok { add(message()) }
    }

    public func add(_ message: String) { lock.withLock { list.append(message) } }
    public var all: [String] { lock.withLock { list } }
}
