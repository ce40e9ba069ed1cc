import ArgumentParser
import HiveFormat
import RegText

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Apply a .reg file to a hive file (created when missing), or to the live registry, as regedit /s does.",
        discussion: """
            hivekeeper import IN.reg --hive FILE [--prefix ROOT]. Every key must start with ROOT \
            (default HKEY_LOCAL_MACHINE\\OFFLINE, as export writes), which stands for the hive's root. \
            Without --hive the keys are live paths (HKEY_CURRENT_USER\\…) applied through hivekeeperd, \
            as reg import does. The whole file is checked first: a line it cannot use is an error naming \
            its line and column, and then nothing is changed. It is read one line at a time, so a \
            large file costs the memory of its largest value. The changes are flushed once, at the end.
            """
    )

    @Argument(help: "The .reg file (regedit's version 5 or REGEDIT4).")
    var input: String

    @Option(name: .customLong("codepage"), help: "A REGEDIT4 file's Windows ANSI code page (\(CodePage.offered)); default: UTF-8 when the bytes are valid UTF-8, else 1252.")
    var codepage: Int?

    func validate() throws {
        if let codepage, CodePage(codepage) == nil {
            throw ValidationError("--codepage \(codepage): a code page is one of \(CodePage.offered)")
        }
    }

    @OptionGroup var editOptions: EditOptions
    @OptionGroup var daemon: DaemonOptions

    @Option(help: "The key that stands for the hive's root in the file.")
    var prefix = "HKEY_LOCAL_MACHINE\\OFFLINE"

    /// A reader of the file, mapped rather than copied, or an error naming the file. The file is
    /// read twice, one operation at a time: once to check every line, then to apply them.
    private func reader() throws -> RegFileReader {
        do {
            let file = try HiveStorage(mappingFileAt: input)
            return try RegFileReader(bytes: file.bytes, owner: file, codePage: codepage.flatMap { CodePage($0) })
        } catch let e as HiveError {
            throw CLIError(e.description)  // it names the file
        } catch {
            throw CLIError("\(input): \(error)")
        }
    }

    /// The reader's next operation, or an error naming the file and line.
    private func next(_ reader: inout RegFileReader) throws -> RegOperation? {
        do {
            return try reader.next()
        } catch {
            throw CLIError("\(input): \(error)")
        }
    }

    func run() async throws {
        if editOptions.hive == nil {
            try await reportingOnline {
                // Every line read and every key a live path before anything changes (in a scope of
                // its own: its mapping is gone before the second reader maps the file).
                do {
                    var check = try reader()
                    while let op = try next(&check) {
                        switch op {
                        case let .createKey(path, line), let .deleteKey(path, line):
                            do { _ = try LivePath(String(decoding: path, as: UTF16.self)) } catch let e as CLIError {
                                throw CLIError("\(input): line \(line): \(e.description)")
                            }
                        default: break
                        }
                    }
                }
                let client = try await daemon.connect()
                defer { client.close() }
                var apply = try reader()
                try await OnlineEdits(client: client).apply(from: input) { () throws -> RegOperation? in try next(&apply) }
                print("The operation completed successfully.")
                return 0
            }
            return
        }
        try reporting(nil) {
            var root = Array(prefix.utf16)
            while root.last == 0x5C { root.removeLast() }
            /// The components below the root, or an error naming the line.
            func relative(_ path: [UInt16], _ line: Int) throws -> KeyPath {
                let rootName = RegistryName(codeUnits: root)
                let head = RegistryName(codeUnits: Array(path.prefix(root.count)))
                guard head.equalsIgnoringCase(rootName), path.count == root.count || path[root.count] == 0x5C else {
                    throw CLIError("\(input): line \(line): the key \(String(decoding: path, as: UTF16.self)) is not under \(prefix) (--prefix names the root)")
                }
                return KeyPath(String(decoding: path.dropFirst(root.count), as: UTF16.self))
            }
            // Check every line and path before opening the hive: a bad file changes nothing.
            // (In a scope of its own: its mapping is gone before the second reader maps the file.)
            do {
                var check = try reader()
                while let op = try next(&check) {
                    switch op {
                    case let .createKey(path, line), let .deleteKey(path, line): _ = try relative(path, line)
                    default: break
                    }
                }
            }
            return try editOptions.editing(create: true) { editor in
                // The last [key]'s cell: the values that follow it are its.
                var current: (path: [UInt16], cell: UInt32)?
                var ops = try reader()
                /// A key the hive refuses (a name too long, too deep) is the .reg line's fault: named so.
                func keyCell(_ path: [UInt16], _ line: Int, create: Bool) throws -> UInt32 {
                    let p = try relative(path, line)
                    do {
                        return try editor.key(at: p, create: create)
                    } catch let e as HiveError {
                        if !create, case .keyNotFound = e { throw e }
                        throw CLIError("\(input): line \(line): \(e)")
                    }
                }
                while let op = try next(&ops) {
                    switch op {
                    case let .createKey(path, line):
                        current = (path, try keyCell(path, line, create: true))
                    case let .deleteKey(path, line):
                        current = nil
                        let p = try relative(path, line)
                        guard !p.components.isEmpty else { throw CLIError("\(input): line \(line): the root of a hive cannot be deleted") }
                        if let k = try? keyCell(path, line, create: false) { try editor.deleteKey(k, recursive: true) }
                    case let .setValue(key, name, type, data, line):
                        let k = try current?.path == key ? current!.cell : keyCell(key, line, create: true)
                        do {
                            try editor.setValue(of: k, named: RegistryName(codeUnits: name), type: type, bytes: data)
                        } catch {
                            throw CLIError("\(input): line \(line): \(error)")
                        }
                    case let .deleteValue(key, name, line):
                        if let k = try? current?.path == key ? current!.cell : keyCell(key, line, create: false) {
                            try editor.deleteValue(of: k, named: RegistryName(codeUnits: name))
                        }
                    }
                }
                try editor.flush()
                print("The operation completed successfully.")
                return 0
            }
        }
    }
}
