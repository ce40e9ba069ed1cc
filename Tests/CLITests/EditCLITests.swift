import Foundation
import TestSupport
import Testing

/// Writing hive files from the command line: add, delete, locks, dirty hives.
struct EditCLITests {
    @Test func addQueryDeleteRoundTrip() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("NTUSER.DAT").path
        let created = try CLI.run(["add", "--hive", hive, "Software\\Test", "/v", "Name", "/d", "hello"])
        #expect(created.status == 0)
        #expect(created.err.contains("created"))
        #expect(created.out == "The operation completed successfully.\n")
        for args in [["/v", "Multi", "/t", "REG_MULTI_SZ", "/d", "a\\0bb"], ["/v", "N", "/t", "reg_dword", "/d", "0x2a"],
                     ["/v", "Q", "/t", "REG_QWORD", "/d", "18446744073709551615"], ["/v", "Sep", "/t", "REG_MULTI_SZ", "/s", "#", "/d", "x#y"],
                     ["/v", "Bin", "/t", "REG_BINARY", "/d", "0102ff"], ["/ve", "/d", "default"]] {
            #expect(try CLI.run(["add", "--hive", hive, "Software\\Test"] + args).status == 0, "\(args)")
        }
        // Overwriting needs /f when nobody can be asked.
        let again = try CLI.run(["add", "--hive", hive, "Software\\Test", "/v", "Name", "/d", "again"])
        #expect(again.status == 1)
        #expect(again.err.contains("pass /f"))
        #expect(try CLI.run(["add", "--hive", hive, "Software\\Test", "/v", "Name", "/d", "again", "/f"]).status == 0)
        let bad = try CLI.run(["add", "--hive", hive, "Software\\Test", "/v", "X", "/t", "REG_DWORD", "/d", "12x"])
        #expect(bad.status == 1)
        #expect(bad.err.contains("Invalid number 12x"))
        let q = try CLI.run(["query", "--hive", hive, "Software\\Test"])
        #expect(q.out.contains("    Name    REG_SZ    again\n"))
        #expect(q.out.contains("    Multi    REG_MULTI_SZ    a\\0bb\n"))
        #expect(q.out.contains("    N    REG_DWORD    0x2a\n"))
        #expect(q.out.contains("    Q    REG_QWORD    0xffffffffffffffff\n"))
        #expect(q.out.contains("    Sep    REG_MULTI_SZ    x\\0y\n"))
        #expect(q.out.contains("    Bin    REG_BINARY    0102FF\n"))
        #expect(q.out.contains("    (Default)    REG_SZ    default\n"))

