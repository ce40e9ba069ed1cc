import ArgumentParser
import HiveFormat

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a hive file's header facts; --deep walks every key and counts.",
        discussion: """
            --deep prints exactly `keys: N` (root included), `values: N`, `data-bytes: N` (the bytes \
            a reader returns), then one line per value type present, e.g. `REG_SZ: N` or `0x10: N`.
            """
    )

    @OptionGroup var hiveOptions: HiveOptions

    @Flag(help: "Walk every key and value and print counts.")
    var deep = false

    func run() throws {
        try reporting(hiveOptions) {
            let opened = try hiveOptions.openReporting()
            let hive = opened.hive
            let out = Output.standardOutput()
            defer { try? out.close() }
            // The file's own header facts, then what its logs did; the rest describes what is read.
            let file = opened.primaryBaseBlock
            out.line("file: \(try hiveOptions.file)")
            out.line("file-size: \(hive.storage.bytes.count)")
            out.line("format: regf \(file.majorVersion).\(file.minorVersion)")
            out.line("sequence: primary \(file.primarySequence), secondary \(file.secondarySequence)")
            out.line("checksum: stored 0x\(hex(file.storedChecksum)), computed 0x\(hex(file.computedChecksum))")
            out.line("state: " + (file.isDirty ? "dirty (" + file.dirtyReasons.joined(separator: "; ") + ")" : "clean"))
            // Logs that were not read to open the hive (clean, or --no-logs) are still shown.
            let logs = !opened.logs.isEmpty
                ? opened.logs
                : (hiveOptions.logs.isEmpty ? LogDiscovery.logs(besideHive: try hiveOptions.file) : hiveOptions.logs)
                    .compactMap { try? TransactionLog(path: $0) }
            for log in logs { out.line("log: \(log.name): \(describe(log))") }
            out.line("logs: " + logsLine(opened))
            let bb = hive.baseBlock
            if opened.recovery != nil {
                out.line("recovered-format: regf \(bb.majorVersion).\(bb.minorVersion)")
                out.line("recovered-sequence: \(bb.primarySequence)")
            }
            out.line("last-written: \(bb.lastWritten)")
            if bb.lastReorganized != 0 {
                out.line("last-reorganized: \(FileTime(rawValue: bb.lastReorganized & ~3))")
            }
            out.line("hive-bins-data-size: \(bb.hiveBinsDataSize)")
            if hive.binsLimit != bb.hiveBinsDataSize { out.line("hive-bins-data-read: \(hive.binsLimit)") }
            out.line("root-cell: 0x\(hex(bb.rootCellOffset))")
            if !bb.fileName.isEmpty { out.line("file-name: \(bb.fileName)") }
            let root = try hive.rootKey()
            out.line("root-name: \(root.name)")
            out.line("root-last-written: \(root.lastWritten)")
            guard deep else { return 0 }

            var keys = 0, values = 0, dataBytes = 0
            var types: [UInt32: Int] = [:]
            var partial = false
            var progress = Progress("info")
            let salvage = hiveOptions.salvage
            /// Counts one key and its values; under --salvage, values cut short are named by key path.
            func count(_ key: NamedKey, _ path: () -> [UInt16]) throws(HiveError) -> WalkControl {
                progress.tick()
                keys += 1
                do throws(HiveError) {
                    try hive.forEachValue(of: key) { v throws(HiveError) in
                        let d = try hive.data(of: v)
                        values += 1
                        dataBytes += d.count
                        types[v.type.rawValue, default: 0] += 1
                    }
                } catch {
                    guard salvage else { throw error }
                    Diagnostics.say("warning: values of \(displayName(path())) cut short: \(error)")
                    partial = true
                }
                return .descend
            }
            if salvage {
                // Skipped subtrees named by key path (the path walk costs a path per key: only here).
                let walk = PathWalk(hive: hive, options: hiveOptions.walkOptions) { at, error in
                    Diagnostics.say("warning: skipped the subtree below \(displayName(at)): \(error)")
                    partial = true
                }
                try walk.run(from: root, path: [0x5C]) { key, path in try count(key) { path } }
            } else {
                try hive.walk(from: root, options: hiveOptions.walkOptions) { key, _ throws(HiveError) -> WalkControl in
                    try count(key) { [] }
                }
            }
            progress.finish()
            out.line("keys: \(keys)")
            out.line("values: \(values)")
            out.line("data-bytes: \(dataBytes)")
            for (t, n) in types.sorted(by: { $0.key < $1.key }) {
                out.line("\(RegistryValueType(t)): \(n)")
            }
            return partial ? 2 : 0
        }
    }
}

/// One log as `info` shows it: format, active entries and their sequence numbers, or why unusable.
private func describe(_ log: TransactionLog) -> String {
    if log.isEmpty { return "empty" }
    guard let format = log.format else { return "not a log (\(log.unusable ?? ""))" }
    let kind = format == .new ? "new format (HvLE)" : "old format (DIRT)"
    if let why = log.unusable { return "\(kind), unusable: \(why)" }
    switch format {
    case .old:
        let bb = log.baseBlock!
        return "\(kind), sequence \(bb.primarySequence), \(log.dirtyPageOffsets.count) pages, written \(bb.lastWritten)"
    case .new:
        var s = "\(kind)"
        if let r = log.sequenceRange {
            s += ", \(log.entries.count) \(log.entries.count == 1 ? "entry" : "entries"), sequence \(r.lowerBound)-\(r.upperBound)"
        }
        if let bad = log.corruptEntry { s += ", corrupt entry \(bad.sequence) at file offset 0x\(hex(bad.fileOffset)): \(bad.reason)" }
        return s
    }
}

private func logsLine(_ opened: OpenedHive) -> String {
    if let r = opened.recovery {
        return "applied in memory: \(r.entries) \(r.entries == 1 ? "entry" : "entries"), \(r.pages) pages, sequence \(r.applied.first!.sequences.lowerBound)-\(r.sequence)"
    }
    if !opened.primaryBaseBlock.isDirty { return "not needed (the primary is clean)" }
    if let note = opened.notes.first { return "none applied: \(note)" }
    return "not applied (--no-logs: reading the primary file as it is)"
}

func hex<T: BinaryInteger>(_ v: T) -> String { String(v, radix: 16, uppercase: true) }
