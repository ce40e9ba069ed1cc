import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// How deep keys go ("Registry element size limits": a tree can be 512 levels deep, and one
/// call creates at most 32 levels). docs/live-registry.md, "Depth".
@Suite struct DepthTests {
    @Test func oneCallCreatesAtMost32Levels() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try Fixture.registry(in: dir)
        let system = Fixture.system()
        let root = try registry.openKey(.localMachine, "SOFTWARE", access: .keyAllAccess, as: system)
        let path = (1...33).map { "k\($0)" }.joined(separator: "\\")
        #expect(throws: Win32Error.invalidParameter) { _ = try registry.createKey(root, path, access: .keyRead, as: system) }
        #expect(throws: Win32Error.fileNotFound) { _ = try registry.openKey(root, "k1", access: .keyRead, as: system) }
        let (k, _) = try registry.createKey(root, (1...32).map { "k\($0)" }.joined(separator: "\\"), access: .keyRead, as: system)
        try registry.closeKey(k, as: system)
        // 32 more below what exists is one call's worth again.
        let (k2, _) = try registry.createKey(root, (1...64).map { "k\($0)" }.joined(separator: "\\"), access: .keyRead, as: system)
        try registry.closeKey(k2, as: system)
    }

    @Test(arguments: [false, true]) func keysStopAt512Levels(volatile: Bool) throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try Fixture.registry(in: dir)
        let system = Fixture.system()
        var key = try registry.openKey(.localMachine, "SOFTWARE", access: .keyAllAccess, as: system)
        var depth = 0
        var refused: Win32Error?
        while depth < 700, refused == nil {
            do throws(Win32Error) {
                let (next, _) = try registry.createKey(key, (1...30).map { "d\(depth + $0)" }.joined(separator: "\\"),
                                                       options: volatile ? .volatile : [], access: .keyAllAccess, as: system)
                try registry.closeKey(key, as: system)
                key = next
                depth += 30
            } catch {
                refused = error
            }
        }
        #expect(refused == .invalidParameter && depth >= 480 && depth < 512, "\(depth)")
    }
}
