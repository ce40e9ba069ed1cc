#if canImport(Glibc)
import Glibc
#endif
import HiveFormat

/// The hive target: one input is a primary file and up to two transaction logs, joined by
/// `separator`. What `hivekeeper` and the daemon do with an untrusted hive runs on it: the
/// base block, log parsing and recovery when the primary is dirty (and the primary as it is
/// when recovery refuses, as `--no-logs` reads it), then a strict walk (and a salvaging one when it fails) reading
/// every name, class, security cell, value and data, lookups by name, `check()` and the
/// consistency check. Any outcome but a crash, a hang or a sanitizer report is fine.
public enum HiveFuzz {
    public static let separator: [UInt8] = Array("\u{7F}==HKLOG==\n".utf8)

    @inline(never)
    public static func run(_ input: UnsafeRawBufferPointer) {
        let parts = split(input)
        let primary = HiveStorage(copying: parts[0])
        let logs = parts.dropFirst().enumerated().map { i, bytes in
            TransactionLog(name: "log\(i + 1)", storage: HiveStorage(copying: bytes))
        }
        for log in logs {
            _ = log.sequenceRange
            _ = log.chainEnd
            for entry in log.entries { _ = entry.pages(in: log).count }
        }
        let dirty = (try? BaseBlock(bytes: primary.bytes))?.isDirty ?? true
        if dirty, logs.contains(where: { !$0.isEmpty }) {
            do throws(LogRecoveryError) {
                let recovered = try LogRecovery.recover(primary: primary, path: nil, logs: logs.filter { !$0.isEmpty })
                _ = recovered.report.summary
                read(recovered.storage)
            } catch {
                _ = error.description
            }
        }
        read(primary)
    }

    /// The primary, then each log: cut at every separator (at most three parts). memchr and
    /// memcmp, not a Swift loop: a loop's comparisons would be traced by the coverage
    /// instrumentation on every byte of every input.
    public static func split(_ input: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var parts: [UnsafeRawBufferPointer] = []
        guard let base = input.baseAddress else { return [input] }
        var start = 0, from = 0
        separator.withUnsafeBytes { sep in
            while parts.count < 2, input.count - from >= sep.count,
                  let hit = memchr(base + from, Int32(sep[0]), input.count - from - sep.count + 1) {
                let at = UnsafeRawPointer(hit) - base
                if memcmp(hit, sep.baseAddress!, sep.count) == 0 {
                    parts.append(UnsafeRawBufferPointer(rebasing: input[start..<at]))
                    start = at + sep.count
                    from = start
                } else {
                    from = at + 1
                }
            }
        }
        parts.append(UnsafeRawBufferPointer(rebasing: input[start...]))
        return parts
    }

    /// `primary` followed by each log, as one input.
    public static func join(_ primary: [UInt8], logs: [[UInt8]]) -> [UInt8] {
        logs.reduce(primary) { $0 + separator + $1 }
    }

    static func read(_ storage: HiveStorage) {
        let hive: Hive
        do throws(HiveError) { hive = try Hive(storage: storage) } catch { _ = error.description; return }
        _ = hive.warnings
        // The salvaging walk only differs from the strict one where the strict one fails.
        for salvage in [false, true] {
            do throws(HiveError) {
                let root = try hive.rootKey()
                var names: [RegistryName] = []
                try hive.walk(from: root, options: WalkOptions(salvage: salvage), corrupt: { _, _, e in _ = e.description }) { key, depth throws(HiveError) in
                    if depth == 1, names.count < 8 { names.append(key.name) }
                    _ = key.name
                    _ = try? hive.className(of: key)
                    _ = try? hive.security(of: key)
                    try? hive.forEachValue(of: key) { v throws(HiveError) in
                        _ = v.name
                        _ = try? hive.data(of: v).count
                    }
                    return .descend
                }
                for name in names { _ = try? hive.key(path: [name], from: root) }
                break
            } catch {
                _ = error.description
            }
        }
        _ = hive.check(limit: 20).problems.count
        do throws(HiveError) { _ = try hive.checkConsistency() } catch { _ = error.description }
    }
}
