import Foundation
import TestSupport
import Testing

/// Export → import into a new hive → libhivex reads the new hive as it read the original.
@Suite(.enabled(if: CLI.corpusPresent && CLI.hivexPresent, "needs ../shared/hives and python3-hivex"))
struct ImportCLITests {
    /// Hives up to 1 MB in the suite (HIVEKEEPER_ROUNDTRIP_ALL=1: every one; the long run).
    static func roundTripHives() -> [String] {
        let all = ProcessInfo.processInfo.environment["HIVEKEEPER_ROUNDTRIP_ALL"] == "1"
        return SharedCorpus.primaryHives().filter { rel in
            let size = (try? FileManager.default.attributesOfItem(atPath: SharedCorpus.path(rel))[.size] as? Int) ?? 0
            return all || size <= 1 << 20
        }
    }

    static func dump(_ path: String) throws -> String {
        try runProgram("/usr/bin/python3", [SharedCorpus.projectRoot.appendingPathComponent("scripts/hivex-dump.py").path, path]).outText
    }

    @Test(arguments: roundTripHives())
    func exportImportRoundTrip(_ relative: String) throws {
        let original = SharedCorpus.path(relative)
        let theirs = try Self.dump(original)
        guard !theirs.contains("X\t") else { return }  // libhivex cannot read it whole: nothing to compare
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reg = dir.appendingPathComponent("x.reg").path, hive = dir.appendingPathComponent("new.hive").path
        let exported = try CLI.run(["export", "--hive", original, "\\", reg, "--no-logs"])
        guard exported.status == 0 || exported.status == 2 else {
            // A hive our strict reader refuses (INDEX says so) has nothing to round-trip.
            return
        }
        let imported = try CLI.run(["import", reg, "--hive", hive])
        #expect(imported.status == 0, "\(imported.err)")
        var expected = theirs
        if exported.status == 2 {
            // Keys .reg cannot name were left out, and named on stderr: drop them from hivex's dump.
            expected = Self.withoutUnrepresentable(theirs)
        }
        #expect(try Self.dump(hive) == expected, "\(relative)")
        let check = try CLI.run(["check", "--hive", hive])
        #expect(check.status == 0, "\(check.out.suffix(300))")
    }

    /// hivex's dump without the keys (and their subtrees) or values whose names hold CR, LF or NUL.
    static func withoutUnrepresentable(_ dump: String) -> String {
        var out: [Substring] = []
        var skipping: String?  // a left-out key's path: its subkeys' paths start with it
        for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { out.append(line); continue }  // the end of the dump
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.first == "K" {
                let path = String(fields[1])
                if let s = skipping, path.hasPrefix(s) { continue }
                skipping = nil
                if bad(path) { skipping = path; continue }
            } else if skipping != nil {
                continue
            } else if fields.first == "V", bad(String(fields[1])) {
                continue
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }

    static func bad(_ hexName: String) -> Bool {
        stride(from: 0, to: hexName.count - 1, by: 2).contains { i in
            let s = hexName.index(hexName.startIndex, offsetBy: i)
            return ["00", "0a", "0d"].contains(String(hexName[s..<hexName.index(s, offsetBy: 2)]))
        }
    }

    @Test func badFileChangesNothing() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("h").path, reg = dir.appendingPathComponent("bad.reg").path
        #expect(try CLI.run(["add", "--hive", hive, "Keep", "/v", "x", "/d", "1"]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: hive))
        try Data("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\New]\r\n\"a\"=dword:1\r\n\"b\"=hex:zz\r\n".utf8)
            .write(to: URL(fileURLWithPath: reg))
        let r = try CLI.run(["import", reg, "--hive", hive])
        #expect(r.status == 1)
        #expect(r.err.contains("line 5, column 9"), "\(r.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: hive)) == before)
        try Data("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\X]\r\n".utf8).write(to: URL(fileURLWithPath: reg))
        let outside = try CLI.run(["import", reg, "--hive", hive])
        #expect(outside.status == 1 && outside.err.contains("line 3") && outside.err.contains("not under"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: hive)) == before)
    }
}

/// A REGEDIT4 file in a Windows code page, through the real binary: written by export
/// --codepage, read back by import (and by default as Windows-1252).
@Suite struct CodePageCLITests {
    @Test func regedit4InACodePageRoundTrips() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("a.dat").path, copy = dir.appendingPathComponent("b.dat").path
        let reg = dir.appendingPathComponent("a.reg").path
        #expect(try CLI.run(["add", "--hive", hive, "Software\\Café", "/v", "Crème", "/d", "brûlée"]).status == 0)
        let exported = try CLI.run(["export", "--hive", hive, "\\", reg, "--format", "regedit4", "--codepage", "1252"])
        #expect(exported.status == 0, "\(exported.err)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: reg)))
        #expect(bytes.contains(0xE9) && !bytes.contains(0xC3))
        // No --codepage: not UTF-8, so Windows-1252.
        let imported = try CLI.run(["import", reg, "--hive", copy])
        #expect(imported.status == 0, "\(imported.err)")
        let q = try CLI.run(["query", "--hive", copy, "Software\\Café", "/v", "Crème"])
        #expect(q.status == 0 && q.out.contains("brûlée"), "\(q.out) \(q.err)")
        #expect(try CLI.run(["import", reg, "--hive", copy, "--codepage", "65001"]).status == 1)
    }
}
