#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Hive {
    /// Writes the hive's image as it is — every bin, free space included — to a new file
    /// (refused if `path` exists), clean: both sequence numbers equal and the checksum right.
    /// RegSaveKeyEx's REG_NO_COMPRESSION saves a hive this way: no walk, no compaction.
    public func writeImage(toNewFile path: String) throws(HiveError) {
        let bytes = storage.bytes
        let length = BaseBlock.size + Int(binsLimit)
        guard bytes.count >= length else { throw .refused(reason: "the image is shorter than its base block says") }
        var header = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[0..<BaseBlock.size]))
        header.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            p.storeBytes(of: p.load(fromByteOffset: 4, as: UInt32.self), toByteOffset: 8, as: UInt32.self)
            p.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(p)).littleEndian, toByteOffset: 508, as: UInt32.self)
        }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, operation: "create", errno: errno) }
        do throws(HiveError) {
            try header.withUnsafeBytes { h in Result { () throws(HiveError) in try writeAll(fd, h, at: 0, path: path) } }.get()
            try writeAll(fd, UnsafeRawBufferPointer(rebasing: bytes[BaseBlock.size..<length]), at: BaseBlock.size, path: path)
            try syncFile(fd, path)
        } catch {
            Glibc.close(fd)
            unlink(path)
            throw error
        }
        Glibc.close(fd)
    }
}
