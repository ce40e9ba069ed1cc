import ArgumentParser
import HiveFormat
import RegText

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a key and everything below it to a .reg file (or JSON).",
        discussion: """
            hivekeeper export --hive FILE KEY OUT [--prefix ROOT] [--format reg|regedit4|json] [/y]
            OUT "-" writes to standard output. Keys whose names a .reg file cannot hold (CR, LF, NUL)
            are left out and named on stderr; the exit status is then 2.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case reg, regedit4, json
    }

    @OptionGroup var hiveOptions: HiveOptions

    @Argument(help: "Key path relative to the hive root (\\ for the root).")
    var key: String

    @Argument(help: "Output file, or - for standard output.")
    var output: String

    @Option(help: "The name the hive root gets inside the .reg file.")
    var prefix = "HKEY_LOCAL_MACHINE\\OFFLINE"

    @Option(help: "reg (version 5, UTF-16), regedit4, or json (one object per key per line).")
    var format: Format = .reg

    @Flag(name: .customLong("overwrite"), help: "Overwrite OUT without asking (/y).")
    var overwrite = false

    func run() throws {
        try reporting(hiveOptions) {
            let hive = try hiveOptions.open()
            let path = KeyPath(key)
            let start = try hive.key(at: path)
            try confirmOverwrite()
            let out = output == "-" ? Output.standardOutput() : try Output.file(output)
            var prefixUnits = Array(prefix.utf16)
            while prefixUnits.last == 0x5C { prefixUnits.removeLast() }
            let startPath = path.components.reduce(prefixUnits) { $0 + [0x5C] + $1.codeUnits }
            var partial = false
            let walk = PathWalk(hive: hive, options: hiveOptions.walkOptions) { at, error in
                Diagnostics.say("warning: skipped the subtree below \(displayName(at)): \(error)")
                partial = true
            }
            var progress = Progress("export")
            var writer = RegFileWriter(format: format == .regedit4 ? .regedit4 : .version5)
            var first = true
            func flushWriter(force: Bool) {
                if format != .json && (force || writer.pendingCount > 1 << 15) {
                    out.write(bytes: writer.drain(first: first))
                    first = false
                }
            }
            try walk.run(from: start, path: startPath) { key, keyPath in
                progress.tick()
                let name = key.name.codeUnits
                if keyPath != startPath, let why = writer.unrepresentable(name) {
                    Diagnostics.say("left out: \(displayName(keyPath)) and its subkeys: \(why)")
                    partial = true
                    return .skipChildren
                }
                var values: [(ValueKey, ValueData)] = []
                do {
                    try hive.forEachValue(of: key) { v throws(HiveError) in values.append((v, try hive.data(of: v))) }
                } catch let e as HiveError {
                    guard hiveOptions.salvage else { throw e }
                    Diagnostics.say("warning: values of \(displayName(keyPath)) cut short: \(e)")
                    partial = true
                }
                if format == .json {
                    var jsonValues: [JSONWriter.Value] = []
                    for (v, d) in values {
                        jsonValues.append(JSONWriter.Value(name: v.name.codeUnits, type: v.type.rawValue,
                                                           typeName: v.type.description, data: d.bytes))
                    }
                    let cls = try hive.className(of: key)?.codeUnits
                    out.line(JSONWriter.keyLine(path: keyPath, lastWritten: key.lastWritten.description,
                                                className: cls, values: jsonValues))
                    return .descend
                }
                writer.beginKey(path: keyPath)
                for (v, d) in values {
                    let vname = v.name.codeUnits
                    if let why = writer.unrepresentable(vname) {
                        Diagnostics.say("left out: value \"\(displayName(vname))\" of \(displayName(keyPath)): \(why)")
                        partial = true
                        continue
                    }
                    d.withUnsafeBytes { writer.value(name: vname, type: v.type.rawValue, data: $0) }
                }
                flushWriter(force: false)
                return .descend
            }
            progress.finish()
            if format != .json {
                // regedit ends the file with a blank line after the last section.
                flushWriter(force: true)
                out.write(bytes: format == .regedit4 ? [0x0D, 0x0A] : [0x0D, 0x00, 0x0A, 0x00])
            }
            try out.close()
            return partial ? 2 : 0
        }
    }

    /// reg.exe asks before overwriting; without a terminal to ask on, it fails and says to pass /y.
    private func confirmOverwrite() throws {
        guard output != "-", !overwrite, access(output, F_OK) == 0 else { return }
        guard Diagnostics.stdinIsTerminal else {
            throw CLIError("\(output) already exists; pass /y to overwrite it.")
        }
        Diagnostics.sayInline("File \(output) already exists. Overwrite (Yes/No)? ")
        let answer = readLine()?.lowercased() ?? ""
        guard answer == "y" || answer == "yes" else { throw CLIError("The operation was canceled by the user.") }
    }
}

#if canImport(Glibc)
import Glibc
#endif
