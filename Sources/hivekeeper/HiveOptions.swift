import ArgumentParser
import HiveFormat

/// Options every offline command takes.
struct HiveOptions: ParsableArguments {
    @Option(name: .customLong("hive"), help: "The hive file to read (never modified); without it, query works on the running hivekeeperd.")
    var hive: String?

    /// The hive file; commands that work on files only say so when it is missing.
    var file: String {
        get throws {
            guard let hive else { throw CLIError("--hive FILE is needed: this command works on hive files") }
            return hive
        }
    }

    @Flag(name: .customLong("no-logs"), help: "Read the primary file as it is, without applying transaction logs.")
    var noLogs = false

    @Option(name: .customLong("log"), help: ArgumentHelp(
        "A transaction log to apply to a dirty hive (repeat for LOG1 and LOG2); by default NAME.LOG1, NAME.LOG2 and NAME.LOG beside the hive are used.",
        valueName: "file"))
    var logs: [String] = []

    @Flag(help: "Skip a corrupt subtree (named on stderr) and go on; the exit status is then 2.")
    var salvage = false

    func validate() throws {
        if noLogs && !logs.isEmpty {
            throw ValidationError("--no-logs reads the primary file as it is; it cannot be combined with --log")
        }
    }

    var logSource: LogSource { noLogs ? .none : logs.isEmpty ? .besideHive : .files(logs) }

    /// Opens the hive (a dirty one brought up to date from its logs, in memory) and reports on
    /// stderr what was odd about it: dirty, logs applied, truncated, …
    func open() throws -> Hive { try openReporting().hive }

    func openReporting() throws -> OpenedHive {
        let hive = try file
        do {
            let opened = try Hive.open(path: hive, logs: logSource)
            if let r = opened.recovery {
                Diagnostics.say("hivekeeper: \(hive) is dirty: \(r.summary)")
                for n in r.notes { Diagnostics.say("note: \(hive): \(n)") }
            }
            for n in opened.notes { Diagnostics.say("warning: \(hive): \(n)") }
            // A note about missing logs already says the primary is read dirty.
            for w in opened.hive.warnings where opened.notes.isEmpty || !w.hasPrefix("the hive is dirty") {
                Diagnostics.say("warning: \(hive): \(w)")
            }
            return opened
        } catch {
            throw CLIError(hiveErrorText(error))
        }
    }

    func hiveErrorText(_ error: any Error) -> String {
        let hive = self.hive ?? "hive"
        if case let e as HiveError = error {
            if case .io = e { return e.description }
            if case .locked = e { return e.description }
            if case .logRecovery = e { return "\(e) (--no-logs reads the primary file as it is)" }
            return "\(hive): \(e)"
        }
        return "\(hive): \(error)"
    }

    var walkOptions: WalkOptions { WalkOptions(salvage: salvage) }
}

/// A KEY argument: a path relative to the hive root, with `\` (or nothing) for the root.
struct KeyPath {
    let components: [RegistryName]

    init(_ text: String) {
        components = text.split(separator: "\\", omittingEmptySubsequences: true).map { RegistryName($0) }
    }

    init(components: [RegistryName]) { self.components = components }

    /// The key's path as shown by query: `\` then the components.
    var display: [UInt16] {
        components.isEmpty ? [0x5C] : components.flatMap { [0x5C] + $0.codeUnits }
    }
}

extension Hive {
    /// Opens `path` below the root; a missing key is reg.exe's "unable to find" error.
    func key(at path: KeyPath) throws -> NamedKey {
        do {
            return try key(path: path.components, from: rootKey())
        } catch {
            if case .keyNotFound = error {
                throw CLIError("The system was unable to find the specified registry key or value.")
            }
            throw error
        }
    }
}
