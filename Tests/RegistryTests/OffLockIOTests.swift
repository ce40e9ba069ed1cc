import Foundation
import HiveFormat
@testable import Registry
import Security
import Testing

/// Hive file I/O runs outside the registry's lock: a save writes a snapshot copied under the
/// lock, a load opens and validates its file before taking it. Each test holds the I/O in
/// progress with the registry's I/O hook (no timing: a read that the lock blocked would never
/// finish, and the bounded wait below would report it).
struct OffLockIOTests {
    let dir: URL
    let registry: Registry
    let system = Fixture.system()

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
    }

    /// Reads a value of the user hive (another hive than the one being saved) on another thread;
    /// true when the read finished while the caller waits.
    func readerOfAnotherHiveFinishes(_ base: KeyHandle = .users, _ path: String = "S-1-5-21-1000-2000-3000-1001") -> Bool {
        let done = DispatchSemaphore(value: 0)
        let registry = self.registry, system = self.system
        Thread.detachNewThread {
            if let h = try? registry.openKey(base, path, access: .keyRead, as: system) {
                _ = try? registry.queryInfoKey(h, as: system)
                try? registry.closeKey(h, as: system)
            }
            done.signal()
        }
        // A bound so that a regression fails rather than hangs; it is never reached when the lock is free.
        return done.wait(timeout: .now() + 60) == .success
    }

    /// While the saved file is being written, another hive's reader is not blocked, and a write
    /// made after the copy is not in the file: the save is the key as it was when it was asked.
    @Test func aSaveWritesASnapshotOutsideTheLock() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (t, _) = try registry.createKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: system)
        try registry.setValue(t, "before", type: .dword, data: [1, 0, 0, 0], as: system)
        let file = dir.appendingPathComponent("saved.hiv").path
        let seen = Shared<(readerFinished: Bool, writeDuringSave: Bool)>((false, false))
        let registry = self.registry, system = self.system
        registry.setIOHook { io in
            guard io == .save(file: file) else { return }
            let finished = self.readerOfAnotherHiveFinishes()
            let wrote = (try? registry.setValue(t, "after", type: .dword, data: [2, 0, 0, 0], as: system)) != nil
            seen.withLock { $0 = (finished, wrote) }
        }
        try registry.saveKey(t, file: file, as: system)
        registry.setIOHook(nil)
        let (finished, wrote) = seen.withLock { $0 }
        #expect(finished, "a reader of another hive waited for the save")
        #expect(wrote, "a write to the saved key waited for the save")
        let saved = try Hive(path: file)
        let root = try saved.rootKey()
        #expect(try saved.value(of: root, named: "before") != nil)
        #expect(try saved.value(of: root, named: "after") == nil, "a write after the copy is in the saved file")
        var type = RegistryValueType(0), size = 0
        try registry.queryValue(t, "after", type: &type, data: nil, size: &size, as: system)
        #expect(size == 4)
    }

    /// RegFlushKey writes outside the lock: while the user hive's flush is held at its I/O, a
    /// reader of another hive finishes and a write to the hive being flushed goes in (it is
    /// the next flush's); the flush still returns only once its own write is done.
    @Test func aFlushWritesOutsideTheLock() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (h, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Big", access: .keyAllAccess, as: system)
        for i in 0..<64 {
            try registry.setValue(h, "v\(i)", type: .binary, data: [UInt8](repeating: UInt8(i), count: 16_000), as: system)
        }
        let userHive = Fixture.userPath
        let seen = Shared<(reader: Bool, writer: Bool, flushes: Int)>((false, false, 0))
        let registry = self.registry, system = self.system
        registry.setIOHook { io in
            guard io == .flush(hive: userHive) else { return }
            guard seen.withLock({ $0.flushes += 1; return $0.flushes }) == 1 else { return }
            let reader = self.readerOfAnotherHiveFinishes(.localMachine, "SOFTWARE")
            let writer = (try? registry.setValue(h, "during", type: .dword, data: [1, 0, 0, 0], as: system)) != nil
            seen.withLock { $0.reader = reader; $0.writer = writer }
        }
        try registry.flushKey(h, as: system)
        let after = seen.withLock { $0 }
        #expect(after.flushes == 1)
        #expect(after.reader, "a reader of another hive waited for the flush")
        #expect(after.writer, "a write to the hive waited for its flush")
        // The write made during the flush is the next flush's.
        try registry.flushKey(h, as: system)
        #expect(seen.withLock { $0.flushes } == 2)
        registry.setIOHook(nil)
        try registry.closeKey(h, as: system)
    }

    /// RegLoadKey opens (reads, recovers, validates) its file with the lock free: another hive's
    /// reader goes on meanwhile.
    @Test func aLoadReadsItsFileOutsideTheLock() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (t, _) = try registry.createKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: system)
        try registry.setValue(t, "v", type: .dword, data: [1, 0, 0, 0], as: system)
        let file = dir.appendingPathComponent("toload.hiv").path
        try registry.saveKey(t, file: file, as: system)
        let finished = Shared(false)
        registry.setIOHook { io in
            guard io == .load(file: file) else { return }
            let f = self.readerOfAnotherHiveFinishes()
            finished.withLock { $0 = f }
        }
        try registry.loadKey(.localMachine, "LOADED", file: file, as: system)
        registry.setIOHook(nil)
        #expect(finished.withLock { $0 }, "a reader of another hive waited for the load")
        let h = try registry.openKey(.localMachine, "LOADED", access: .keyRead, as: system)
        var type = RegistryValueType(0), size = 0
        try registry.queryValue(h, "v", type: &type, data: nil, size: &size, as: system)
        #expect(size == 4)
        try registry.closeKey(h, as: system)
        try registry.unloadKey(.localMachine, "LOADED", as: system)
    }

    /// A load whose place is taken while its file was being read gives the file back (its lock
    /// released) and fails as a load of a taken name does.
    @Test func aLoadRacedForItsNameReleasesTheFile() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (t, _) = try registry.createKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: system)
        let file = dir.appendingPathComponent("toload.hiv").path
        let other = dir.appendingPathComponent("other.hiv").path
        try registry.saveKey(t, file: file, as: system)
        try registry.saveKey(t, file: other, as: system)
        let registry = self.registry, system = self.system
        registry.setIOHook { io in
            guard io == .load(file: file) else { return }
            registry.setIOHook(nil)
            _ = try? registry.loadKey(.localMachine, "RACED", file: other, as: system)
        }
        #expect(throws: Win32Error.alreadyExists) { try registry.loadKey(.localMachine, "RACED", file: file, as: system) }
        registry.setIOHook(nil)
        // The file is free again: it loads elsewhere.
        try registry.loadKey(.localMachine, "AGAIN", file: file, as: system)
        try registry.unloadKey(.localMachine, "AGAIN", as: system)
        try registry.unloadKey(.localMachine, "RACED", as: system)
    }
}

