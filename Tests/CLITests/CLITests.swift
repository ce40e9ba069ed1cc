import Foundation
import TestSupport
import Testing

/// The `hivekeeper` binary, run as a user would: output formats, exit codes, switches.
enum CLI {
    static let projectRoot = SharedCorpus.projectRoot
    static var corpusPresent: Bool { SharedCorpus.isPresent }
    static let hivexPresent: Bool = (try? runProgram("/usr/bin/python3", ["-c", "import hivex"]))?.status == 0
    static func hive(_ rel: String) -> String { SharedCorpus.path(rel) }

    /// The binary sits beside the test bundle in the build directory.
    static let binary = builtProduct("hivekeeper")

    struct Result { var out: String; var outBytes: Data; var err: String; var status: Int32 }

    static func run(_ args: [String]) throws -> Result {
        let r = try runProgram(binary, args)
        return Result(out: r.outText, outBytes: r.out, err: r.errText, status: r.status)
    }

    /// Runs with standard input a terminal into which `typed` is typed (answers to prompts).
    static func run(_ args: [String], typing typed: String) throws -> Result {
        let r = try runProgram(binary, args, typing: typed)
        return Result(out: r.outText, outBytes: r.out, err: r.errText, status: r.status)
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hk-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}

@Suite(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
struct CLITests {
    let testhive = CLI.hive("nt-hive/testdata/testhive")

    @Test func queryPrintsRegExeFormat() throws {
        let r = try CLI.run(["query", "--hive", testhive, "data-test"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "")
        #expect(lines[1] == "\\data-test")
        #expect(lines.contains("    reg-sz    REG_SZ    sz-test"))
        #expect(lines.contains("    dword    REG_DWORD    0x2a"))
        #expect(lines.contains("    qword    REG_QWORD    0xffffffffffffffff"))
        #expect(lines.contains("    binary    REG_BINARY    0102030405"))
        #expect(lines.contains("    reg-multi-sz    REG_MULTI_SZ    multi-sz-test\\0line2"))
    }

    @Test func querySubkeysValueAndSwitches() throws {
        let root = try CLI.run(["query", "--hive", testhive, "\\"])
        #expect(root.out.contains("\n\\data-test\n"))
        let one = try CLI.run(["query", "--hive", testhive, "DATA-TEST", "/V", "dword"])
        #expect(one.status == 0)
        #expect(one.out == "\n\\DATA-TEST\n    dword    REG_DWORD    0x2a\n\n")
        let missing = try CLI.run(["query", "--hive", testhive, "data-test", "/v", "nope"])
        #expect(missing.status == 1)
        #expect(missing.err.contains("ERROR: The system was unable to find the specified registry key or value."))
        let noKey = try CLI.run(["query", "--hive", testhive, "no\\such"])
        #expect(noKey.status == 1)
        let recursive = try CLI.run(["query", "--hive", testhive, "subpath-test", "/s"])
        #expect(recursive.status == 0)
        #expect(recursive.out.hasPrefix("\n\\subpath-test\n"))
        // After `--`, "/s" is a key name, not a switch.
        let literal = try CLI.run(["query", "--hive", testhive, "--", "/s"])
        #expect(literal.status == 1)
        let searched = try CLI.run(["query", "--hive", testhive, "\\", "/s", "/v", "dword"])
        #expect(searched.out.hasSuffix("End of search: 1 match(es) found.\n"))
    }

    @Test func infoDeepPrintsExactCounts() throws {
        let r = try CLI.run(["info", "--hive", CLI.hive("regipy/NTUSER.DAT"), "--deep"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n").map(String.init)
        let i = try #require(lines.firstIndex(of: "keys: 1812"))
        #expect(Array(lines[i...]) == ["keys: 1812", "values: 4094", "data-bytes: 276160", "REG_NONE: 141",
                                        "REG_SZ: 1636", "REG_EXPAND_SZ: 93", "REG_BINARY: 531", "REG_DWORD: 1336",
                                        "REG_MULTI_SZ: 303", "REG_QWORD: 54"])
        #expect(lines.contains("format: regf 1.3"))
        #expect(lines.contains("state: clean"))
        let types = try CLI.run(["info", "--hive", CLI.hive("regipy/SYSTEM_B"), "--deep", "--no-logs"])
        #expect(types.out.contains("\n0xFFFF0011: 674\n"))
        #expect(types.err.contains("dirty"))
    }

    @Test func exportWritesRegeditFormat() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.reg").path
        let r = try CLI.run(["export", "--hive", CLI.hive("yarp/hives_for_tests/StringValuesHive"), "\\", out])
        #expect(r.status == 0, "\(r.err)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(bytes.prefix(2) == [0xFF, 0xFE])
        let units = stride(from: 2, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        let text = String(decoding: units, as: UTF16.self)
        #expect(text.hasPrefix("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE]\r\n"))
        #expect(text.contains("\r\n\"1\"=hex:74,65,73,74\r\n"))
        #expect(text.contains("\r\n\"2\"=hex(2):74,00,65,00,73,00,74,00,20,00,42,04,35,04,41,04,42,04,00,00\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))

        // Without /y and with no terminal to ask on, an existing file is not overwritten.
        let again = try CLI.run(["export", "--hive", testhive, "\\", out])
        #expect(again.status == 1 && again.err.contains("/y"))
        let forced = try CLI.run(["export", "--hive", testhive, "data-test", out, "/y", "--prefix", "HKEY_CURRENT_USER\\X"])
        #expect(forced.status == 0)
        let t2 = try Data(contentsOf: URL(fileURLWithPath: out))
        let u2 = stride(from: 2, to: t2.count - 1, by: 2).map { UInt16(t2[$0]) | UInt16(t2[$0 + 1]) << 8 }
        #expect(String(decoding: u2, as: UTF16.self).contains("[HKEY_CURRENT_USER\\X\\data-test]\r\n"))
    }

    @Test func exportLeavesOutNamesARegFileCannotHold() throws {
        let r = try CLI.run(["export", "--hive", CLI.hive("yarp/hives_for_tests/BogusKeyNamesHive"), "\\", "-"])
        #expect(r.status == 2)
        #expect(r.err.contains("left out:"))
        #expect(r.outBytes.prefix(2) == Data([0xFF, 0xFE]))
    }

    @Test func exportJSONHasOneObjectPerKey() throws {
        let r = try CLI.run(["export", "--hive", CLI.hive("regipy/NTUSER.DAT"), "\\", "-", "--format", "json"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 1812)
        var values = 0
        for l in lines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            values += (o["values"] as? [Any])?.count ?? 0
        }
        #expect(values == 4094)
    }

    @Test func corruptHivesFailOrSalvage() throws {
        let bad = CLI.hive("plaso/test_data/regf/corrupt_sub_key_list.hiv")
        let strict = try CLI.run(["query", "--hive", bad, "\\", "/s"])
        #expect(strict.status == 1)
        #expect(strict.err.contains("ERROR:") && strict.err.contains("offset"))
        let salvaged = try CLI.run(["query", "--hive", bad, "\\", "/s", "--salvage"])
        #expect(salvaged.status == 2)
        #expect(salvaged.err.contains("skipped"))
        // Every command that salvages names the cut subtree by its key path, not a cell.
        let yarpBad = CLI.hive("yarp/hives_for_tests/BadListHive")
        for command in [["query", "--hive", yarpBad, "\\", "/s"], ["info", "--hive", yarpBad, "--deep"],
                        ["export", "--hive", yarpBad, "\\", "-"]] {
            let r = try CLI.run(command + ["--salvage"])
            #expect(r.status == 2, "\(command)")
            #expect(r.err.contains("skipped the subtree below ") && r.err.contains("\\2: cell 0x2D0"), "\(command): \(r.err)")
        }
        let notHive = try CLI.run(["info", "--hive", CLI.hive("hivex/images/README")])
        #expect(notHive.status == 1 && notHive.err.contains("not a registry hive"))
        let regedit4 = try CLI.run(["export", "--hive", testhive, "data-test", "-", "--format", "regedit4", "--no-logs"])
        #expect(regedit4.out.hasPrefix("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\data-test]\r\n"))
    }
}
