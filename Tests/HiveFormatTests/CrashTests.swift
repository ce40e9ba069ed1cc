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
    static let child = builtProduct("hivekeeper-crashtest")

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
        var rng = MutationSmokeTests.Rng(state: seed)
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
