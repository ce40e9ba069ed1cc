import Foundation

/// The demo's private hivekeeperd: the daemon's own executable started as a child process (the
/// CLI does not link the server), told its settings in a configuration file, ready when it prints
/// `ready SOCKET`, and stopped with SIGTERM (it flushes every hive) or, after 10 s, SIGKILL.
final class DaemonProcess: Sendable {
    let child: ChildProcess

    private init(child: ChildProcess) { self.child = child }

    /// Starts `hivekeeperd --config FILE` with `settings` (docs/daemon.md's keys) written to
    /// FILE, and waits up to 30 s for it to listen.
    static func start(settings: [(key: String, value: String)], configFile: URL) throws -> DaemonProcess {
        let executable = try locate()
        let text = settings.map { "\($0.key) = \($0.value)" }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: configFile)
        let child = try ChildProcess(executable, ["--config", configFile.path, "--log-level", "warning"], passingErrors: true)
        guard let line = child.next(timeout: 30), line.hasPrefix("ready ") else {
            child.stop()
            throw CLIError("the demo's hivekeeperd (\(executable)) did not start; its errors are above")
        }
        return DaemonProcess(child: child)
    }

    /// Stops it as systemd would: SIGTERM, then SIGKILL after 10 s.
    func shutdown() async {
        guard child.process.isRunning else { return }
        kill(child.pid, SIGTERM)
        if await !child.waitForExit(seconds: 10) {
            Diagnostics.say("hivekeeper demo: hivekeeperd did not stop within 10 s of SIGTERM; killing it")
            child.stop()
        }
    }

    /// The hivekeeperd executable: $HIVEKEEPERD, else the one beside this program (its real path:
    /// a symlinked or aliased hivekeeper still finds its own build's daemon), else the first on
    /// PATH; if none, an error saying where it looked.
    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                       selfPath: String = "/proc/self/exe") throws -> String {
        if let given = environment["HIVEKEEPERD"], !given.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: given) else {
                throw CLIError("HIVEKEEPERD=\(given) is not an executable file")
            }
            return given
        }
        var looked = ["$HIVEKEEPERD (not set)"]
        if let me = try? FileManager.default.destinationOfSymbolicLink(atPath: selfPath) {
            let beside = URL(fileURLWithPath: me).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("hivekeeperd").path
            if FileManager.default.isExecutableFile(atPath: beside) { return beside }
            looked.append(beside)
        }
        let path = environment["PATH"] ?? ""
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/hivekeeperd"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        looked.append("PATH (\(path.isEmpty ? "empty" : path))")
        throw CLIError("hivekeeperd not found: looked at \(looked.joined(separator: ", ")); build it (swift build) or set HIVEKEEPERD")
    }
}
