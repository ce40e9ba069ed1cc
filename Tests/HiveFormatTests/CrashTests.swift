import Foundation
import HiveFormat
import TestSupport
import Testing

/// A child edits and flushes a hive in a loop and is killed with SIGKILL at random moments.
/// After each kill the hive, with its logs, must open (recovered when the kill left it dirty),
/// pass the checker, and hold every flush that returned: the root's "counter" is at least the
/// last one the child reported. The next child goes on with the same files.
/// HIVEKEEPER_CRASH_KILLS sets the number of kills (default 100; scripts/crash-test runs more).
struct CrashTests {
    static let child: String = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("hivekeeper-crashtest").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return SharedCorpus.projectRoot.appendingPathComponent(".build/debug/hivekeeper-crashtest").path
    }()

    @Test(.timeLimit(.minutes(10)))
    func killedWritersLoseNothingFlushed() throws {
        let env = ProcessInfo.processInfo.environment
        let kills = Int(env["HIVEKEEPER_CRASH_KILLS"] ?? "") ?? 100
        let seed = UInt64(env["HIVEKEEPER_CRASH_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        print("crash test: seed \(seed), \(kills) kills")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-crash-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("NTUSER.DAT").path
        var rng = SplitMix(state: seed)
        var dirtyAfterKill = 0, lastFlushed: UInt64 = 0
        for kill in 0..<kills {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.child)
            p.arguments = [hive, String(seed &+ UInt64(kill))]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            // Let it report a few flushes, then kill it at a random moment of the next ones.
            let wanted = 1 + rng.below(4)
            var seen = 0
            var buffer = Data()
            let handle = out.fileHandleForReading
            while seen < wanted {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                seen = buffer.split(separator: UInt8(ascii: "\n")).count
            }
            usleep(UInt32(rng.below(3000)))
            Foundation.kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            buffer.append(handle.readDataToEndOfFile())
            let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
            if let bad = lines.first(where: { $0.hasPrefix("error") }) {
                Issue.record("kill \(kill): the child failed: \(bad)")
                return
            }
            if let last = lines.last(where: { $0.hasPrefix("flushed ") }), let n = UInt64(last.dropFirst(8)) {
                lastFlushed = n
            }
            let primary = try Hive(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: hive))))
            if primary.baseBlock.isDirty { dirtyAfterKill += 1 }
            let opened = try Hive.open(path: hive, logs: .besideHive)
            let report = opened.hive.check()
            #expect(report.problems.isEmpty, "kill \(kill): \(report.problems.prefix(3))")
            let counter = try opened.hive.value(of: opened.hive.rootKey(), named: "counter")
                .map { try opened.hive.data(of: $0).bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) } } ?? 0
            #expect(counter >= lastFlushed, "kill \(kill): counter \(counter) but flush \(lastFlushed) had returned")
            lastFlushed = counter
            if !report.problems.isEmpty { return }
        }
        print("crash test: \(kills) kills, \(dirtyAfterKill) left the primary dirty and were recovered from the log, last counter \(lastFlushed)")
    }
}

struct SplitMix {
    var state: UInt64
    mutating func below(_ n: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(n, 1)))
    }
}
