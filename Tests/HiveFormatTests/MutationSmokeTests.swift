import Foundation
import HiveFormat
import Testing

/// Byte flips, overwritten fields and truncations of corpus hives: reading must end in a value
/// or a HiveError, never a crash, a hang or an allocation driven by a corrupt size.
/// Runs for HIVEKEEPER_MUTATION_SECONDS (default 15; CI uses 60); the seed is printed so a
/// failure can be replayed with HIVEKEEPER_MUTATION_SEED.
@Suite(.enabled(if: Corpus.isPresent, "needs ../shared/hives"))
struct MutationSmokeTests {
    static let seeds = [
        "regipy/NTUSER.DAT", "regipy/SAM", "regipy/BCD", "regipy/SECURITY",
        "yarp/hives_for_tests/BigDataHive", "yarp/hives_for_tests/ManySubkeysHive",
        "yarp/hives_for_tests/UnicodeHive", "yarp/hives_for_tests/System_Delta",
        "nt-hive/testdata/testhive", "hivex/images/special", "hivex/images/rlenvalue_test_hive",
        "plaso/test_data/regf/100_sub_keys.hiv", "yarp/hives_for_tests/OffHive", "regf-samples/3.1/SOFTWARE",
    ]

    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// Reads everything reachable, strictly and then salvaging; returns keys seen.
    static func exercise(_ bytes: [UInt8]) -> Int {
        guard let hive = try? Hive(bytes: bytes) else { return 0 }
        var keys = 0
        for salvage in [false, true] {
            do throws(HiveError) {
                let root = try hive.rootKey()
                try hive.walk(from: root, options: WalkOptions(salvage: salvage)) { key, _ throws(HiveError) in
                    keys += 1
                    _ = try? hive.className(of: key)
                    _ = try? hive.security(of: key)
                    _ = key.name
                    try? hive.forEachValue(of: key) { v throws(HiveError) in
                        _ = v.name
                        _ = try? hive.data(of: v).count
                    }
                    return .descend
                }
                _ = try? hive.key(path: "Software\\Microsoft\\Windows")
            } catch {
                _ = error.description
            }
        }
        return keys
    }

    static let interesting: [UInt32] = [0, 1, 0x20, 0x200, 0x1000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFF8, 16344, 16345]

    /// One random damage: a flipped bit, a random byte, an interesting or random 32-bit field,
    /// or a truncation. Half the hits land in the first `hot` bytes (headers, roots, lists).
    static func damage(_ bytes: inout [UInt8], hot: Int, _ rng: inout Rng) {
        guard !bytes.isEmpty else { return }
        let span = rng.below(2) == 0 ? min(bytes.count, hot) : bytes.count
        let at = rng.below(span)
        switch rng.below(4) {
        case 0: bytes[at] ^= UInt8(truncatingIfNeeded: 1 << rng.below(8))
        case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
        case 2:
            let v = rng.below(2) == 0 ? interesting[rng.below(interesting.count)] : UInt32(truncatingIfNeeded: rng.next())
            let p = at & ~3
            if p + 4 <= bytes.count { withUnsafeBytes(of: v.littleEndian) { for i in 0..<4 { bytes[p + i] = $0[i] } } }
        default:
            bytes.removeLast(bytes.count - rng.below(bytes.count))
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func mutatedHivesNeverCrash() throws {
        let env = ProcessInfo.processInfo.environment
        let seconds = Double(env["HIVEKEEPER_MUTATION_SECONDS"] ?? "") ?? 15
        let seed = UInt64(env["HIVEKEEPER_MUTATION_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        print("mutation smoke: seed \(seed), \(seconds) s")
        var rng = Rng(state: seed)
        let originals = try Self.seeds.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path($0)))) }
        let deadline = Date().addingTimeInterval(seconds)
        var iterations = 0
        while Date() < deadline {
            var bytes = originals[rng.below(originals.count)]
            for _ in 0..<(1 + rng.below(8)) { Self.damage(&bytes, hot: 16384, &rng) }
            _ = Self.exercise(bytes)
            iterations += 1
        }
        print("mutation smoke: \(iterations) mutated hives read without a crash")
        #expect(iterations > 0)
    }

    /// Dirty hives with their logs, one file damaged: recovery ends in a hive or an error. Half
    /// the time the log's hashes and checksum are made right again after the damage, so the
    /// damage reaches the code that applies pages instead of stopping at the hash check.
    static let logSets = [
        ["yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive", "yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive.LOG1",
         "yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive.LOG2"],
        ["yarp/hives_for_tests/OldDirtyHive/OldDirtyHive", "yarp/hives_for_tests/OldDirtyHive/OldDirtyHive.LOG1"],
        ["dfirartifactmuseum/Windows/Amcache/Win10/APTSimulatorVM/Amcache.hve",
         "dfirartifactmuseum/Windows/Amcache/Win10/APTSimulatorVM/Amcache.hve.LOG1",
         "dfirartifactmuseum/Windows/Amcache/Win10/APTSimulatorVM/Amcache.hve.LOG2"],
    ]

    static func resealLog(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            guard raw.count >= 512, let p = raw.baseAddress else { return }
            var pos = 512
            while pos + 40 <= raw.count, p.loadUnaligned(fromByteOffset: pos, as: UInt32.self) == 0x454C_7648 {
                let size = Int(p.loadUnaligned(fromByteOffset: pos + 4, as: UInt32.self))
                guard size >= 512, pos + size <= raw.count else { break }
                let h1 = Marvin32.hash(UnsafeRawBufferPointer(start: p + pos + 40, count: size - 40))
                p.storeBytes(of: h1, toByteOffset: pos + 24, as: UInt64.self)
                p.storeBytes(of: Marvin32.hash(UnsafeRawBufferPointer(start: p + pos, count: 32)), toByteOffset: pos + 32, as: UInt64.self)
                pos += size
            }
            p.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(p)), toByteOffset: 508, as: UInt32.self)
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func mutatedLogsNeverCrash() throws {
        let env = ProcessInfo.processInfo.environment
        let seconds = (Double(env["HIVEKEEPER_MUTATION_SECONDS"] ?? "") ?? 15) / 3
        let seed = UInt64(env["HIVEKEEPER_MUTATION_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        print("log mutation smoke: seed \(seed), \(seconds) s")
        var rng = Rng(state: seed)
        let sets = try Self.logSets.map { try $0.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path($0)))) } }
        let deadline = Date().addingTimeInterval(seconds)
        var iterations = 0, recovered = 0
        while Date() < deadline {
            var files = sets[rng.below(sets.count)]
            let victim = rng.below(files.count)
            var bytes = files[victim]
            // Logs: mostly the entry headers and page references near the start of entries.
            for _ in 0..<(1 + rng.below(6)) { Self.damage(&bytes, hot: 4096, &rng) }
            if victim > 0, rng.below(2) == 0 { Self.resealLog(&bytes) }
            files[victim] = bytes
            let logs = files.dropFirst().enumerated().map { i, b in TransactionLog(name: "log\(i + 1)", storage: HiveStorage(copying: b)) }
            let primary = HiveStorage(copying: files[0])
            do throws(LogRecoveryError) {
                let r = try LogRecovery.recover(primary: primary, path: nil, logs: logs)
                recovered += 1
                _ = Self.exercise([UInt8](r.storage.bytes))
            } catch {
                _ = error.description
            }
            iterations += 1
        }
        print("log mutation smoke: \(iterations) damaged hive/log sets, \(recovered) recovered, no crash")
        #expect(iterations > 0)
    }
}
