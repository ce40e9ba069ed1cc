#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The daemon's files are root's alone, whatever umask it was started with (outside systemd
/// the umask is usually 022, which left every profile readable by every user): new files 0600
/// and directories 0700 through the process umask, and what an earlier run left set right at
/// start. docs/security.md, "Files on disk".
enum StatePermissions {
    /// Creates `root` when missing (its parents with the umask as it was), sets the umask to 077
    /// and makes `root` and everything below it private.
    static func secure(_ root: String) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        umask(0o077)
        restrict(root)
        guard let walk = FileManager.default.enumerator(atPath: root) else { return }
        while let relative = walk.nextObject() as? String { restrict(root + "/" + relative) }
    }

    /// 0700 for a directory, 0600 for a file; symbolic links are left alone (chmod would follow).
    private static func restrict(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: if st.st_mode & 0o077 != 0 { chmod(path, st.st_mode & 0o700) }
        case S_IFREG: if st.st_mode & 0o077 != 0 { chmod(path, st.st_mode & 0o600) }
        default: break
        }
    }
}
