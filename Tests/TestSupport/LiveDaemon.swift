import Foundation

/// A real hivekeeperd (this build's) in a temporary directory, for tests of programs that talk
/// to it over its socket (the C library's): identity from the socket, as in production.
public final class LiveDaemon: @unchecked Sendable {  // set up in init, then only read; `stop` is called once
    public let directory: URL
    public let socket: String
    private let process = Process()
    private let errors = Pipe()

    public init(extra: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hk-live-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chmod(directory.path, 0o755)
        socket = directory.appendingPathComponent("run/socket").path
        let config = directory.appendingPathComponent("hivekeeperd.conf")
        try "\n".write(to: config, atomically: true, encoding: .utf8)
        try startHivekeeperd(process, ["--config", config.path, "--state", directory.appendingPathComponent("state").path,
                                       "--socket", socket, "--roaming", directory.appendingPathComponent("roaming").path,
                                       "--grace", "1", "--log-level", "warning"] + extra, errors: errors)
    }

    /// The environment a client program needs to find this daemon.
    public var environment: [String] { ["HIVEKEEPER_SOCKET=\(socket)", "HIVEKEEPER_NO_AUTOSTART=1"] }

    /// Runs `program` against the daemon.
    public func run(_ program: String, _ arguments: [String] = [], environment more: [String] = []) throws -> ProcessResult {
        try runProgram("/usr/bin/env", environment + more + [program] + arguments)
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Starts the built hivekeeperd in `process` with `arguments` and waits (at most 60 s) for its
/// `ready` line; its stderr goes to `errors`. Throws, with what it said, when it does not start.
public func startHivekeeperd(_ process: Process, _ arguments: [String], errors: Pipe) throws {
    process.executableURL = URL(fileURLWithPath: builtProduct("hivekeeperd"))
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = errors
    try process.run()
    let line = LineReader(out.fileHandleForReading).next(timeout: 60)
    guard line?.hasPrefix("ready") == true else {
        process.terminate()
        throw HarnessError("hivekeeperd did not start: \(line ?? "nothing"); \(String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self))")
    }
}
