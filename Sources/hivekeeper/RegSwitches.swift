/// reg.exe's switches, recognised only as exact, case-insensitive tokens from reg.exe's list and
/// translated to long options before parsing; `--` ends the translation (so a key or file
/// literally named "/s" can still be passed after it).
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

    static func translate(_ args: [String]) -> [String] {
        var out: [String] = []
        var ended = false
        // reg add's /s is the REG_MULTI_SZ separator, not "recurse".
        let isAdd = args.first == "add"
        for a in args {
            if ended { out.append(a); continue }
            if a == "--" { ended = true; out.append(a); continue }
            if isAdd && a.lowercased() == "/s" { out.append("--separator"); continue }
            out.append(table[a.lowercased()] ?? a)
        }
        return out
    }
}
