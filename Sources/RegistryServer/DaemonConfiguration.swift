import Foundation
import NIOCore
import Profiles
import Registry
import RoamingSMB
import Security

/// hivekeeperd's settings: a file of `key = value` lines (`#` starts a comment), every key
/// optional, defaults as docs/daemon.md lists them.
public struct DaemonConfiguration: Sendable, Hashable {
    /// Machine hives, local profiles, the event log (ARCHITECTURE.md "Data on disk").
    public var stateDirectory: String
    /// The Unix socket clients connect to.
    public var socketPath: String
    /// The roaming store: a directory, or `smb://host[:port]/share/path`; nil for none
    /// (profiles stay local). Unless set, it is STATE/roaming and follows `stateDirectory`:
    /// a daemon given another state directory must not upload into the default one's store.
    public var roamingStore: String? {
        get {
            switch roamingStoreSetting {
            case .underStateDirectory: (stateDirectory as NSString).appendingPathComponent("roaming")
            case .none: nil
            case .at(let location): location
            }
        }
        set { roamingStoreSetting = newValue.map { .at($0) } ?? .none }
    }
    /// Where the roaming store was set, if anywhere; `roamingStore` reads it.
    private var roamingStoreSetting: RoamingStoreSetting = .underStateDirectory
    private enum RoamingStoreSetting: Sendable, Hashable {
        case underStateDirectory, none
        case at(String)
    }
    /// An SMB store's credentials file (smbclient's `-A` format, owner-readable only).
    public var roamingCredentials: String?
    /// How long an SMB store waits for an answer before the server counts as unreachable.
    public var roamingTimeout: Duration = .seconds(20)
    /// The first wait before a failed upload is tried again (doubling after each failure).
    public var uploadRetryDelay: Duration = .seconds(5)
    public var gracePeriod: Duration
    public var policy: UnloadPolicy
    /// A logoff finding the roaming copy changed since logon: overwrite it, or merge.
    public var roamingConflicts: RoamingConflictPolicy = .lastWriterWins
    /// Linux users that are service accounts (SeImpersonatePrivilege, session-change notices).
    public var serviceAccounts: Set<String>
    /// The site's SID domain part (S-1-5-21-A-B-C): one user, one SID on every machine.
    public var domain: DomainIdentifier
    /// Whether a logoff signals the session's processes (SIGTERM, then SIGKILL after
    /// `killDelay`) besides closing their connections.
    public var terminateProcesses: Bool
    public var killDelay: Duration
    /// Demo-identity mode: clients name their account in `hello`; the socket is 0700, private
    /// to the daemon's own user (docs/daemon.md). Never for a shared machine.
    public var demoIdentity: Bool
    /// Where the Prometheus endpoint listens (`host:port`, port 0 for any); nil: no endpoint.
    public var metricsListen: String?
    /// The socket server's event-loop threads. Registry calls are short and serialised by the
    /// registry's lock, so more threads mostly contend; half the cores leaves the rest to the
    /// clients (docs/benchmarks.md has the measurement).
    public var ioThreads: Int = max(1, System.coreCount / 2)
    /// Connections one Linux user other than root may hold at once, said hello or not: one
    /// user's thousand connections cannot take the descriptors every other user needs.
    public var maxConnectionsPerUser: Int = 256
    /// Handles per process and the size a user's hive may grow to (ERROR_NOT_ENOUGH_QUOTA).
    public var quotas = RegistryQuotas()

    /// Defaults for a daemon run by `uid`: root's under /var/lib and /run, a user's under
    /// $XDG_STATE_HOME and $XDG_RUNTIME_DIR.
    public static func defaults(uid: UInt32 = getuid(), environment: [String: String] = ProcessInfo.processInfo.environment) -> DaemonConfiguration {
        let state: String
        let socket: String
        if uid == 0 {
            state = "/var/lib/hivekeeper"
            socket = "/run/hivekeeper/socket"
        } else {
            let home = environment["HOME"] ?? "/tmp"
            state = (environment["XDG_STATE_HOME"] ?? home + "/.local/state") + "/hivekeeper"
            socket = (environment["XDG_RUNTIME_DIR"] ?? "/tmp/hivekeeper-\(uid)") + "/hivekeeper/socket"
        }
        return DaemonConfiguration(stateDirectory: state, socketPath: socket,
                                   gracePeriod: .seconds(30), policy: .force, serviceAccounts: [],
                                   domain: DaemonConfiguration.machineDomain(), terminateProcesses: true,
                                   killDelay: .seconds(5), demoIdentity: false)
    }

