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
            let hive = try hiveOptions.open()
            let out = Output.standardOutput()
            defer { try? out.close() }
            let bb = hive.baseBlock
            out.line("file: \(hiveOptions.hive)")
            out.line("file-size: \(hive.storage.bytes.count)")
            out.line("format: regf \(bb.majorVersion).\(bb.minorVersion)")
            out.line("sequence: primary \(bb.primarySequence), secondary \(bb.secondarySequence)")
            out.line("checksum: stored 0x\(hex(bb.storedChecksum)), computed 0x\(hex(bb.computedChecksum))")
            out.line("state: " + (bb.isDirty ? "dirty (" + bb.dirtyReasons.joined(separator: "; ") + ")" : "clean"))
            out.line("logs: not applied (reading the primary file as it is)")
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
            try hive.walk(from: root, options: hiveOptions.walkOptions, corrupt: { parent, _, error in
                Diagnostics.say("warning: skipped a subtree below key cell 0x\(hex(parent.offset)): \(error)")
                partial = true
            }) { key, _ throws(HiveError) -> WalkControl in
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
                    Diagnostics.say("warning: values of key cell 0x\(hex(key.offset)) cut short: \(error)")
                    partial = true
                }
                return .descend
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

func hex<T: BinaryInteger>(_ v: T) -> String { String(v, radix: 16, uppercase: true) }
