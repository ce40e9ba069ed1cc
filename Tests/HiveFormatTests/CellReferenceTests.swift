@testable import HiveFormat
import Testing

/// A cell reference is good only at the start of an allocated cell. The bitmap that answers it
/// holds a bit per 8 bytes, so an offset inside the first 8 bytes of a cell must be refused by
/// its alignment, not found "allocated" through the cell's own bit (the mutation smoke test
/// found that: a value's data offset 4 bytes into a cell read a size of garbage).
struct CellReferenceTests {
    @Test func offsetsInsideACellStartAreRefused() throws {
        let editor = try HiveEditor.create(path: nil)
        let key = try editor.createKey(under: editor.hive.baseBlock.rootCellOffset, named: "A").offset
        let hive = try Hive(bytes: Array(editor.hive.storage.bytes.prefix(BaseBlock.size + Int(editor.hive.binsLimit))))
        // Once with the bin not indexed yet, once after the key's own cell was read.
        for indexed in [false, true] {
            if indexed { #expect(try hive.key(at: key).name == "A") }
            for delta: UInt32 in 1...7 {
                #expect(!hive.cellIsAllocated(key + delta))
                #expect(throws: HiveError.notAnAllocatedCell(cell: key + delta, reason: "not 8-byte aligned", referencedBy: 7)) {
                    _ = try hive.cell(at: key + delta, referencedBy: 7)
                }
            }
            #expect(hive.cellIsAllocated(key))
        }
    }

    /// A value whose data offset points 4 bytes into an allocated cell: an error, not a crash.
    @Test func valueDataInsideACellIsAnError() throws {
        let editor = try HiveEditor.create(path: nil)
        let root = editor.hive.baseBlock.rootCellOffset
        let key = try editor.createKey(under: root, named: "K").offset
        try editor.setValue(of: key, named: "V", type: 3, bytes: Array(repeating: 0xAB, count: 64))
        var bytes = Array(editor.hive.storage.bytes.prefix(BaseBlock.size + Int(editor.hive.binsLimit)))
        let hive = try Hive(bytes: bytes)
        let value = try #require(try hive.value(of: hive.key(at: key), named: "V"))
        let dataField = BaseBlock.size + Int(value.offset) + 4 + 8
        let shifted = value.dataOffset + 4
        for i in 0..<4 { bytes[dataField + i] = UInt8(truncatingIfNeeded: shifted >> (8 * UInt32(i))) }
        let damaged = try Hive(bytes: bytes)
        let v = try #require(try damaged.value(of: damaged.key(at: key), named: "V"))
        #expect(throws: HiveError.self) { _ = try damaged.data(of: v) }
    }
}
