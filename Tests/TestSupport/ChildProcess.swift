import Foundation

/// A running client process, with a pipe to its standard input and its output by lines.
public final class Actor: @unchecked Sendable {
    public let process = Process()
    public let input = Pipe()
    public let lines: LineReader
    public var pid: Int32 = 0

    public init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        lines = LineReader(out.fileHandleForReading)
        try process.run()
    }

    public func send(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    public func kill(_ signal: Int32 = SIGKILL) {
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// Waits (bounded) for the process to end; true when it did.
    public func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }
}

/// Lines from a pipe, read on a thread of their own, with a timeout.
public final class LineReader: @unchecked Sendable {
    private let lock = NSCondition()
    private var lines: [String] = []
    private var ended = false

    public init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var partial = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                partial.append(chunk)
                while let nl = partial.firstIndex(of: 0x0A) {
                    let line = String(decoding: partial[partial.startIndex..<nl], as: UTF8.self)
                    partial = Data(partial[(nl + 1)...])
                    lock.lock(); lines.append(line); lock.broadcast(); lock.unlock()
                }
            }
            lock.lock(); ended = true; lock.broadcast(); lock.unlock()
        }
    }

    /// The next line, or nil at the end or after `timeout` seconds.
    public func next(timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while lines.isEmpty && !ended {
            if !lock.wait(until: deadline) { return nil }
        }
        return lines.isEmpty ? nil : lines.removeFirst()
    }
}
