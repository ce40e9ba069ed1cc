import HiveFormat
import RegText

/// Seeds for the .reg target: hand-written files with every form the parser knows (both
/// headers, UTF-8 and UTF-16LE, continuations, deletions, comments, escapes) and, when a hive
/// corpus is given, the first keys of each small hive exported with `RegFileWriter` the way
/// `hivekeeper export` does (capped at a few KiB each).
public enum RegFileSeeds {
    static let samples = [
        "Windows Registry Editor Version 5.00\r\n\r\n; a comment\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\Software\\Test]\r\n@=\"default \\\"quoted\\\" and \\\\ back\"\r\n\"dword\"=dword:0000002a\r\n\"binary\"=hex:01,02,ff\r\n\"expand\"=hex(2):25,00,50,00,00,00\r\n\"multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n\"qword\"=hex(b):01,00,00,00,00,00,00,00\r\n\"none\"=hex(0):\r\n\"devprop\"=hex(ffff0011):01\r\n\"long\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,\\\r\n  17,18,19\r\n\"gone\"=-\r\n\r\n[-HKEY_LOCAL_MACHINE\\OFFLINE\\Old]\r\n",
        "REGEDIT4\n\n[HKEY_CURRENT_USER\\Software\\A]\n\"x\" = \"y\"\n@=dword:1\n\n[HKEY_CURRENT_USER\\Software\\A\\B]\n\"bin\"=hex:\\\n  00,01\n",
        "Windows Registry Editor Version 5.00\n[HKEY_USERS\\S-1-5-21\\Software\\Ünïcødé ✓]\n\"名前\"=\"値\"\n\"v\"=hex(4):01,00,00,00\n",
    ]

    public static func make(into dir: String, corpus: String?) throws -> Int {
        try SeedFiles.makeDirectory(dir)
        var files: [[UInt8]] = []
        for text in samples {
            files.append(Array(text.utf8))
            files.append([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        }
        if let corpus {
            for path in SeedFiles.files(under: corpus) {
                guard let bytes = SeedFiles.read(path), bytes.count <= 256 * 1024, bytes.starts(with: Array("regf".utf8)),
                      let exported = export(bytes, limit: 4096) else { continue }
                files.append(exported)
            }
        }
        for (i, bytes) in files.enumerated() { try SeedFiles.write(bytes, to: "\(dir)/seed-\(i)") }
        return files.count
    }

    /// Keys and values from the root down until `limit` bytes of text are written.
    static func export(_ bytes: [UInt8], limit: Int) -> [UInt8]? {
        guard let hive = try? Hive(bytes: bytes), let root = try? hive.rootKey() else { return nil }
        var writer = RegFileWriter()
        var path: [[UInt16]] = []
        try? hive.walk(from: root) { key, depth throws(HiveError) in
            path.removeLast(path.count - depth)
            path.append(Array(key.name.description.utf16))
            // As `hivekeeper export` does: a name a .reg file cannot hold is left out, with its subtree.
            if writer.unrepresentable(path[depth]) != nil { return .skipChildren }
            writer.beginKey(path: Array("HKEY_LOCAL_MACHINE\\OFFLINE".utf16) + path.dropFirst().flatMap { [0x5C] + $0 })
            try? hive.forEachValue(of: key) { v throws(HiveError) in
                let name = Array(v.name.description.utf16)
                guard writer.unrepresentable(name) == nil, let data = try? hive.data(of: v) else { return }
                data.withUnsafeBytes { writer.value(name: name, type: v.type.rawValue, data: $0) }
            }
            return writer.pendingCount * 2 > limit ? .stop : .descend
        }
        return writer.takeBytes()
    }
}
