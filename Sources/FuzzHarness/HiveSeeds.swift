import HiveFormat

/// Seeds for the hive target, made from a corpus of real hives: every regf file, cut to
/// whole bins within `cap` bytes (its base block then says so, checksum redone, dirty state
/// kept), and every primary beside its NAME.LOG1/NAME.LOG2 (any case) joined with its logs,
/// each log cut to whole entries. Small inputs are what let libFuzzer run millions of them.
public enum HiveSeeds {
    public static let cap = 16 * 1024

    public static func make(into dir: String, corpus: String?) throws -> Int {
        guard let corpus else { throw SeedError("the hive seeds need the corpus directory (../shared/hives)") }
        try SeedFiles.makeDirectory(dir)
        let files = SeedFiles.files(under: corpus)
        var written = 0
        var seen = Set<[UInt8]>()
        func emit(_ bytes: [UInt8]) throws {
            guard seen.insert(bytes).inserted else { return }
            try SeedFiles.write(bytes, to: "\(dir)/seed-\(written)")
            written += 1
        }
        for path in files {
            guard let bytes = SeedFiles.read(path), bytes.count >= 512, bytes.starts(with: Array("regf".utf8)) else { continue }
            // Logs start with regf too; they are seeded with their primary below.
            if [".log", ".log1", ".log2"].contains(where: path.lowercased().hasSuffix) { continue }
            let primary = capHive(bytes, cap: cap)
            try emit(primary)
            let logs = ["LOG1", "LOG2"].compactMap { ext in
                files.first { $0.lowercased() == (path + "." + ext).lowercased() }.flatMap(SeedFiles.read)
            }
            if !logs.isEmpty {
                let small = capHive(bytes, cap: cap / 2)
                try emit(HiveFuzz.join(small, logs: logs.map { capLog($0, cap: cap / 4) }))
            }
        }
        return written
    }

    /// The base block and the bins that fit whole in `cap`, the base block's bins size set to them.
    static func capHive(_ bytes: [UInt8], cap: Int) -> [UInt8] {
        guard bytes.count > cap, bytes.count >= 4096 else { return bytes }
        var end = 4096
        while end + 32 <= bytes.count, bytes[end..<end + 4].elementsEqual("hbin".utf8) {
            let size = Int(u32(bytes, end + 8))
            guard size >= 4096, end + size <= min(bytes.count, cap) else { break }
            end += size
        }
        var out = Array(bytes[0..<Swift.max(end, Swift.min(cap, 4096 + 4096))])
        store(UInt32(out.count - 4096), in: &out, at: 40)
        out.withUnsafeBytes { store(BaseBlock.checksum($0.baseAddress!), in: &out, at: 508) }
        return out
    }

    /// A new-format log's base block and the entries (HvLE) that fit whole in `cap`; an old
    /// format log cut at `cap`.
    static func capLog(_ bytes: [UInt8], cap: Int) -> [UInt8] {
        guard bytes.count > cap else { return bytes }
        var end = 512
        while end + 40 <= bytes.count, bytes[end..<end + 4].elementsEqual("HvLE".utf8) {
            let size = Int(u32(bytes, end + 4))
            guard size >= 512, end + size <= cap else { break }
            end += size
        }
        return Array(bytes[0..<(end > 512 ? end : cap)])
    }

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) }
    }

    static func store(_ v: UInt32, in b: inout [UInt8], at: Int) {
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) }
    }
}

struct SeedError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
