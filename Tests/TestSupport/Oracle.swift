import Foundation
import HiveFormat

/// libhivex (python3-hivex) as an oracle, and our reader's dump in its format.
public enum Oracle {
    public static let python = "/usr/bin/python3"
    public static let script = SharedCorpus.projectRoot.appendingPathComponent("scripts/hivex-dump.py").path

    /// Why libhivex cannot be used as the oracle, or nil when it can.
    public static let missingReason: String? = {
        guard FileManager.default.isExecutableFile(atPath: python),
              let r = try? runProgram(python, ["-c", "import hivex"]), r.status == 0
        else { return "python3-hivex (Debian) is not installed: apt-get install python3-hivex" }
        return nil
    }()

    /// hivex's dump of a hive (see scripts/hivex-dump.py for the format).
    public static func dump(_ path: String) throws -> String {
        String(decoding: try runProgram(python, [script, path]).out, as: UTF8.self)
    }
}

/// Our dump of a hive in the oracle's format; stops at the first error (strict walk) and then
/// ends with an "X" line.
public func ourDump(_ hive: Hive) -> String {
    var lines: [String] = []
    func hexName(_ n: RegistryName) -> String {
        Array(n.description.utf8).map { String(format: "%02x", $0) }.joined()
    }
    func hexBytes(_ b: UnsafeRawBufferPointer) -> String {
        var s = ""
        s.reserveCapacity(b.count * 2)
        let d = Array("0123456789abcdef")
        for x in b { s.append(d[Int(x >> 4)]); s.append(d[Int(x & 15)]) }
        return s
    }
    var paths: [String] = []
    do throws(HiveError) {
        let root = try hive.rootKey()
        try hive.walk(from: root) { key, depth throws(HiveError) -> WalkControl in
            let p = depth == 0 ? "" : (depth == 1 ? hexName(key.name) : paths[depth - 1] + "5c" + hexName(key.name))
            if paths.count > depth { paths[depth] = p } else { paths.append(p) }
            lines.append("K\t" + p)
            try hive.forEachValue(of: key) { v throws(HiveError) in
                let d = try hive.data(of: v)
                lines.append("V\t\(hexName(v.name))\t\(v.type.rawValue)\t" + d.withUnsafeBytes { hexBytes($0) })
            }
            return .descend
        }
    } catch {
        lines.append("X\t\(error)")
    }
    return lines.joined(separator: "\n") + "\n"
}
