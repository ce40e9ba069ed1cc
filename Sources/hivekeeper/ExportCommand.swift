import ArgumentParser
import HiveFormat
import RegText

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a key and everything below it to a .reg file (or JSON).",
        discussion: """
            hivekeeper export [--hive FILE] KEY OUT [--prefix ROOT] [--format reg|regedit4|json] [/y]
            Without --hive, KEY is a live key (HKLM\\…, HKCU\\…) read through hivekeeperd, and the \
            file names keys by their live paths. OUT "-" writes to standard output. Keys whose \
            names a .reg file cannot hold (CR, LF, NUL) are left out and named on stderr; the exit \
            status is then 2. --salvage skips a broken subtree, naming its key path (exit status 2).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case reg, regedit4, json
    }

    @OptionGroup var hiveOptions: HiveOptions
    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "Key path relative to the hive root (\\ for the root), or a live path.")
    var key: String

    @Argument(help: "Output file, or - for standard output.")
    var output: String

    @Option(help: "The name the hive root gets inside the .reg file.")
    var prefix = "HKEY_LOCAL_MACHINE\\OFFLINE"

    @Option(help: "reg (version 5, UTF-16), regedit4, or json (one object per key per line).")
    var format: Format = .reg

    @Flag(name: .customLong("overwrite"), help: "Overwrite OUT without asking (/y).")
    var overwrite = false

    @Option(name: .customLong("codepage"), help: "With --format regedit4: write in this Windows ANSI code page (\(CodePage.offered)) as regedit does; default UTF-8.")
    var codepage: Int?

    func validate() throws {
        if let codepage {
            guard CodePage(codepage) != nil else { throw ValidationError("--codepage \(codepage): a code page is one of \(CodePage.offered)") }
            guard format == .regedit4 else { throw ValidationError("--codepage goes with --format regedit4") }
        }
    }

    private func makeSink(_ out: Output) -> ExportSink {
        ExportSink(format: format, codePage: codepage.flatMap { CodePage($0) }, out: out)
    }

    func run() async throws {
        if hiveOptions.hive == nil {
            try await daemon.run(livePaths: [key]) { client in
                let start = try LivePath(key)
                try confirmOverwrite()
                let sink = makeSink(output == "-" ? Output.standardOutput() : try Output.file(output))
                try await OnlineExport(client: client, sink: sink).run(start)
                try sink.finish()
                return sink.partial ? 2 : 0
            }
            return
        }
        try reporting(hiveOptions) {
            let hive = try hiveOptions.open()
            let path = KeyPath(key)
            let start = try hive.key(at: path)
            try confirmOverwrite()
            let out = output == "-" ? Output.standardOutput() : try Output.file(output)
            var prefixUnits = Array(prefix.utf16)
            while prefixUnits.last == 0x5C { prefixUnits.removeLast() }
            let startPath = path.components.reduce(prefixUnits) { $0 + [0x5C] + $1.codeUnits }
            let sink = makeSink(out)
            let walk = PathWalk(hive: hive, options: hiveOptions.walkOptions) { at, error in
                Diagnostics.say("warning: skipped the subtree below \(displayName(at)): \(error)")
                sink.partial = true
            }
            var progress = Progress("export")
            try walk.run(from: start, path: startPath) { key, keyPath in
                progress.tick()
                guard keyPath == startPath || sink.canHold(keyPath: keyPath, name: key.name.codeUnits) else { return .skipChildren }
                var values: [(ValueKey, ValueData)] = []
                do {
                    try hive.forEachValue(of: key) { v throws(HiveError) in values.append((v, try hive.data(of: v))) }
                } catch let e as HiveError {
                    guard hiveOptions.salvage else { throw e }
                    Diagnostics.say("warning: values of \(displayName(keyPath)) cut short: \(e)")
                    sink.partial = true
                }
                if format == .json {
                    let jsonValues = values.map { v, d in
                        JSONWriter.Value(name: v.name.codeUnits, type: v.type.rawValue, typeName: v.type.description, data: d.bytes)
                    }
                    sink.jsonKey(path: keyPath, lastWritten: key.lastWritten.description,
                                 className: try hive.className(of: key)?.codeUnits, values: jsonValues)
                    return .descend
                }
                sink.beginKey(path: keyPath)
                for (v, d) in values {
                    d.withUnsafeBytes { sink.value(name: v.name.codeUnits, type: v.type.rawValue, data: $0, keyPath: keyPath) }
                }
                sink.endKey()
                return .descend
            }
            progress.finish()
            try sink.finish()
            return sink.partial ? 2 : 0
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