    /// A standalone machine's domain part, from /etc/machine-id (stable across restarts); a
    /// fixed one when the machine has none.
    public static func machineDomain() -> DomainIdentifier {
        let id = (try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8)) ?? ""
        return (try? DomainIdentifier(machineID: id)) ?? DomainIdentifier(1_000, 2_000, 3_000)
    }

    /// Reads `file` over the defaults; errors name the line.
    public static func load(file: String, over base: DaemonConfiguration = .defaults()) throws -> DaemonConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: file, line: 0, reason: "cannot read it: \(error.localizedDescription)")
        }
        return try parse(text, file: file, over: base)
    }

    public static func parse(_ text: String, file: String, over base: DaemonConfiguration) throws -> DaemonConfiguration {
        var c = base
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            func fail(_ reason: String) -> ConfigurationError { ConfigurationError(file: file, line: i + 1, reason: reason) }
            guard let eq = line.firstIndex(of: "=") else { throw fail("expected `key = value`") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "state_directory": c.stateDirectory = value
            case "socket": c.socketPath = value
            case "roaming_store": c.roamingStore = value.isEmpty || value == "none" ? nil : value
            case "roaming_credentials": c.roamingCredentials = value.isEmpty ? nil : value
            case "roaming_timeout":
                guard let s = Double(value), s > 0, s <= 600 else { throw fail("roaming_timeout is seconds, above 0 and up to 600") }
                c.roamingTimeout = .milliseconds(Int(s * 1000))
            case "upload_retry_delay":
                guard let s = Double(value), s > 0, s <= 3600 else { throw fail("upload_retry_delay is seconds, above 0 and up to 3600") }
                c.uploadRetryDelay = .milliseconds(Int(s * 1000))
            case "grace_period":
                guard let s = Double(value), s >= 0, s <= 3600 else { throw fail("grace_period is seconds, 0 to 3600") }
                c.gracePeriod = .milliseconds(Int(s * 1000))
            case "logoff_policy":
                guard let p = UnloadPolicy(rawValue: value) else { throw fail("logoff_policy is force, wait or snapshot") }
                c.policy = p
            case "roaming_conflicts":
                guard let p = RoamingConflictPolicy(rawValue: value) else { throw fail("roaming_conflicts is last-writer-wins or merge") }
                c.roamingConflicts = p
            case "service_accounts":
                c.serviceAccounts = Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            case "sid_domain":
                let parts = value.split(separator: "-").compactMap { UInt32($0) }
                guard parts.count == 3 else { throw fail("sid_domain is three numbers, A-B-C") }
                c.domain = DomainIdentifier(parts[0], parts[1], parts[2])
            case "terminate_processes":
                guard let b = Bool(value) else { throw fail("terminate_processes is true or false") }
                c.terminateProcesses = b
            case "kill_delay":
                guard let s = Double(value), s >= 0, s <= 600 else { throw fail("kill_delay is seconds, 0 to 600") }
                c.killDelay = .milliseconds(Int(s * 1000))
            case "demo_identity":
                guard let b = Bool(value) else { throw fail("demo_identity is true or false") }
                c.demoIdentity = b
            case "metrics_listen":
                if value.isEmpty || value == "none" {
                    c.metricsListen = nil
                } else {
                    guard MetricsEndpoint.parse(value) != nil else { throw fail("metrics_listen is host:port (127.0.0.1:9464, say) or none") }
                    c.metricsListen = value
                }
            case "io_threads":
                guard let n = Int(value), (1...256).contains(n) else { throw fail("io_threads is a number from 1 to 256") }
                c.ioThreads = n
            case "max_connections_per_user":
                guard let n = Int(value), (1...100_000).contains(n) else { throw fail("max_connections_per_user is a number from 1 to 100000") }
                c.maxConnectionsPerUser = n
            case "max_handles_per_process":
                guard let n = Int(value), (16...10_000_000).contains(n) else { throw fail("max_handles_per_process is a number from 16 to 10000000") }
                c.quotas.handlesPerProcess = n
            case "max_hive_size_mb":
                guard let n = Int(value), (1...2048).contains(n) else { throw fail("max_hive_size_mb is a number from 1 to 2048") }
                c.quotas.hiveBytes = n << 20
            default: throw fail("unknown key \(key)")
            }
        }
        return c
    }
}

extension DaemonConfiguration {
    /// The configured roaming store: an `smb://` URL is an SMBStore (its credentials file read
    /// and checked now), anything else a directory.
    public func makeRoamingStore() throws -> (any RoamingStore)? {
        guard let roamingStore else { return nil }
        guard roamingStore.lowercased().hasPrefix("smb://") else { return DirectoryStore(root: URL(fileURLWithPath: roamingStore)) }
        guard let roamingCredentials else {
            throw ConfigurationError(file: "configuration", line: 0, reason: "the SMB roaming store \(roamingStore) needs roaming_credentials (a file in smbclient's -A format)")
        }
        return try SMBStore(url: roamingStore, credentials: try SMBCredentials.load(file: roamingCredentials), timeout: roamingTimeout)
    }
}

/// A configuration file's mistake, with its line.
public struct ConfigurationError: Error, CustomStringConvertible, Hashable {
    public var file: String
    public var line: Int
    public var reason: String
    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}
