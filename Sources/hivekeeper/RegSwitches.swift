import ArgumentParser

/// reg.exe's `/v NAME | /ve`: one named value, or the default one.
struct ValueNameOptions: ParsableArguments {
    @Option(name: .customLong("value"), help: "The value named NAME (/v NAME).")
    var value: String?

    @Flag(name: .customLong("default-value"), help: "The default value (/ve).")
    var defaultValue = false

    func validate() throws {
        if value != nil && defaultValue { throw ValidationError("/v and /ve cannot be used together") }
    }

    /// The value chosen ("" for the default one), or nil when neither switch was given.
    var name: String? { defaultValue ? "" : value }
}

/// reg.exe's switches, recognised only as exact, case-insensitive tokens from reg.exe's list (or
/// such a token, "=" and a value) and translated to long options before parsing; `--` ends the
/// translation (so a key or file literally named "/s" can still be passed after it).
enum RegSwitches {
    static let table: [String: String] = [
        "/s": "--recurse",
        "/v": "--value",
        "/ve": "--default-value",
        "/va": "--all-values",
        "/y": "--overwrite",
        "/f": "--force",
        "/t": "--type",
        "/d": "--data",
        "/se": "--separator",
        "/oa": "--output-all",
        "/od": "--output-differences",
        "/os": "--output-same",
        "/on": "--output-none",
    ]

    /// `subcommands`: the command names, matched case-insensitively in first place as reg.exe
    /// matches its operations (`QUERY`); `/?` anywhere is help, as in reg.exe.
    static func translate(_ args: [String], subcommands: [String] = []) -> [String] {
        var args = args
        if let first = args.first, let name = subcommands.first(where: { $0.lowercased() == first.lowercased() }) {
            args[0] = name
        }
        var out: [String] = []
        var ended = false
        // reg add's /s is the REG_MULTI_SZ separator, not "recurse".
        let isAdd = args.first == "add"
        for a in args {
            if ended { out.append(a); continue }
            if a == "--" { ended = true; out.append(a); continue }
            if a == "/?" { out.append("--help"); continue }
            if isAdd && a.lowercased() == "/s" { out.append("--separator"); continue }
            // "/d=VALUE" as "--data=VALUE" is: the value after "=" as it is.
            if let eq = a.firstIndex(of: "="), let long = isAdd && a[..<eq].lowercased() == "/s" ? "--separator" : table[a[..<eq].lowercased()] {
                out.append(long + a[eq...])
                continue
            }
            out.append(table[a.lowercased()] ?? a)
        }
        return out
    }
}
