// The Hivekeeper side of scripts/bench-write: build the read benchmark's tree (\\Generated,
// fan-out 10, depth 6, 1,111,112 keys, a REG_DWORD "Index" on each leaf) in a new hive and flush
// it; then reopen it, change one value, flush, and report what that flush wrote.
#if canImport(Glibc)
import Glibc
#endif
import HiveFormat

func benchmarkWrite(_ out: String) {
    do {
        for suffix in ["", ".LOG1", ".LOG2"] { unlink(out + suffix) }
        let t0 = now()
        let editor = try HiveEditor.create(path: out)
        let generated = try editor.createKey(under: editor.hive.baseBlock.rootCellOffset, named: "Generated").offset
        var leaves: UInt32 = 0
        let names = (0..<10).map { RegistryName("K0\($0)") }
        func grow(_ parent: UInt32, _ depth: Int) throws {
            for name in names {
                let child = try editor.createKey(under: parent, named: name).offset
                if depth == 6 {
                    try editor.setValue(of: child, named: "Index", type: 4,
                                        bytes: [UInt8(leaves & 0xFF), UInt8(leaves >> 8 & 0xFF), UInt8(leaves >> 16 & 0xFF), UInt8(leaves >> 24)])
                    leaves += 1
                } else {
                    try grow(child, depth + 1)
                }
            }
        }
        try grow(generated, 1)
        let built = now()
        let first = try editor.flush()
        let t1 = now()
        print(String(format: "hivekeeper build %.3f s + flush %.3f s = %.3f s, %d leaves, %d bytes of bins, flush wrote %d bytes",
                     built - t0, t1 - built, t1 - t0, leaves, editor.hive.binsLimit, first.bytesWritten))
        editor.close()
        let again = try HiveEditor.open(path: out)
        let t2 = now()
        let key = try again.hive.key(path: "Generated\\K03\\K07\\K01\\K09\\K00\\K05")
        try again.setValue(of: key.offset, named: "Index", type: 4, bytes: [1, 2, 3, 4])
        let stats = try again.flush()
        let t3 = now()
        print(String(format: "one changed value: open %.3f s, then set + flush %.4f s; the flush wrote %d bytes (log %d, primary %d: %d pages + 2 base blocks) with %d fsyncs",
                     t2 - t1, t3 - t2, stats.bytesWritten, stats.logBytes, stats.primaryBytes, stats.pages, stats.fsyncs))
    } catch {
        print("error: \(error)")
        exit(1)
    }
}
