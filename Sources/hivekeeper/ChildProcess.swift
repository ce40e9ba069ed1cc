import Dispatch
import Foundation
import Locking

/// A process the demo starts: its standard input as lines we send, its standard output as lines
/// we read with a timeout, and how it ended.
final class ChildProcess: @unchecked Sendable {  // Process and Pipe are not Sendable; they are only read after init
    let process = Process()
    private let input = Pipe()
    /// Lines read and not yet taken, and whether the output ended; `arrived` counts each line
    /// and the end, so `next` can wait for one.
    private let output = Locked((lines: [String](), ended: false))
    private let arrived = DispatchSemaphore(value: 0)

    /// `passingErrors`: its standard error is ours (a daemon's warnings); otherwise discarded.
    init(_ executable: String, _ arguments: [String], passingErrors: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = passingErrors ? FileHandle.standardError : FileHandle.nullDevice
        try process.run()
        let handle = out.fileHandleForReading
        Thread.detachNewThread { [self] in
            var partial = Data()
            while case let chunk = handle.availableData, !chunk.isEmpty {
                partial.append(chunk)
                while let nl = partial.firstIndex(of: 0x0A) {
                    let line = String(decoding: partial[partial.startIndex..<nl], as: UTF8.self)
                    partial = Data(partial[(nl + 1)...])
                    output.withLock { $0.lines.append(line) }
                    arrived.signal()
                }
            }
            output.withLock { $0.ended = true }
            arrived.signal()
        }
    }

    var pid: Int32 { process.processIdentifier }

    func send(_ line: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The next line, or nil when the output ended or `timeout` seconds passed.
    func next(timeout: Double) -> String? {
        let deadline = DispatchTime.now() + timeout
        while true {
            let (line, ended) = output.withLock { o -> (String?, Bool) in
                o.lines.isEmpty ? (nil, o.ended) : (o.lines.removeFirst(), false)
            }
            if let line { return line }
            if ended { return nil }
            if arrived.wait(timeout: deadline) == .timedOut { return nil }
        }
    }

    /// Waits (bounded) for the process to end; true when it did.
    func waitForExit(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return !process.isRunning
    }

    /// The signal that ended it, if a signal did.
    var endingSignal: Int32? {
        !process.isRunning && process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
    }

    /// Ends it if it still runs (SIGKILL) and reaps it.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