        #expect(try CLI.run(["delete", "--hive", hive, "Software\\Test", "/v", "N", "/f"]).status == 0)
        #expect(try CLI.run(["delete", "--hive", hive, "Software\\Test", "/v", "N", "/f"]).status == 1)
        #expect(try CLI.run(["delete", "--hive", hive, "Software\\Test", "/va", "/f"]).status == 0)
        #expect(!(try CLI.run(["query", "--hive", hive, "Software\\Test"])).out.contains("REG_"))
        let ask = try CLI.run(["delete", "--hive", hive, "Software"])
        #expect(ask.status == 1 && ask.err.contains("pass /f"))
        #expect(try CLI.run(["delete", "--hive", hive, "Software", "/f"]).status == 0)
        #expect(try CLI.run(["query", "--hive", hive, "Software"]).status == 1)
        let check = try CLI.run(["check", "--hive", hive])
        #expect(check.status == 0)
        #expect(check.out.hasSuffix("sound\n"))
    }

    /// A refused command changes nothing on disk: no empty NAME.LOG1/NAME.LOG2 beside a hive
    /// that had none, no new hive when creating it failed.
    @Test func aRefusedEditLeavesNoFiles() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("t.dat").path
        #expect(try CLI.run(["add", "--hive", hive, "Software\\X", "/v", "A", "/d", "1"]).status == 0)
        // A hive copied without its logs, as hives often are.
        for log in [".LOG1", ".LOG2"] { try FileManager.default.removeItem(atPath: hive + log) }
        let before = try Data(contentsOf: URL(fileURLWithPath: hive))
        let refusals: [[String]] = [
            ["add", "--hive", hive, "Software\\X", "/v", "A", "/d", "2"],  // exists, no /f, no terminal
            ["delete", "--hive", hive, "Software\\X"],  // needs confirmation
            ["add", "--hive", hive, "Software\\" + String(repeating: "k", count: 300)],  // a name too long
            ["copy", "--hive", hive, "Software\\X", "Software\\X"],  // onto itself
        ]
        for args in refusals {
            let r = try CLI.run(args)
            #expect(r.status == 1, "\(args): \(r.err)")
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(left == ["t.dat"], "\(args[0]) left \(left)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: hive)) == before)
        // Creating a hive for a refused add: no hive either.
        let new = dir.appendingPathComponent("new.dat").path
        let r = try CLI.run(["add", "--hive", new, String(repeating: "k", count: 300)])
        #expect(r.status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["t.dat"])
    }

    /// A hive another process has open for writing: the error names that process.
    @Test func lockedHiveNamesItsHolder() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("held.hive").path
        let child = Process()
        child.executableURL = URL(fileURLWithPath: builtProduct("hivekeeper-crashtest"))
        child.arguments = [hive, "1"]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        // SIGKILL: the child is in a tight edit-and-flush loop, and SIGTERM through
        // Process.terminate() was seen not to end it here.
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        _ = out.fileHandleForReading.availableData  // its first flush: the lock is held
        let r = try CLI.run(["add", "--hive", hive, "X"])
        #expect(r.status == 1)
        #expect(r.err.contains("open for writing by pid \(child.processIdentifier) (hivekeeper-cras"), "\(r.err)")
        let read = try CLI.run(["query", "--hive", hive])
        #expect(read.status == 1)
        #expect(read.err.contains("locked"))
    }

    /// A hive another process only reads (a shared lock): the error says it is reading, not
    /// writing.
    @Test func aReaderIsNamedAsAReader() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("read.hive").path
        #expect(try CLI.run(["add", "--hive", hive, "X"]).status == 0)
        let reader = try Actor("/usr/bin/python3", ["-c", """
            import fcntl, sys, time
            f = open(sys.argv[1], 'rb'); fcntl.flock(f, fcntl.LOCK_SH); print('ready', flush=True); time.sleep(60)
            """, hive])
        defer { reader.kill() }
        #expect(reader.lines.next(timeout: 30) == "ready")
        let r = try CLI.run(["add", "--hive", hive, "Y"])
        #expect(r.status == 1)
        #expect(r.err.contains("open for reading by pid \(reader.process.processIdentifier) (python3)"), "\(r.err)")
        #expect(!r.err.contains("writing"))
    }

    /// Writing a dirty hive recovers it first, and says so: the logs applied, a log passed
    /// over; a log that cannot be read stops the edit, naming it.
    @Test(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
    func editingADirtyHiveSaysWhatItsLogsGave() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = CLI.hive("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive")
        let hive = dir.appendingPathComponent("NewDirtyHive").path
        func copy(log2: (inout Data) -> Void) throws {
            for suffix in ["", ".LOG1", ".LOG2"] {
                try? FileManager.default.removeItem(atPath: hive + suffix)
                try FileManager.default.copyItem(atPath: source + suffix, toPath: hive + suffix)
            }
            var bytes = try Data(contentsOf: URL(fileURLWithPath: hive + ".LOG2"))
            log2(&bytes)
            try bytes.write(to: URL(fileURLWithPath: hive + ".LOG2"))
        }
        try copy { _ in }
        let whole = try CLI.run(["add", "--hive", hive, "New"])
        #expect(whole.status == 0)
        #expect(whole.err.contains("the hive was dirty: 4 log entries (4 pages) from \(hive).LOG1, \(hive).LOG2 applied"), "\(whole.err)")
        try copy { $0 = $0.prefix(512) + Data(count: 4096) }  // LOG2 reset: a base block, no entry
        let reset = try CLI.run(["add", "--hive", hive, "New"])
        #expect(reset.status == 0)
        #expect(reset.err.contains("\(hive).LOG2: not used: "), "\(reset.err)")
        try copy { $0 = Data(repeating: 0x5A, count: 8192) }
        let unreadable = try CLI.run(["add", "--hive", hive, "New"])
        #expect(unreadable.status == 1)
        #expect(unreadable.err.contains("\(hive).LOG2 exists but cannot be read"), "\(unreadable.err)")
    }

    @Test(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
    func dirtyHiveWithoutLogsNeedsAcceptDirty() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("SECURITY").path
        try FileManager.default.copyItem(atPath: CLI.hive("regipy/SECURITY"), toPath: hive)
        let refused = try CLI.run(["add", "--hive", hive, "X"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("dirty and has no usable transaction log"))
        let accepted = try CLI.run(["add", "--hive", hive, "X", "--accept-dirty"])
        #expect(accepted.status == 0)
        #expect(accepted.err.contains("the hive was dirty and has no log: the primary file was taken as it is"), "\(accepted.err)")
        let info = try CLI.run(["info", "--hive", hive])
        #expect(info.out.contains("state: clean"))
    }
}

