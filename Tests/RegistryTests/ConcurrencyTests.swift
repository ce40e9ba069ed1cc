import Dispatch
import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// Many threads at once: opening, writing, deleting, and force-unloading a hive under the
/// others. No write to the stable hive is lost; the unloaded hive's users see only the errors
/// Windows gives (deleted key, not found); nothing crashes. scripts/tsan runs this under
/// ThreadSanitizer.
final class ConcurrencyTests {
    let dir: URL
    let registry: Registry

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
        try registry.mountHive(file: dir.appendingPathComponent("victim.hive").path, at: "\\REGISTRY\\USER\\Victim")
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    @Test func openWriteDeleteAndForceUnloadTogether() throws {
        let workers = 8, rounds = 300
        let registry = self.registry
        let victimFile = dir.appendingPathComponent("victim.hive").path
        let failures = Failures()
        // Meanwhile another thread starts processes, as the daemon and the tests do: each fork
        // holds our descriptors (and the hive's lock) for a moment; the remount must wait it out.
        let spawner = Spawner()
        defer { spawner.stop() }
        DispatchQueue.concurrentPerform(iterations: workers + 1) { worker in
            let me = Fixture.system(Int32(1000 + worker))
            if worker == workers {
                // The unloader: force the victim out and back in, over and over.
                for _ in 0..<rounds / 10 {
                    do {
                        try registry.unloadHive(at: "\\REGISTRY\\USER\\Victim", force: true)
                        try registry.mountHive(file: victimFile, at: "\\REGISTRY\\USER\\Victim")
                    } catch {
                        failures.add("unloader: \(error)")
                    }
                }
                return
            }
            for round in 0..<rounds {
                do {
                    // The stable hive: every write must be read back.
                    let (k, _) = try registry.createKey(.localMachine, "SOFTWARE\\W\(worker)\\R\(round % 7)", access: .keyAllAccess, as: me)
                    let data = withUnsafeBytes(of: UInt32(round).littleEndian) { Array($0) }
                    try registry.setValue(k, "n", type: .dword, data: data, as: me)
                    if try registry.queryValue(k, "n", as: me).data != data { failures.add("lost write \(worker)/\(round)") }
                    if round % 5 == 0 { try registry.deleteKey(k, "", as: me) }
                    try registry.closeKey(k, as: me)
                } catch {
                    failures.add("stable \(worker)/\(round): \(error)")
                }
                // The victim: whatever the unloader does, only Windows' errors come back.
                do {
                    let (v, _) = try registry.createKey(.users, "Victim\\W\(worker)", access: .keyAllAccess, as: me)
                    defer { try? registry.closeKey(v, as: me) }
                    try registry.setValue(v, "n", type: .dword, data: [1, 0, 0, 0], as: me)
                    _ = try registry.queryValue(v, "n", as: me)
                } catch let e as Win32Error where [.keyDeleted, .fileNotFound, .childMustBeVolatile].contains(e) {
                    // Unloaded under us, or between mounts: then HKU\Victim would be a new key in
                    // the master namespace, which only takes volatile keys.
                } catch {
                    failures.add("victim \(worker)/\(round): \(error)")
                }
            }
            registry.processExited(me.process)
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(5))")
        // The last round's values are there.
        let me = Fixture.system()
        for worker in 0..<workers {
            for r in 0..<7 {
                let round = (0..<rounds).last { $0 % 7 == r }!
                let path = "SOFTWARE\\W\(worker)\\R\(r)"
                if round % 5 == 0 { continue }  // deleted in its last round
                let k = try registry.openKey(.localMachine, path, access: .keyRead, as: me)
                #expect(try registry.queryValue(k, "n", as: me).data == withUnsafeBytes(of: UInt32(round).littleEndian) { Array($0) })
                try registry.closeKey(k, as: me)
            }
        }
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}

/// Runs /bin/true over and over on its own thread until stopped.
final class Spawner: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init() {
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/bin/true")
                try? p.run()
                p.waitUntilExit()
            }
            done.signal()
        }
    }

    func stop() {
        lock.withLock { running = false }
        done.wait()
    }
}
