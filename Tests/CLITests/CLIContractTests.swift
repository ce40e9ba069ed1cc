import Foundation
import TestSupport
import Testing

/// The CLI's contract (README): exit status 0, 1 or 2, never another; a failure is one
/// `ERROR: …` line on stderr that names the file it is about. Every subcommand that reads a file
/// is fed the bad files users have (missing, a directory, empty, random bytes, a truncated hive);
/// every live subcommand meets a daemon that is not there.
@Suite(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
struct CLIContractTests {
    enum BadFile: String, CaseIterable, CustomTestStringConvertible {
        case missing, directory, empty, random, truncated
        var testDescription: String { rawValue }

        /// The file in `dir`, made as its kind says.
        func make(in dir: URL) throws -> String {
            let path = dir.appendingPathComponent("\(rawValue).dat").path
            switch self {
            case .missing: return dir.appendingPathComponent("no-such-dir/\(rawValue).dat").path
            case .directory: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            case .empty: try Data().write(to: URL(fileURLWithPath: path))
            case .random:
                var generator = SystemRandomNumberGenerator()
                try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: URL(fileURLWithPath: path))
            case .truncated:
                let hive = try Data(contentsOf: URL(fileURLWithPath: CLI.hive("nt-hive/testdata/testhive")))
                try hive.prefix(6000).write(to: URL(fileURLWithPath: path))
            }
            return path
        }
    }

    /// Every offline subcommand, with FILE where the bad file goes and OUT where it writes.
    static let offline: [[String]] = [
        ["query", "--hive", "FILE", "\\", "/s"],
        ["export", "--hive", "FILE", "\\", "OUT"],
        ["info", "--hive", "FILE", "--deep"],
        ["recover", "--hive", "FILE", "--output", "OUT"],
        ["check", "--hive", "FILE"],
        ["add", "--hive", "FILE", "Software\\X", "/v", "a", "/d", "1"],
        ["delete", "--hive", "FILE", "Software", "/f"],
        ["copy", "--hive", "FILE", "A", "B", "/f"],
        ["compare", "--hive", "FILE", "A", "--hive2", "FILE", "B"],
        ["import", "FILE", "--hive", "OUT"],
    ]

    @Test(arguments: offline, BadFile.allCases)
    func aBadFileIsOneErrorNamingIt(_ template: [String], _ kind: BadFile) throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try kind.make(in: dir)
        let out = dir.appendingPathComponent("out.dat").path
        let r = try CLI.run(template.map { $0 == "FILE" ? file : $0 == "OUT" ? out : $0 })
        #expect(r.status == 1, "\(template) on a \(kind) file: status \(r.status)")
        let errors = r.err.split(separator: "\n").filter { $0.hasPrefix("ERROR: ") }
        #expect(errors.count == 1 && errors[0].contains(file), "\(template) on a \(kind) file: \(r.err)")
        if kind == .random || kind == .truncated, template[0] != "import" {
            // Where in the file: an offset, or the length that falls short.
            #expect(errors.first.map { $0.contains("offset") || $0.contains("bytes long") } == true, "\(r.err)")
        }
        if template[0] == "import", kind != .missing, kind != .directory {
            #expect(errors.first?.contains("line 1") == true, "\(r.err)")  // a .reg error names its line
        }
    }

    /// Every live subcommand without a daemon: one error naming the socket it tried.
    static let live: [[String]] = [
        ["query", "HKCU\\Software"], ["add", "HKCU\\X", "/v", "a", "/d", "1"], ["delete", "HKCU\\X", "/f"],
        ["export", "HKCU\\X", "OUT"], ["copy", "HKCU\\A", "HKCU\\B"], ["compare", "HKCU\\A", "HKCU\\B"],
        ["load", "HKLM\\T", "OUT"], ["unload", "HKLM\\T"], ["save", "HKCU\\X", "OUT"], ["restore", "HKCU\\X", "OUT"],
        ["rename", "HKCU\\X", "Y"], ["watch", "HKCU\\X", "--count", "1"], ["session", "list"], ["session", "logon", "alice"],
        ["session", "logoff", "1"], ["handles"], ["events"], ["chaos", "force-unload", "alice"],
    ]

    @Test(arguments: live)
    func noDaemonIsOneErrorNamingTheSocket(_ template: [String]) throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("socket").path
        let out = dir.appendingPathComponent("out.dat").path
        let r = try CLI.run(template.map { $0 == "OUT" ? out : $0 } + ["--socket", socket])
        #expect(r.status == 1, "\(template): status \(r.status)")
        let errors = r.err.split(separator: "\n").filter { $0.hasPrefix("ERROR: ") }
        #expect(errors.count == 1 && errors[0].contains(socket), "\(template): \(r.err)")
    }

    /// Usage errors of every subcommand, and the daemon's: status 1 (ArgumentParser's own is 64).
    @Test(arguments: [
        ["bogus"], ["query", "--bogus"], ["export"], ["info"], ["recover", "--hive", "x"], ["check"], ["add"],
        ["delete"], ["import"], ["copy", "A"], ["compare", "A"], ["load", "HKLM\\T"], ["unload"], ["save", "HKCU\\X"],
        ["restore", "HKCU\\X"], ["rename", "HKCU\\X"], ["watch"], ["demo", "--grace", "x"], ["session", "logon"],
        ["session", "logoff", "x"], ["handles", "--bogus"], ["events", "--bogus"], ["chaos", "force-unload"],
    ])
    func usageErrorsExitOne(_ arguments: [String]) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 1, "\(arguments): status \(r.status): \(r.err)")
        #expect(!r.err.isEmpty, "\(arguments): nothing said")
    }

    @Test func theDaemonsUsageErrorsExitOne() throws {
        let daemon = builtProduct("hivekeeperd")
        for arguments in [["--bogus"], ["--policy", "sometimes"], ["--grace"], ["--grace", "soon"]] {
            let r = try runProgram(daemon, arguments)
            #expect(r.status == 1, "\(arguments): status \(r.status): \(r.errText)")
            #expect(r.errText.contains("Error: "), "\(arguments): \(r.errText)")
        }
        #expect(try runProgram(daemon, ["--version"]).status == 0)
    }
}
