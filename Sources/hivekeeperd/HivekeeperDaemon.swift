#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import Foundation
import Logging
import RegistryServer
import Wire
import Synchronization


/// hivekeeperd: the registry and profile service for the machine's processes.
@main
struct HivekeeperDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hivekeeperd",
        abstract: "Serve the registry and the user profile service on a Unix socket.",
        discussion: """
            Settings come from --config FILE (`key = value` lines; docs/daemon.md lists them and \
            their defaults), then the options here. SIGTERM or SIGINT shut it down cleanly: clients \
            are told to reconnect, every hive is flushed.
            """,
        version: "hivekeeperd \(ProductVersion.text)"
    )

    @Option(help: "Configuration file.") var config: String?
    @Option(help: "Unix socket path.") var socket: String?
    @Option(help: "State directory (machine hives, profiles, event log).") var state: String?
    @Option(help: "Roaming profile store: a directory or smb://host[:port]/share/path ('none' for no roaming).") var roaming: String?
    @Option(name: .customLong("roaming-credentials"), help: "An SMB store's credentials file (smbclient -A format, mode 600).")
    var roamingCredentials: String?
    @Option(help: "Grace period at logoff, in seconds.") var grace: Double?
    @Option(help: "Logoff policy: force, wait or snapshot.") var policy: String?
    @Option(name: .customLong("service-account"), help: "A Linux user that is a service account (repeatable).")
    var serviceAccounts: [String] = []
    @Option(name: .customLong("metrics-listen"), help: "Serve Prometheus metrics at http://HOST:PORT/metrics ('none' for no endpoint).")
    var metricsListen: String?
    @Flag(name: .customLong("demo-identity"), help: "Clients name their account (private 0700 socket only; for the demo).")
    var demoIdentity = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    /// ArgumentParser's own main exits 64 on a usage error; the README's statuses are 0, 1 and 2,
    /// so a bad option or setting is a failure like any other: said the same way, exit status 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if let daemon = command as? HivekeeperDaemon {
                try await daemon.run()
            } else {
                try command.run()  // --help, --version
            }
        } catch {
            guard (0...2).contains(exitCode(for: error).rawValue) else {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Glibc.exit(1)
            }
            exit(withError: error)
        }
    }

    func run() async throws {
        var c = DaemonConfiguration.defaults()
        do {
            if let config { c = try DaemonConfiguration.load(file: config, over: c) }
            var overrides: [String] = []
            if let socket { overrides.append("socket = \(socket)") }
            if let state { overrides.append("state_directory = \(state)") }
            if let roaming { overrides.append("roaming_store = \(roaming)") }
            if let roamingCredentials { overrides.append("roaming_credentials = \(roamingCredentials)") }
            if let grace { overrides.append("grace_period = \(grace)") }
            if let policy { overrides.append("logoff_policy = \(policy)") }
            if !serviceAccounts.isEmpty { overrides.append("service_accounts = \(serviceAccounts.joined(separator: ","))") }
            if demoIdentity { overrides.append("demo_identity = true") }
            if let metricsListen { overrides.append("metrics_listen = \(metricsListen)") }
            c = try DaemonConfiguration.parse(overrides.joined(separator: "\n"), file: "command line", over: c)
        } catch {
            throw ValidationError("\(error)")
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "hivekeeperd")
        if c.demoIdentity {
            logger.notice("demo-identity mode: clients name their own account; only this user's private socket accepts them")
        }
        let termination = TerminationSignals()
        let daemon: Daemon
        do {
            daemon = try await Daemon.start(c, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("hivekeeperd: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // Readiness for whoever started us (tests, the demo, systemd's notify-less units): one line.
        FileHandle.standardOutput.write(Data("ready \(c.socketPath)\n".utf8))
        await termination.wait()
        await daemon.shutdown()
    }
}

/// SIGTERM and SIGINT, caught from before the daemon starts: one that comes while it starts
/// (or just after its `ready` line, before anything waits) is kept, not lost — ignoring the
/// signals only once the wait began dropped such a signal, and the daemon then ran on.
final class TerminationSignals {
    private struct State {
        var arrived = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private final class Shared: Sendable { let state = Mutex(State()) }
    private let shared = Shared()
    private let sources: [any DispatchSourceSignal]

    init() {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        sources = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        for s in sources {
            s.setEventHandler { [shared] in
                let waiter = shared.state.withLock { st -> CheckedContinuation<Void, Never>? in
                    st.arrived = true
                    defer { st.waiter = nil }
                    return st.waiter
                }
                waiter?.resume()
            }
            s.resume()
        }
    }

    /// Returns when a signal has come (at once if one came already).
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = shared.state.withLock { st -> Bool in
                if st.arrived { return true }
                st.waiter = c
                return false
            }
            if now { c.resume() }
        }
    }
}
