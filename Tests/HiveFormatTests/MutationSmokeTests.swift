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
        let interesting: [UInt32] = [0, 1, 0x20, 0x1000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFF8, 16344, 16345]
        while Date() < deadline {
            var bytes = originals[rng.below(originals.count)]
            let mutations = 1 + rng.below(8)
            for _ in 0..<mutations {
                // Half the hits land in the first 16 KiB, where base block, root and lists live.
                let span = rng.below(2) == 0 ? min(bytes.count, 16384) : bytes.count
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
                if bytes.isEmpty { break }
            }
            _ = Self.exercise(bytes)
            iterations += 1
        }
        print("mutation smoke: \(iterations) mutated hives read without a crash")
        #expect(iterations > 0)
    }
}
