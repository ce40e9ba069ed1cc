#if canImport(Glibc)
import Glibc
#endif
import CHivekeeper
import HiveFormat

/// OROpenHiveByHandle's file: a descriptor read whole (from offset 0, its own offset untouched;
/// never closed here), its logs found beside the file it names when it is dirty.
enum HiveFileDescriptor {
    static func read(_ fd: Int32) throws(OfflineError) -> HiveStorage {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .invalidHandle }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .invalidParameter }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw errno == EBADF ? .invalidHandle : OfflineError(ERROR_REGISTRY_IO_FAILED) }
            if n == 0 { bytes.removeLast(bytes.count - done); break }  // shorter than fstat said
            done += n
        }
        return HiveStorage(copying: bytes)
    }

    /// The hive, brought up to date from the logs beside the file when it is dirty (as OROpenHive
    /// does); read as it is when the descriptor names no file or there is no log.
    static func recovered(_ storage: HiveStorage, fd: Int32) throws(HiveError) -> Hive {
        let baseBlock = try BaseBlock(bytes: storage.bytes)
        guard baseBlock.isDirty, let path = path(of: fd) else { return try Hive(storage: storage) }
        var logs: [TransactionLog] = []
        for p in LogDiscovery.logs(besideHive: path) {
            let log = try TransactionLog(path: p)
            if !log.isEmpty { logs.append(log) }
        }
        guard !logs.isEmpty else { return try Hive(storage: storage) }
        let recovered: HiveStorage
        do throws(LogRecoveryError) {
            recovered = try LogRecovery.recover(primary: storage, path: path, logs: logs).storage
        } catch {
            throw .logRecovery(hive: path, error)
        }
        return try Hive(storage: recovered)
    }

    /// The file the descriptor is open on, as /proc names it; nil when it names none.
    private static func path(of fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.hasPrefix("/") && !path.hasSuffix(" (deleted)") ? path : nil
    }
}
