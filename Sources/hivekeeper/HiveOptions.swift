import ArgumentParser
import HiveFormat

/// Options every offline command takes.
struct HiveOptions: ParsableArguments {
    @Option(name: .customLong("hive"), help: "The hive file to read (never modified).")
    var hive: String

    @Flag(name: .customLong("no-logs"), help: "Read the primary file as it is, without applying transaction logs.")
    var noLogs = false

    @Flag(help: "Skip a corrupt subtree (named on stderr) and go on; the exit status is then 2.")
    var salvage = false

    /// Opens the hive and reports on stderr what was odd about it (dirty, truncated, …).
    func open() throws -> Hive {
        do {
            let h = try Hive(path: hive)
            for w in h.warnings { Diagnostics.say("warning: \(hive): \(w)") }
            return h
        } catch {
            throw CLIError(hiveErrorText(error))
        }
    }

    func hiveErrorText(_ error: any Error) -> String {
        if case let e as HiveError = error {
            if case .io = e { return e.description }
            if case .locked = e { return e.description }
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
