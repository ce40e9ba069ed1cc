import ArgumentParser
import HiveFormat
import RegText

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Show a key's values and subkeys, as reg.exe query does.",
        discussion: """
            hivekeeper query --hive FILE KEY [/s] [/v NAME | /ve]     (a hive file; KEY relative to its root)
            hivekeeper query KEY [/s] [/v NAME | /ve] [--socket S]    (the running hivekeeperd; KEY is HKLM\\…, HKCU\\…, HKU\\…)
            """
    )

    @OptionGroup var hiveOptions: HiveOptions
    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "Key path relative to the hive root (\\ for the root), or a live path without --hive.")
    var key: String = "\\"

    @Flag(name: .customLong("recurse"), help: "All subkeys and values (/s).")
    var recurse = false

    /// Only this value.
    @OptionGroup var valueName: ValueNameOptions

    func run() async throws {
        if hiveOptions.hive == nil {
            try await daemon.run(livePaths: [key]) { client in
                let path = try LivePath(key)
                let out = Output.standardOutput()
                defer { try? out.close() }
                return try await OnlineQuery(client: client, out: out).run(path, recurse: recurse, only: valueName.name)
            }
            return
        }
        try reporting(hiveOptions) {
            let hive = try hiveOptions.open()
            let path = KeyPath(key)
            let start = try hive.key(at: path)
            let out = Output.standardOutput()
            defer { try? out.close() }
            let only = valueName.name.map { RegistryName($0) }
            var partial = false

            if !recurse {
                out.line("")
                out.line(displayName(path.display))
                if let only {
                    guard let v = try hive.value(of: start, named: only) else {
                        // reg.exe: a key without a default value still answers /ve.
                        guard only.isEmpty else { throw CLIError("The system was unable to find the specified registry key or value.") }
                        out.line(valueNotSet)
                        out.line("")
                        return 0
                    }
                    try printValue(v, hive, out)
                    out.line("")
                    return 0
                }
                var any = false
                try hive.forEachValue(of: start) { v throws(HiveError) in
                    try printValue(v, hive, out)
                    any = true
                }
                if any { out.line("") }
                var children: [UInt32] = []
                if let e = hive.appendSubkeys(of: start, to: &children) {
                    guard hiveOptions.salvage else { throw e }
                    Diagnostics.say("warning: subkeys of \(displayName(path.display)) cut short: \(e)")
                    partial = true
                }
                for c in children {
                    let sub = try hive.key(at: c)
                    out.line(displayName(joinPath(path.display, sub.name.codeUnits)))
                }
                return partial ? 2 : 0
            }

            let walk = PathWalk(hive: hive, options: hiveOptions.walkOptions) { at, error in
                Diagnostics.say("warning: skipped the subtree below \(displayName(at)): \(error)")
                partial = true
            }
            var matches = 0
            var progress = Progress("query")
            out.line("")
            try walk.run(from: start, path: path.display) { key, keyPath in
                progress.tick()
                let shown = displayName(keyPath)
                if let only {
                    if let v = try hive.value(of: key, named: only) {
                        out.line(shown)
                        try printValue(v, hive, out)
                        out.line("")
                        matches += 1
                    }
                    return .descend
                }
                out.line(shown)
                var any = false
                do {
                    try hive.forEachValue(of: key) { v throws(HiveError) in
                        try printValue(v, hive, out)
                        any = true
                    }
                } catch let e as HiveError {
                    guard hiveOptions.salvage else { throw e }
                    Diagnostics.say("warning: values of \(shown) cut short: \(e)")
                    partial = true
                }
                if any { out.line("") }
                return .descend
            }
            progress.finish()
            if only != nil { out.line("End of search: \(matches) match(es) found.") }
            return partial ? 2 : 0
        }
    }

    private func printValue(_ v: ValueKey, _ hive: Hive, _ out: Output) throws(HiveError) {
        let data = try hive.data(of: v)
        let name = v.name.isEmpty ? "(Default)" : v.name.description
        let text = data.withUnsafeBytes { ValueText.queryText(type: v.type.rawValue, data: $0) }
        out.line("    \(name)    \(v.type)    \(text)")
    }
}

/// reg query /ve's line for a key that has no default value.
let valueNotSet = "    (Default)    REG_SZ    (value not set)"
