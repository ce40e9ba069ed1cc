import Foundation
import HiveFormat
import Testing

/// Views into a hive keep its bytes alive: a key, a value and the value's data outlive every
/// other reference to the `Hive` they came from. Before, each held a raw pointer into a mapping
/// that the hive's last release unmapped, so these reads were a use-after-free (a SIGSEGV on the
/// unmapped file; scripts/asan runs them too).
struct ViewLifetimeTests {
    /// A hive file with \A\B holding a string value and a value too big for one cell.
    static func hiveFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hk-views-\(getpid())-\(UUID().uuidString)").path
        let editor = try HiveEditor.create(path: nil)
        let root = editor.hive.baseBlock.rootCellOffset
        let a = try editor.createKey(under: root, named: "A").offset
        let b = try editor.createKey(under: a, named: "B").offset
        try editor.setValue(of: b, named: "small", type: 1, bytes: Array("hello".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        try editor.setValue(of: b, named: "big", type: 3, bytes: [UInt8](repeating: 0xAB, count: 40_000))
        try editor.hive.writeImage(toNewFile: path)
        return path
    }

    /// Each view comes from a hive nobody else holds, mapped from a file: it goes with the last
    /// reference.
    static func key(_ path: String, in file: String) throws -> NamedKey {
        try Hive(path: file).key(path: path)
    }

    @Test func aKeyOutlivesItsHive() throws {
        let file = try Self.hiveFile()
        defer { unlink(file) }
        let key = try Self.key("A\\B", in: file)
        #expect(key.name == "B")
        #expect(key.valueCount == 2)
    }

    @Test func aValueAndItsDataOutliveTheirHive() throws {
        let file = try Self.hiveFile()
        defer { unlink(file) }
        let (small, big, data, bigData) = try { () throws -> (ValueKey, ValueKey, ValueData, ValueData) in
            let hive = try Hive(path: file)
            let key = try hive.key(path: "A\\B")
            let small = try #require(try hive.value(of: key, named: "small"))
            let big = try #require(try hive.value(of: key, named: "big"))
            return (small, big, try hive.data(of: small), try hive.data(of: big))
        }()
        #expect(small.name == "small" && big.name == "big")
        #expect(data.bytes == Array("hello".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(bigData.count == 40_000 && bigData.bytes.allSatisfy { $0 == 0xAB })
    }

    @Test func aWalksKeysOutliveTheWalkAndTheHive() throws {
        let file = try Self.hiveFile()
        defer { unlink(file) }
        var kept: [NamedKey] = []
        do {
            let hive = try Hive(path: file)
            try hive.walk(from: hive.rootKey()) { key, _ throws(HiveError) in
                kept.append(key)
                return .descend
            }
        }
        #expect(kept.map(\.name.description) == ["ROOT", "A", "B"])
    }
}
