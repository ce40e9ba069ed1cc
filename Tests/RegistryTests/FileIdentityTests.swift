import Foundation
import HiveFormat
import Registry
import Security
import Synchronization
import Testing

/// Files a caller names are opened, created and replaced with the caller's Linux rights (its
/// `FileIdentity`), never the process's: here the process is root and the caller is `nobody`
/// (uid and gid 65534) holding every registry privilege, so only the file rights can stop it.
/// Needs root (only root can take on another file identity).
@Suite(.serialized, .enabled(if: getuid() == 0 && getpwuid(65_534) != nil, "needs root and the nobody user"))
struct FileIdentityTests {
    let dir: URL
    let registry: Registry
    let nobody = FileIdentity(uid: 65_534, gid: 65_534, groups: [65_534])
    /// SYSTEM's token with nobody's files: privileges are not file rights.
    var caller: RegistryCaller { RegistryCaller(process: ProcessID(900), token: Fixture.systemToken, files: nobody) }

    init() throws {
        dir = try Fixture.tempDir()
        chmod(dir.path, 0o755)
        registry = try Fixture.registry(in: dir)
    }

    /// A directory only root may enter, and one nobody owns.
    func directories() throws -> (rootOnly: String, nobodys: String) {
        let rootOnly = dir.appendingPathComponent("root-only").path
        let nobodys = dir.appendingPathComponent("nobody").path
        for d in [rootOnly, nobodys] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        chmod(rootOnly, 0o700)
        chown(nobodys, 65_534, 65_534)
        return (rootOnly, nobodys)
    }

    func owner(_ path: String) -> uid_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_uid : nil
    }

    @Test func saveCreatesFilesOnlyWhereTheCallerMay() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (rootOnly, nobodys) = try directories()
        let key = try registry.openKey(.localMachine, "SOFTWARE", access: .keyRead, as: caller)
        #expect(throws: Win32Error.accessDenied) { try registry.saveKey(key, file: rootOnly + "/saved.hiv", as: caller) }
        #expect(!FileManager.default.fileExists(atPath: rootOnly + "/saved.hiv"))
        // The process itself is root: without the caller's identity the same save goes through.
        let root = RegistryCaller(process: ProcessID(900), token: Fixture.systemToken)
        try registry.saveKey(key, file: rootOnly + "/root.hiv", as: root)
        // Where nobody may write, the file is nobody's.
        try registry.saveKey(key, file: nobodys + "/saved.hiv", as: caller)
        #expect(owner(nobodys + "/saved.hiv") == 65_534)
        // Restoring from a file nobody cannot read is refused the same way.
        let user = try registry.openKey(.users, Fixture.userSID.description, access: .keyAllAccess, as: caller)
        #expect(throws: Win32Error.accessDenied) { try registry.restoreKey(user, file: rootOnly + "/root.hiv", as: caller) }
        try registry.restoreKey(user, file: nobodys + "/saved.hiv", as: caller)
    }

    @Test func loadAndAppHivesOpenAndFlushAsTheCaller() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (rootOnly, nobodys) = try directories()
        #expect(throws: Win32Error.accessDenied) { try registry.loadKey(.localMachine, "X", file: rootOnly + "/x.hiv", as: caller) }
        #expect(throws: Win32Error.accessDenied) { _ = try registry.loadAppKey(file: rootOnly + "/a.hiv", access: .keyRead, as: caller) }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: rootOnly))?.isEmpty == true)

        // nobody's own app hive: created as nobody; later flushes write as nobody too — a
        // whole-file flush (every page changed) makes its new file beside the old one.
        let file = nobodys + "/app.hiv"
        let root = try registry.loadAppKey(file: file, access: .keyAllAccess, as: caller)
        #expect(owner(file) == 65_534 && owner(file + ".LOG1") == 65_534)
        let (k, _) = try registry.createKey(root, "Big", access: .keyAllAccess, as: caller)
        try registry.setValue(k, "Data", type: .binary, data: [UInt8](repeating: 7, count: 256 << 10), as: caller)
        try registry.flushKey(k, as: caller)
        #expect(owner(file) == 65_534)
        // The same file by another path (a symbolic link) is the hive already loaded.
        symlink(file, nobodys + "/link.hiv")
        let again = try registry.loadAppKey(file: nobodys + "/link.hiv", access: .keyRead, as: caller)
        try registry.closeKey(again, as: caller)
        try registry.closeKey(k, as: caller)
        try registry.closeKey(root, as: caller)
        let hive = try Hive(path: file)
        #expect(try hive.subkey(of: try hive.rootKey(), named: "Big") != nil)
        // An app hive someone else loaded is reached only by a caller who could open its file
        // for writing: nobody cannot write root's 0644 file, so gets no handle to its hive.
        let roots = dir.appendingPathComponent("roots.hiv").path
        let rootCaller = RegistryCaller(process: ProcessID(901), token: Fixture.systemToken)
        let held = try registry.loadAppKey(file: roots, access: .keyAllAccess, as: rootCaller)
        chmod(roots, 0o644)
        #expect(throws: Win32Error.accessDenied) { _ = try registry.loadAppKey(file: roots, access: .keyRead, as: caller) }
        try registry.closeKey(held, as: rootCaller)
        // The thread is root again afterwards.
        let probe = rootOnly + "/probe"
        #expect(FileManager.default.createFile(atPath: probe, contents: Data()))
    }
}

/// A FIFO where a hive, a log or a flush's new file should be cannot hang the registry (every
/// client waits behind its lock): it is refused at once.
@Suite struct SpecialFileTests {
    /// Runs `body` on a thread; false when it has not finished within `seconds`.
    func finishes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { body(); done.signal() }
        return done.wait(timeout: .now() + seconds) == .success
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: SpecialFileTests.dirtyHive), "needs ../shared/hives"))
    func aFIFOIsRefusedNotWaitedOn() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try Fixture.registry(in: dir)
        let caller = Fixture.user()
        // A dirty hive whose LOG1 is a FIFO: reading the log would wait for a writer for ever.
        let hive = dir.appendingPathComponent("dirty.hiv").path
        try FileManager.default.copyItem(atPath: Self.dirtyHive, toPath: hive)
        #expect(mkfifo(hive + ".LOG1", 0o644) == 0)
        let fifo = dir.appendingPathComponent("fifo.hiv").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let results = Mutex<[Win32Error?]>([])
        let finished = finishes(within: 20) {
            for file in [hive, fifo] {
                do throws(Win32Error) {
                    _ = try registry.loadAppKey(file: file, access: .keyRead, as: caller)
                    results.withLock { $0.append(nil) }
                } catch {
                    results.withLock { $0.append(error) }
                }
            }
        }
        if !finished {
            // Let the waiting open go before failing.
            for f in [hive + ".LOG1", fifo] { let fd = open(f, O_WRONLY | O_NONBLOCK); if fd >= 0 { close(fd) } }
        }
        #expect(finished, "a FIFO hung the load")
        #expect(results.withLock { $0 }.allSatisfy { $0 != nil }, "\(results.withLock { $0 })")
    }

    static var dirtyHive: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/hives/regipy/SYSTEM_B").path
    }
}
