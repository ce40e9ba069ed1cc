import ArgumentParser
import HiveFormat

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Apply a dirty hive's transaction logs and write the result as a clean hive.",
        discussion: """
            The hive and its logs are never modified; OUT is written whole (a temporary file \
            renamed into place). Logs are NAME.LOG1, NAME.LOG2 and NAME.LOG beside the hive, or \
            the --log files. A clean hive is copied as it is. stdout says what was applied. A log \
            that exists but cannot be read is an error (it may hold the newest changes); with \
            --partial the others are applied, the unreadable one is named, and the exit status is 2.
            """
    )

    @Option(name: .customLong("hive"), help: "The dirty hive file (never modified).")
    var hive: String

    @Option(name: .customLong("output"), help: ArgumentHelp("Where to write the recovered hive.", valueName: "file"))
    var output: String

    @Option(name: .customLong("log"), help: ArgumentHelp("A transaction log (repeat for LOG1 and LOG2).", valueName: "file"))
    var logs: [String] = []

    @Flag(name: .customLong("partial"), help: "When a log cannot be read, recover from the others and say what was left out (exit status 2) instead of refusing.")
    var partial = false

    func run() throws {
        try reporting(nil) {
            let opened: OpenedHive
            do throws(HiveError) {
                opened = try Hive.open(path: hive, logs: logs.isEmpty ? .besideHive : .files(logs), partial: partial)
            } catch {
                switch error {
                case .io, .locked, .logRecovery: throw error  // these name their files
                default: throw CLIError("\(hive): \(error)")
                }
            }
            for input in [hive] + opened.logs.map(\.name) where AtomicWrite.sameFile(input, output) {
                throw CLIError("\(output) is \(input == hive ? "the hive" : "its log \(input)"); recover never overwrites its inputs")
            }
            let out = Output.standardOutput()
            defer { try? out.close() }
            if let r = opened.recovery {
                out.line("recovered: \(r.entries) log \(r.entries == 1 ? "entry" : "entries"), \(r.pages) pages, sequence \(r.sequence)")
                for a in r.applied {
                    out.line("applied: \(a.log): \(a.entries == 1 ? "entry" : "entries") \(a.sequences.lowerBound)-\(a.sequences.upperBound), \(a.pages) pages")
                }
                for n in r.notes { out.line("note: \(n)") }
                // A log passed over is said where a user looks for trouble too.
                for s in r.skipped { Diagnostics.say("warning: \(s.log): not used: \(s.reason)") }
                for s in r.leftOut {
                    Diagnostics.say("warning: \(s.log): left out (--partial): \(s.reason); whatever it held newer than the other logs is missing from \(output)")
                }
            } else if opened.primaryBaseBlock.isDirty {
                throw CLIError("\(hive) is dirty and no transaction log was found to recover it from (looked for NAME.LOG1, NAME.LOG2, NAME.LOG; --log names others)")
            } else {
                out.line("clean: \(hive) needs no recovery; copied as it is")
            }
            // Recovery checked the result already; a clean hive is checked here.
            let summary = try opened.recovery?.checked ?? opened.hive.checkConsistency()
            try AtomicWrite.write(opened.hive.storage.bytes, to: output)
            out.line("wrote: \(output) (\(opened.hive.storage.bytes.count) bytes; \(summary.keys) keys, \(summary.values) values)")
            if let leftOut = opened.recovery?.leftOut, !leftOut.isEmpty {
                out.line("partial: left out \(leftOut.map(\.log).joined(separator: ", "))")
                return 2
            }
            return 0
        }
    }
}
