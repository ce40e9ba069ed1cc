import Foundation
import TestSupport
import Testing

/// Issue 27 item 7: an error names its file and where (offset or line), not only the rule.
@Suite(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
struct ErrorNamingCLITests {
    /// A copy of a good hive whose first bin's signature is broken: opening it for writing fails
    /// at file offset 0x1000.
    static func brokenHive(in dir: URL) throws -> String {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: CLI.hive("nt-hive/testdata/testhive")))
        bytes.replaceSubrange(4096..<4100, with: Array("xbin".utf8))
        let path = dir.appendingPathComponent("corrupt.hive").path
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func addOnACorruptHiveNamesTheFileAndOffset() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = try Self.brokenHive(in: dir)
        let r = try CLI.run(["add", "--hive", hive, "Software\\X", "/v", "n", "/d", "v"])
        #expect(r.status == 1)
        #expect(r.err.contains("ERROR: \(hive): ") && r.err.contains("0x1000"), "\(r.err)")
        let d = try CLI.run(["delete", "--hive", hive, "Software", "/f"])
        #expect(d.status == 1 && d.err.contains("ERROR: \(hive): "), "\(d.err)")
    }

    @Test func importOfAKeyTheHiveRefusesNamesTheRegFileAndLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("new.dat").path
        let reg = dir.appendingPathComponent("in.reg").path
        // A 300-character key name (Windows allows 255) on line 5.
        let long = String(repeating: "k", count: 300)
        try Data("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\ok]\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\\(long)]\r\n".utf8)
            .write(to: URL(fileURLWithPath: reg))
        let r = try CLI.run(["import", reg, "--hive", hive])
        #expect(r.status == 1 && r.err.contains("ERROR: \(reg): line 5: "), "\(r.err)")
        // 513 levels deep (Windows stops at 512), on line 3.
        let deep = (1...513).map { "k\($0)" }.joined(separator: "\\")
        try Data("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\\(deep)]\r\n\"v\"=\"x\"\r\n".utf8)
            .write(to: URL(fileURLWithPath: reg))
        let d = try CLI.run(["import", reg, "--hive", hive])
        #expect(d.status == 1 && d.err.contains("ERROR: \(reg): line 3: "), "\(d.err)")
    }
}
