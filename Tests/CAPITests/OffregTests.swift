import Foundation
import HiveFormat
import Testing
import TestSupport

/// The offline API (offreg.h) from C: programs in C/offreg_*.c compiled against the installed
/// library, each exercising functions on their success and error paths; what they save is read
/// back by the engine and by libhivex (python3-hivex) as an independent reader.
@Suite struct OffregTests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-offreg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A hive the C program saved: the engine reads all of it, and hivex sees the same tree.
    static func checkSaved(_ path: String, minorVersion: UInt32) throws {
        let hive = try Hive.open(path: path, logs: .none).hive
        #expect(!hive.baseBlock.isDirty, "\(path) is saved clean")
        #expect(hive.minorVersion == minorVersion)
        _ = try hive.checkConsistency()
        if Oracle.missingReason == nil {
            #expect(try Oracle.dump(path) == ourDump(hive), "hivex reads \(path) as the engine does")
        }
    }

    /// Whether a dump (hex UTF-8 names) lists a key whose name has a NUL character.
    static func hasKeyNameWithNUL(_ dump: String) -> Bool {
        dump.split(separator: "\n").contains { line in
            guard line.hasPrefix("K\t") else { return false }
            let hex = Array(line.dropFirst(2))
            return stride(from: 0, to: hex.count - 1, by: 2).contains { hex[$0] == "0" && hex[$0 + 1] == "0" }
        }
    }

    @Test func everyFunctionOnItsSuccessAndErrorPaths() throws {
        let program = try CLibrary.compile(["offreg_keys.c"], output: "offreg_keys")
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try runProgram(program.path, [dir.path])
        #expect(run.status == 0, "\(run.errText)")
        #expect(run.outText.hasSuffix(" checks passed, 0 failed\n"), "\(run.outText)")
        try Self.checkSaved(dir.appendingPathComponent("saved.hive").path, minorVersion: 5)
        try Self.checkSaved(dir.appendingPathComponent("saved-xp.hive").path, minorVersion: 3)
        // The saves leave nothing else behind (no temporary file, no log: a saved hive has none).
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["saved-xp.hive", "saved.hive"])
    }

    @Test func sixteenThreadsOnOneHiveThenTheConsistencyCheck() throws {
        let program = try CLibrary.compile(["offreg_threads.c"], output: "offreg_threads")
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try runProgram(program.path, [dir.path])
        #expect(run.status == 0, "\(run.errText)")
        #expect(run.outText.hasSuffix(" checks passed, 0 failed\n"), "\(run.outText)")
        try Self.checkSaved(dir.appendingPathComponent("threads.hive").path, minorVersion: 5)
    }

    /// OREnumKey, OROpenKey and OREnumValue over real hives give exactly what the engine reads
    /// (a dirty hive after its logs are applied, by path and by descriptor), and leave the files
    /// as they were; no hive of the corpus, damaged ones included, crashes the walk.
    @Test(.enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
    func theOfflineWalkIsTheEnginesViewOfRealHives() throws {
        let program = try CLibrary.compile(["offreg_dump.c"], output: "offreg_dump")
        var compared = 0
        for relative in SharedCorpus.primaryHives() {
            let path = SharedCorpus.path(relative)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let run = try runProgram(program.path, [path])
            // 0: walked; 1: a call failed on damage (said on stderr); 3: the open refused the file.
            #expect([0, 1, 3].contains(run.status), "\(relative): status \(run.status) \(run.errText)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "\(relative) is not modified")
            guard before.count < 4 << 20 || relative.hasSuffix("SYSTEM_B"),
                  let opened = try? Hive.open(path: path, logs: .besideHive) else { continue }
            let expected = ourDump(opened.hive)
            guard !expected.contains("\nX\t") && !expected.hasPrefix("X\t") else { continue }
            // A key whose name holds a NUL is listed but cannot be named through a PCWSTR (as on
            // Windows): such hives are walked, not compared.
            guard !Self.hasKeyNameWithNUL(expected) else { continue }
            #expect(run.status == 0, "\(relative): \(run.errText)")
            #expect(run.outText == expected, "\(relative): the offline walk differs from the engine's")
            compared += 1
        }
        #expect(compared > 50)
        // A dirty hive with logs, through OROpenHiveByHandle: recovered from the logs beside it.
        let dirty = SharedCorpus.path("regipy/SYSTEM_B")
        let byHandle = try runProgram(program.path, ["-fd", dirty])
        #expect(byHandle.status == 0, "\(byHandle.errText)")
        #expect(byHandle.outText == ourDump(try Hive.open(path: dirty, logs: .besideHive).hive))
        #expect(byHandle.outText != ourDump(try Hive.open(path: dirty, logs: .none).hive), "the logs were applied")
    }

    /// Files that are not hives, one held by another program, descriptors, a damaged hive
    /// refused for editing; a dirty hive (regipy's SYSTEM_B and its logs) recovered, changed
    /// and saved: the saved hive is the engine's recovered view plus the one change.
    @Test(.enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
    func filesDescriptorsDamageAndADirtyHiveSavedAfterRecovery() throws {
        let program = try CLibrary.compile(["offreg_files.c"], output: "offreg_files")
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dirty = SharedCorpus.path("regipy/SYSTEM_B")
        let before = try Data(contentsOf: URL(fileURLWithPath: dirty))
        let run = try runProgram(program.path, [dir.path, SharedCorpus.path("yarp/hives_for_tests/TruncatedHive"), dirty])
        #expect(run.status == 0, "\(run.errText)")
        #expect(run.outText.hasSuffix(" checks passed, 0 failed\n"), "\(run.outText)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dirty)) == before, "the dirty hive's file is not written")
        let saved = dir.appendingPathComponent("recovered.hive").path
        try Self.checkSaved(saved, minorVersion: 5)
        let added = "V\t4164646564\t4\te612ff00"  // "Added", REG_DWORD 0x00FF12E6
        let savedDump = ourDump(try Hive.open(path: saved, logs: .none).hive)
        #expect(savedDump.contains("\n\(added)\n"))
        let recovered = ourDump(try Hive.open(path: dirty, logs: .besideHive).hive)
        #expect(savedDump.replacingOccurrences(of: "\(added)\n", with: "") == recovered)
    }

    /// docs/c-api.md's example, on the hive offreg.dll wrote for nt-hive's tests.
    @Test(.enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
    func theDocsExampleListsEveryKey() throws {
        let program = try CLibrary.compile(["offreg_example.c"], output: "offreg_example")
        let run = try runProgram(program.path, [SharedCorpus.path("nt-hive/testdata/testhive")])
        #expect(run.status == 0, "\(run.errText)")
        let lines = run.outText.split(separator: "\n")
        #expect(lines.count == 527)  // INDEX.md: 528 keys, the root included
        #expect(lines.first == "big-data-test  (3 values, written 2023-01-18 11:39:48 UTC)")
        #expect(lines.contains("  Key100  (0 values, written 2023-01-18 11:39:48 UTC)"))
    }
}
