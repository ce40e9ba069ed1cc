import Foundation
import HiveFormat
import TestSupport
import Testing

/// Hives we write, read by regipy (PyPI) and chntpw's reged (Debian): the same keys, values and
/// types as we read. Skipped, saying why, when a peer is not installed (.ci/run installs both).
struct PeerReadbackTests {
    static let regipyScript = SharedCorpus.projectRoot.appendingPathComponent("scripts/regipy-dump.py").path
    static let regipyMissing: String? = {
        (try? runProgram("/usr/bin/python3", ["-c", "import regipy"]))?.status == 0 ? nil : "regipy is not installed (pip install regipy)"
    }()
    static let regedMissing: String? = {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/reged") ? nil : "reged is not installed (apt-get install chntpw)"
    }()

    /// A hive with every value type, Unicode names, big values and deletions that freed cells
    /// later reused; returns its path and our own listing in the regipy script's format.
    static func build(in dir: URL, asciiOnly: Bool) throws -> (String, [String]) {
        let path = dir.appendingPathComponent("built.hive").path
        let e = try HiveEditor.create(path: path)
        let root = e.hive.baseBlock.rootCellOffset
        let names = asciiOnly ? ["Alpha", "beta", "Gamma 3", "delta_4"] : ["Alpha", "Привет", "Straße", "日本語", "emoji 🌍", "Ωmega"]
        for (i, n) in names.enumerated() {
            let k = try e.createKey(under: root, named: RegistryName(n)).offset
            for t in [0, 1, 2, 3, 4, 5, 7, 11] as [UInt32] {
                let size = [0, 8, 20, 70_000, 4, 4, 12, 8][Int(t) % 8]
                try e.setValue(of: k, named: RegistryName("value \(t)"), type: t, bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ i) })
            }
            for j in 0..<30 { _ = try e.createKey(under: k, named: RegistryName("child \(j)")) }
        }
        try e.deleteKey(try e.hive.key(path: names[1]).offset, recursive: true)
        _ = try e.createKey(under: root, named: "after delete")
        try e.flush()
        var lines: Set<String> = []
        let hive = try Hive(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        func visit(_ key: NamedKey, _ path: String) throws {
            lines.insert("K\t" + path)
            try hive.forEachValue(of: key) { v throws(HiveError) in lines.insert("V\t\(path)\t\(v.name)\t\(v.type)") }
            for c in try hive.subkeys(of: key) { try visit(c, (path == "\\" ? "" : path) + "\\" + c.name.description) }
        }
        try visit(hive.rootKey(), "\\")
        return (path, lines.sorted())
    }

    /// A dump line with each name in it as regipy decodes it: a name stored compressed (every
    /// character below U+0100) has its characters above U+007F replaced by U+FFFD.
    static func asRegipyShowsIt(_ line: String) -> String {
        func name(_ n: Substring) -> String {
            guard n.unicodeScalars.allSatisfy({ $0.value < 0x100 }) else { return String(n) }
            return String(String.UnicodeScalarView(n.unicodeScalars.map { $0.value < 0x80 ? $0 : "\u{FFFD}" }))
        }
        var fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count >= 2 else { return line }
        fields[1] = Substring(fields[1].split(separator: "\\", omittingEmptySubsequences: false).map(name).joined(separator: "\\"))
        if fields[0] == "V", fields.count >= 3 { fields[2] = Substring(name(fields[2])) }
        return fields.joined(separator: "\t")
    }

    @Test(.enabled(if: regipyMissing == nil, "regipy is not installed"))
    func regipyReadsWhatWeWrite() throws {
        let dir = try HiveEditorTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, ours) = try Self.build(in: dir, asciiOnly: false)
        let r = try runProgram("/usr/bin/python3", [Self.regipyScript, path])
        #expect(r.status == 0, "\(r.errText)")
        let theirs = r.outText.split(separator: "\n").map(String.init)
        // regipy names types REG_SZ etc. as we do; it shows the default value as "(default)".
        // regipy (6.5) decodes compressed names — Latin-1, as Windows stores any name whose
        // characters are all below U+0100 — as ASCII, so é or ß come out as U+FFFD: its bug,
        // not the hive's (libhivex reads them right). Ours are compared as regipy shows them.
        let expected = ours.map(Self.asRegipyShowsIt)
        #expect(theirs.filter { $0.hasPrefix("K\t") } == expected.filter { $0.hasPrefix("K\t") }.sorted())
        #expect(theirs.filter { $0.hasPrefix("V\t") }.count == expected.filter { $0.hasPrefix("V\t") }.count)
        for line in expected where line.hasPrefix("V\t") { #expect(theirs.contains(line), "\(line)") }
    }

    @Test(.enabled(if: regedMissing == nil, "reged is not installed"))
    func regedExportsWhatWeWrite() throws {
        let dir = try HiveEditorTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, ours) = try Self.build(in: dir, asciiOnly: true)
        let out = dir.appendingPathComponent("reged.reg").path
        let r = try runProgram("/usr/sbin/reged", ["-x", path, "HKEY_LOCAL_MACHINE\\X", "\\", out])
        #expect(r.status == 0, "\(r.errText)")
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self)
        let keys = text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("[") }.map { line -> String in
            let inner = line.dropFirst("[HKEY_LOCAL_MACHINE\\X".count).dropLast()
            return "K\t" + (inner.isEmpty ? "\\" : String(inner))
        }
        #expect(keys.sorted() == ours.filter { $0.hasPrefix("K\t") })
    }
}
