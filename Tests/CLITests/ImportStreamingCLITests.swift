import Foundation
import TestSupport
import Testing

/// `hivekeeper import` reads a .reg file a line at a time: its memory is the file's mapping and
/// its largest value, not a multiple of the file (an 18 MB file once took 585 MB).
struct ImportStreamingCLITests {
    /// The child's peak resident set in KiB (python3 waits for it and reads its rusage).
    static func peakKiB(_ arguments: [String]) throws -> (status: Int32, kib: Int, err: String) {
        let script = """
            import resource, subprocess, sys
            r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            sys.stderr.write(r.stderr.decode(errors="replace"))
            print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let r = try runProgram("/usr/bin/python3", ["-c", script, CLI.binary] + arguments)
        let fields = r.outText.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return (Int32(fields.first.flatMap { $0 } ?? -1), fields.last.flatMap { $0 } ?? -1, r.errText)
    }

    @Test func aLargeFileCostsItsMappingNotAMultipleOfIt() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 24 MB: one value set 8,000 times with 1 KiB of hex each (the hive stays one bin), then a
        // key per thousand lines so keys come and go too.
        let row = (0..<1024).map { String(format: "%02x", $0 & 0xFF) }.joined(separator: ",")
        var text = "Windows Registry Editor Version 5.00\n\n"
        for i in 0..<8_000 {
            if i % 1_000 == 0 { text += "[HKEY_LOCAL_MACHINE\\OFFLINE\\A\\K\(i / 1_000)]\n" }
            text += "\"v\"=hex:\(row)\n"
        }
        let reg = dir.appendingPathComponent("big.reg")
        try Data(text.utf8).write(to: reg)
        let fileKiB = text.utf8.count / 1024
        text = ""

        let baseline = try Self.peakKiB(["--version"])
        #expect(baseline.status == 0)
        let hive = dir.appendingPathComponent("big.dat").path
        let imported = try Self.peakKiB(["import", reg.path, "--hive", hive])
        #expect(imported.status == 0, "\(imported.err)")
        // The mapping (read twice, one mapping at a time) plus room for the editor; holding the
        // file's lines or its operations costs several times the file.
        #expect(imported.kib < baseline.kib + fileKiB + 24 * 1024,
                "peak \(imported.kib) KiB; the program alone \(baseline.kib) KiB; the file \(fileKiB) KiB")
        let query = try CLI.run(["query", "--hive", hive, "A\\K7", "/v", "v"])
        #expect(query.status == 0 && query.out.contains("REG_BINARY    000102"), "\(query.out)\(query.err)")
    }

    @Test func aBadLastLineChangesNothingAndNamesItsLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\OFFLINE\\A]\n"
        for i in 0..<1_000 { text += "\"v\(i)\"=dword:\(String(i, radix: 16))\n" }
        text += "\"bad\"=dword:xyz\n"
        let reg = dir.appendingPathComponent("bad.reg")
        try Data(text.utf8).write(to: reg)
        let hive = dir.appendingPathComponent("bad.dat").path
        let r = try CLI.run(["import", reg.path, "--hive", hive])
        #expect(r.status == 1)
        #expect(r.err.contains("bad.reg: line 1004, column 13: dword: needs 1 to 8 hex digits"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: hive), "a bad file created the hive")
    }
}