/// reg copy (documented: "REG COPY KeyName1 KeyName2 [/s] [/f]": /s copies all subkeys and
/// values, /f copies without prompting).
struct CopyCLITests {
    @Test func copiesValuesThenSubtrees() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("h").path
        for args in [["A", "/v", "x", "/d", "1"], ["A\\Sub", "/v", "y", "/t", "REG_DWORD", "/d", "7"], ["B", "/v", "x", "/d", "old"]] {
            #expect(try CLI.run(["add", "--hive", hive] + args).status == 0)
        }
        // Without /s only A's own values; an existing value needs /f when nobody can be asked.
        let refused = try CLI.run(["copy", "--hive", hive, "A", "B"])
        #expect(refused.status == 1 && refused.err.contains("pass /f"))
        #expect(try CLI.run(["copy", "--hive", hive, "A", "B", "/f"]).status == 0)
        var q = try CLI.run(["query", "--hive", hive, "B", "/s"])
        #expect(q.out.contains("    x    REG_SZ    1\n"))
        #expect(!q.out.contains("Sub"))
        #expect(try CLI.run(["copy", "--hive", hive, "A", "C", "/s"]).status == 0)
        q = try CLI.run(["query", "--hive", hive, "C", "/s"])
        #expect(q.out.contains("\\C\\Sub\n    y    REG_DWORD    0x7\n"))
        // Onto itself fails, with /s and /f too (Wine's reg copy conformance test).
        #expect(try CLI.run(["copy", "--hive", hive, "A", "A\\", "/s", "/f"]).status == 1)
        // Into its own subtree: the source is read first, so it ends.
        #expect(try CLI.run(["copy", "--hive", hive, "A", "A\\Sub\\Again", "/s", "/f"]).status == 0)
        #expect(try CLI.run(["query", "--hive", hive, "A\\Sub\\Again\\Sub"]).out.contains("    y    REG_DWORD    0x7"))
        #expect(try CLI.run(["check", "--hive", hive]).status == 0)
    }
}

/// Prompts on a terminal: reg.exe asks before overwriting or deleting; "no" cancels the command.
struct PromptCLITests {
    @Test func answersOnATerminalDecide() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("h").path
        #expect(try CLI.run(["add", "--hive", hive, "K", "/v", "x", "/d", "1"]).status == 0)
        let no = try CLI.run(["add", "--hive", hive, "K", "/v", "x", "/d", "2"], typing: "n\n")
        #expect(no.status == 1)
        #expect(no.err.contains("Value x exists, overwrite(Yes/No)?"))
        #expect(no.err.contains("canceled"))
        #expect(try CLI.run(["query", "--hive", hive, "K", "/v", "x"]).out.contains("REG_SZ    1\n"))
        let yes = try CLI.run(["add", "--hive", hive, "K", "/v", "x", "/d", "2"], typing: "yes\n")
        #expect(yes.status == 0)
        #expect(try CLI.run(["query", "--hive", hive, "K", "/v", "x"]).out.contains("REG_SZ    2\n"))
        let delete = try CLI.run(["delete", "--hive", hive, "K"], typing: "y\n")
        #expect(delete.status == 0 && delete.err.contains("Permanently delete the registry key"))
        #expect(try CLI.run(["query", "--hive", hive, "K"]).status == 1)
    }

    /// copy asks per existing value; "All" overwrites the rest without asking again.
    @Test func copyAllAnswersOnce() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("h").path
        for args in [["A", "/v", "a", "/d", "new"], ["A", "/v", "b", "/d", "new"], ["B", "/v", "a", "/d", "old"], ["B", "/v", "b", "/d", "old"]] {
            #expect(try CLI.run(["add", "--hive", hive] + args).status == 0)
        }
        let r = try CLI.run(["copy", "--hive", hive, "A", "B"], typing: "all\n")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.components(separatedBy: "overwrite(Yes/No/All)?").count == 2)  // asked once
        let q = try CLI.run(["query", "--hive", hive, "B"]).out
        #expect(q.contains("    a    REG_SZ    new\n") && q.contains("    b    REG_SZ    new\n"))
    }
}