/// RegLoadAppKey and RegRestoreKey read their files outside the lock too.
extension OffLockIOTests {
    /// An app hive's file is opened (read, checked) with the lock free: another hive's reader
    /// goes on meanwhile; the hive is mounted after.
    @Test func anAppHiveLoadReadsItsFileOutsideTheLock() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (t, _) = try registry.createKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: system)
        try registry.setValue(t, "v", type: .dword, data: [1, 0, 0, 0], as: system)
        let file = dir.appendingPathComponent("app.hiv").path
        try registry.saveKey(t, file: file, as: system)
        let finished = Shared<Bool?>(nil)
        registry.setIOHook { io in
            guard io == .load(file: file) else { return }
            let f = self.readerOfAnotherHiveFinishes()
            finished.withLock { $0 = f }
        }
        let root = try registry.loadAppKey(file: file, access: .keyRead, as: system)
        registry.setIOHook(nil)
        #expect(finished.withLock { $0 } == true, "a reader of another hive waited for the app hive's load")
        var type = RegistryValueType(0), size = 0
        try registry.queryValue(root, "v", type: &type, data: nil, size: &size, as: system)
        #expect(size == 4)
        try registry.closeKey(root, as: system)
    }

    /// Two loads of one app hive file at once: the second waits for the first (it does not race
    /// it for the file's lock, which would be ERROR_SHARING_VIOLATION), then gets the hive the
    /// first mounted — one hive — or, REG_PROCESS_APPKEY, ERROR_SHARING_VIOLATION. The same for
    /// a file that is not there yet (both would create it).
    @Test(arguments: [(exists: true, processKey: false), (exists: false, processKey: false), (exists: true, processKey: true)])
    func twoLoadsOfOneAppHiveFileMountItOnce(_ c: (exists: Bool, processKey: Bool)) throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("app.hiv").path
        if c.exists {
            let (t, _) = try registry.createKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: system)
            try registry.saveKey(t, file: file, as: system)
        }
        let registry = self.registry, system = self.system
        let second = Shared<Result<KeyHandle, Win32Error>?>(nil)
        let secondWaits = DispatchSemaphore(value: 0), secondDone = DispatchSemaphore(value: 0)
        let firstIO = Shared(0)
        registry.setIOHook { io in
            if io == .waitForLoad(file: file) { secondWaits.signal() }
            guard io == .load(file: file), firstIO.withLock({ $0 += 1; return $0 }) == 1 else { return }
            // The first load is reading the file: the second one starts, and waits for it.
            Thread.detachNewThread {
                let r = Result { () throws(Win32Error) in
                    try registry.loadAppKey(file: file, access: .keyAllAccess, options: c.processKey ? .processAppKey : [], as: system)
                }
                second.withLock { $0 = r }
                secondDone.signal()
            }
            _ = secondWaits.wait(timeout: .now() + 60)  // a bound, never reached when the second load waits
        }
        let first = try registry.loadAppKey(file: file, access: .keyAllAccess, as: system)
        #expect(secondDone.wait(timeout: .now() + 60) == .success)
        registry.setIOHook(nil)
        #expect(firstIO.withLock { $0 } == 1, "the second load read the file too")
        #expect(registry.loadedHives.filter { $0.hasPrefix("\\REGISTRY\\A\\") }.count == 1)
        let result = second.withLock { $0 }
        if c.processKey {
            #expect(throws: Win32Error.sharingViolation) { try result?.get() }
        } else {
            let other = try #require(try result?.get())
            // One hive: a value written through one handle is read through the other.
            try registry.setValue(first, "w", type: .dword, data: [7, 0, 0, 0], as: system)
            #expect(try registry.queryValue(other, "w", as: system).data == [7, 0, 0, 0])
            try registry.closeKey(other, as: system)
        }
        try registry.closeKey(first, as: system)
        #expect(registry.loadedHives.filter { $0.hasPrefix("\\REGISTRY\\A\\") }.isEmpty)
    }

    /// RegRestoreKey reads the saved hive with the lock free (another hive's reader goes on), then
    /// replaces the key in one step under it: a value written to the key while the file was
    /// read is gone, the saved one is there.
    @Test func aRestoreReadsItsFileOutsideTheLock() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (t, _) = try registry.createKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: system)
        try registry.setValue(t, "saved", type: .dword, data: [1, 0, 0, 0], as: system)
        let file = dir.appendingPathComponent("saved.hiv").path
        try registry.saveKey(t, file: file, as: system)
        try registry.deleteValue(t, "saved", as: system)
        let seen = Shared<(reader: Bool, writer: Bool)?>(nil)
        let registry = self.registry, system = self.system
        registry.setIOHook { io in
            guard io == .restore(file: file) else { return }
            let reader = self.readerOfAnotherHiveFinishes()
            let writer = (try? registry.setValue(t, "during", type: .dword, data: [2, 0, 0, 0], as: system)) != nil
            seen.withLock { $0 = (reader, writer) }
        }
        try registry.restoreKey(t, file: file, as: system)
        registry.setIOHook(nil)
        #expect(seen.withLock { $0?.reader } == true, "a reader of another hive waited for the restore's read")
        #expect(seen.withLock { $0?.writer } == true, "a write to the key waited for the restore's read")
        #expect(try registry.queryValue(t, "saved", as: system).data == [1, 0, 0, 0])
        #expect(throws: Win32Error.fileNotFound) { _ = try registry.queryValue(t, "during", as: system) }
        try registry.closeKey(t, as: system)
    }

    /// A key closed while its restore read the file: the restore fails as on a closed handle.
    @Test func aRestoreWhoseKeyClosedMeanwhileFails() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (t, _) = try registry.createKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: system)
        let file = dir.appendingPathComponent("saved.hiv").path
        try registry.saveKey(t, file: file, as: system)
        let registry = self.registry, system = self.system
        registry.setIOHook { io in
            guard io == .restore(file: file) else { return }
            try? registry.closeKey(t, as: system)
        }
        #expect(throws: Win32Error.invalidHandle) { try registry.restoreKey(t, file: file, as: system) }
        registry.setIOHook(nil)
    }
}

/// A value the I/O hook's thread sets and the test reads.
final class Shared<Value>: @unchecked Sendable {  // every access to `value` holds `lock`
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}
