#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds a hive's transaction logs beside it: NAME.LOG1, NAME.LOG2 and NAME.LOG, matched without
/// regard to case (Windows' file names are case-insensitive, and copies of them onto Linux keep
/// whatever case the copier used: `NTUSER.DAT` with `ntuser.dat.LOG1`).
public enum LogDiscovery {
    /// The logs found, LOG1 first, then LOG2, then LOG (the order old-format recovery prefers);
    /// none when the directory cannot be listed (`search` says why).
    public static func logs(besideHive path: String) -> [String] {
        (try? search(besideHive: path)) ?? []
    }

    /// The logs found, or an error naming the directory that could not be listed: a dirty hive
    /// whose logs cannot even be looked for must not be read as if it had none.
    public static func search(besideHive path: String) throws(HiveError) -> [String] {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let wanted = [".log1", ".log2", ".log"].map { (name + $0).lowercased() }
        var found: [[String]] = Array(repeating: [], count: wanted.count)
        let listed = directory.isEmpty ? "/" : directory
        guard let dir = opendir(listed) else {
            throw .io(path: listed, operation: "list the directory for the hive's transaction logs", errno: errno)
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let role = wanted.firstIndex(of: entryName.lowercased()) {
                found[role].append(entryName)
            }
        }
        let prefix = slash.map { String(path[...$0]) } ?? ""
        // Two files differing only in case: both are offered, in a stable order.
        return found.flatMap { $0.sorted() }.map { prefix + $0 }
    }
}