/// reg compare, as Microsoft documents it ("reg compare", Windows Commands reference):
/// /od (default) shows differences, /os matches, /oa both, /on neither; "=" equal, "<" KeyName1's
/// side, ">" KeyName2's; return codes 0 identical, 1 failed, 2 different. /s compares subkeys too,
/// and a subkey only one side has is a difference, not descended into.
struct CompareCLITests {
    func makeHive(_ dir: URL) throws -> String {
        let hive = dir.appendingPathComponent("h").path
        for args in [["A", "/v", "same", "/d", "1"], ["A", "/v", "changed", "/t", "REG_DWORD", "/d", "1"],
                     ["A", "/ve", "/d", "d"], ["A\\Both", "/v", "v", "/d", "x"], ["A\\OnlyA\\Deep", "/v", "v", "/d", "x"],
                     ["B", "/v", "SAME", "/d", "1"], ["B", "/v", "changed", "/t", "REG_DWORD", "/d", "2"],
                     ["B", "/ve", "/d", "d"], ["B", "/v", "extra", "/t", "REG_BINARY", "/d", "ff"],
                     ["B\\both", "/v", "v", "/d", "y"], ["C", "/v", "same", "/d", "1"]] {
            #expect(try CLI.run(["add", "--hive", hive] + args).status == 0)
        }
        return hive
    }

    @Test func differencesByDefault() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = try makeHive(dir)
        let r = try CLI.run(["compare", "--hive", hive, "A", "B"])
        #expect(r.status == 2)
        #expect(r.out == """
            < Value: \\A  changed  REG_DWORD  0x1
            > Value: \\B  changed  REG_DWORD  0x2
            > Value: \\B  extra  REG_BINARY  FF

            Result Compared: Different
            The operation completed successfully.

            """)
    }

    @Test func recursiveAllShowsMatchesAndKeys() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = try makeHive(dir)
        let r = try CLI.run(["compare", "--hive", hive, "A", "B", "/s", "/oa"])
        #expect(r.status == 2)
        // Value names and key names match with Windows' case folding.
        #expect(r.out.contains("= Value: \\A  same  REG_SZ  1\n"))
        #expect(r.out.contains("= Value: \\A  (Default)  REG_SZ  d\n"))
        #expect(r.out.contains("= Key: \\A\\Both\n"))
        #expect(r.out.contains("< Value: \\A\\Both  v  REG_SZ  x\n> Value: \\B\\both  v  REG_SZ  y\n"))
        #expect(r.out.contains("< Key: \\A\\OnlyA\n"))
        #expect(!r.out.contains("Deep"))  // a one-sided subkey is not descended into
        let same = try CLI.run(["compare", "--hive", hive, "A", "B", "/s", "/os"])
        #expect(!same.out.contains("< ") && !same.out.contains("> ") && same.out.contains("= Key: \\A\\Both\n"))
        let none = try CLI.run(["compare", "--hive", hive, "A", "B", "/s", "/on"])
        #expect(none.status == 2)
        #expect(none.out == "\nResult Compared: Different\nThe operation completed successfully.\n")
    }

    @Test func identicalAndSingleValues() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = try makeHive(dir)
        let ident = try CLI.run(["compare", "--hive", hive, "A", "B", "/v", "same"])
        #expect(ident.status == 0)
        #expect(ident.out.hasSuffix("Result Compared: Identical\nThe operation completed successfully.\n"))
        #expect(try CLI.run(["compare", "--hive", hive, "A", "B", "/ve"]).status == 0)
        #expect(try CLI.run(["compare", "--hive", hive, "A", "B", "/v", "changed"]).status == 2)
        #expect(try CLI.run(["compare", "--hive", hive, "A", "B", "/v", "extra"]).status == 2)
        let missing = try CLI.run(["compare", "--hive", hive, "A", "B", "/v", "nowhere"])
        #expect(missing.status == 1 && missing.err.contains("unable to find"))
        #expect(try CLI.run(["compare", "--hive", hive, "A", "Nope"]).status == 1)
        #expect(try CLI.run(["compare", "--hive", hive, "A", "B", "/s", "/v", "x"]).status != 0)
        // Another hive: C in a second file that has the same value.
        let other = dir.appendingPathComponent("h2").path
        #expect(try CLI.run(["add", "--hive", other, "X", "/v", "same", "/d", "1"]).status == 0)
        #expect(try CLI.run(["compare", "--hive", hive, "C", "--hive2", other, "X"]).status == 0)
        #expect(try CLI.run(["compare", "--hive", hive, "A", "--hive2", other, "X"]).status == 2)
    }
}
