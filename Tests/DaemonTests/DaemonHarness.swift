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
    /// for its `ready` line. `roaming` replaces the directory store (an smb:// URL, say);
    /// `config` lines go into a configuration file; `defaultRoaming` gives no `--roaming` at all
    /// (the store is then wherever the configuration puts it).
    init(demo: Bool = true, grace: Double = 1, roaming: String? = nil, defaultRoaming: Bool = false, config: [String] = [],
         logLevel: String = "warning", extra: [String] = []) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-daemon-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        chmod(dir.path, 0o755)  // other users' clients reach the socket through it
        socket = dir.appendingPathComponent("run/socket").path
        let configFile = dir.appendingPathComponent("hivekeeperd.conf")
        try (config.joined(separator: "\n") + "\n").write(to: configFile, atomically: true, encoding: .utf8)
        let roamingOption = defaultRoaming ? [] : ["--roaming", roaming ?? dir.appendingPathComponent("roaming").path]
        arguments = ["--config", configFile.path, "--state", dir.appendingPathComponent("state").path, "--socket", socket]
            + roamingOption + ["--grace", String(grace), "--service-account", "contoso", "--log-level", logLevel]
            + (demo ? ["--demo-identity"] : []) + extra
        daemon = Process()
        try launch()
    }

    /// The daemon's events, as `hivekeeper events --json` gives them.
    func events(as identity: String? = "SYSTEM") throws -> [[String: Any]] {
        try cli(["events", "--json"], as: identity).outText.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    private func launch() throws {
        daemon = Process()
        daemonErr = Pipe()
        try startHivekeeperd(daemon, arguments, errors: daemonErr)
    }

    /// The daemon's process id.
    var pid: Int32 { daemon.processIdentifier }

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

    /// Stops the daemon and returns everything it wrote to stderr (its log).
    func stopAndReadLog() -> String {
        if daemon.isRunning {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        return String(decoding: daemonErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    func stop() {
        if daemon.isRunning {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dir)
    }
}
