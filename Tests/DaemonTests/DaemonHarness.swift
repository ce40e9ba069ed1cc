import Foundation
import TestSupport

/// A real hivekeeperd in a temporary directory, and real client processes (the hivekeeper CLI
/// and its hidden demo actors), each with its own pipes.
final class DaemonHarness: @unchecked Sendable {
    let dir: URL
    let socket: String
    private(set) var daemon: Process
    private var daemonErr = Pipe()
    private let arguments: [String]

    /// Starts the daemon with `arguments` added (demo-identity unless `demo` is false) and waits
    /// for its `ready` line.
    init(demo: Bool = true, grace: Double = 1, extra: [String] = []) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-daemon-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        chmod(dir.path, 0o755)  // other users' clients reach the socket through it
        socket = dir.appendingPathComponent("run/socket").path
        arguments = ["--state", dir.appendingPathComponent("state").path, "--socket", socket,
                     "--roaming", dir.appendingPathComponent("roaming").path, "--grace", String(grace),
                     "--service-account", "contoso", "--log-level", "warning"] + (demo ? ["--demo-identity"] : []) + extra
        daemon = Process()
        try launch()
    }

    private func launch() throws {
        daemon = Process()
        daemonErr = Pipe()
        daemon.executableURL = URL(fileURLWithPath: builtProduct("hivekeeperd"))
        daemon.arguments = arguments
        let out = Pipe()
        daemon.standardOutput = out
        daemon.standardError = daemonErr
        try daemon.run()
        let line = LineReader(out.fileHandleForReading).next(timeout: 60)
        guard line?.hasPrefix("ready") == true else {
            daemon.terminate()
            throw HarnessError("hivekeeperd did not start: \(line ?? "nothing"); \(String(decoding: daemonErr.fileHandleForReading.availableData, as: UTF8.self))")
        }
    }

    /// Kills the daemon with SIGKILL (a crash: no goodbye, no flush) and waits for it.
    func crash() {
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
    }

    /// Starts the daemon again on the same state, roaming store and socket.
    func restart() throws {
        try launch()
    }

    var roamingHive: URL { dir.appendingPathComponent("roaming/alice.V6/NTUSER.DAT") }

    /// Runs the CLI against the daemon (as `identity` in demo mode) and waits for it.
    func cli(_ arguments: [String], as identity: String? = "SYSTEM") throws -> ProcessResult {
        try runProgram(builtProduct("hivekeeper"), arguments + ["--socket", socket] + (identity.map { ["--as", $0] } ?? []))
    }

    /// Starts a demo actor (service or program) and waits for its `ready` line.
    /// `identity` names the account to a demo-identity daemon; `runAs` instead runs the actor as
    /// that Linux user (through setpriv; root only).
    func actor(_ role: String, as identity: String? = nil, impersonate: String? = nil, runAs: String? = nil) throws -> Actor {
        var args = ["demo-actor", role, "--socket", socket] + (identity.map { ["--as", $0] } ?? [])
        if let impersonate { args += ["--impersonate", impersonate] }
        var executable = builtProduct("hivekeeper")
        if let runAs, let pw = getpwnam(runAs) {
            args = ["--reuid=\(pw.pointee.pw_uid)", "--regid=\(pw.pointee.pw_gid)", "--clear-groups", executable] + args
            executable = "/usr/bin/setpriv"
        }
        let a = try Actor(executable, args)
        guard let line = a.lines.next(timeout: 30), line.hasPrefix("ready") else {
            a.process.terminate()
            throw HarnessError("the \(role) actor did not start")
        }
        a.pid = Int32(line.split(separator: " ").last.flatMap { Int32($0) } ?? 0)
        return a
    }

    func stop() {
        if daemon.isRunning {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dir)
    }
}

/// A running client process, with a pipe to its standard input and its output by lines.
final class Actor: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let lines: LineReader
    var pid: Int32 = 0

    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        lines = LineReader(out.fileHandleForReading)
        try process.run()
    }

    func send(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    func kill(_ signal: Int32 = SIGKILL) {
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// Waits (bounded) for the process to end; true when it did.
    func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }
}

/// Lines from a pipe, read on a thread of their own, with a timeout.
final class LineReader: @unchecked Sendable {
    private let lock = NSCondition()
    private var lines: [String] = []
    private var ended = false

    init(_ handle: FileHandle) {
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
    func next(timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while lines.isEmpty && !ended {
            if !lock.wait(until: deadline) { return nil }
        }
        return lines.isEmpty ? nil : lines.removeFirst()
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
