import ArgumentParser
import HiveFormat

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every structural rule of a hive: bins, cells, lists, values, security cells.",
        discussion: """
            Prints one `problem:` line per broken rule (cell or file offset, and the rule), `note:` \
            lines for what is allowed but odd (leaked cells, a dirty base block), then counts. \
            Exit status 0 when sound, 1 when a rule is broken. A dirty hive is checked after its \
            logs are applied (in memory), unless --no-logs.
            """
    )

    @OptionGroup var hiveOptions: HiveOptions

    @Option(help: "List at most this many problems.")
    var limit = 100

    func run() throws {
        try reporting(hiveOptions) {
            let hive = try hiveOptions.open()
            let report = hive.check(limit: limit)
            let out = Output.standardOutput()
            defer { try? out.close() }
            for p in report.problems { out.line("problem: \(p)") }
            for n in report.notes { out.line("note: \(n)") }
            out.line("keys: \(report.keys)")
            out.line("values: \(report.values)")
            out.line("security-cells: \(report.securityCells)")
            out.line("leaked-cells: \(report.leakedCells)")
            out.line(report.isSound ? "sound" : "unsound: \(report.problems.count)\(report.problems.count >= limit ? "+" : "") problem\(report.problems.count == 1 && limit > 1 ? "" : "s")")
            return report.isSound ? 0 : 1
        }
    }
}
