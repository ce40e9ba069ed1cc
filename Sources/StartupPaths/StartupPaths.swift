#if canImport(Glibc)
import Glibc
#endif

/// A path the daemon (or the demo) is told to use that cannot be what it must be, said with the
/// path and the reason — not Foundation's "NSCocoaErrorDomain Code=512" or NIO's
/// "UnixDomainSocketPathWrongType()" (issue 27, item 10).
public struct PathProblem: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum StartupPaths {
    /// `path` can be a directory: each of its components that exists is one (the rest will be
    /// created). `role` names the option or setting it came from ("--state", "socket").
    public static func requireDirectory(_ path: String, role: String) throws(PathProblem) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            var st = stat()
            guard stat(prefix, &st) == 0 else { return }  // missing: created later, with its parents
            guard st.st_mode & S_IFMT == S_IFDIR else {
                let which = prefix == path || "./" + path == prefix ? "it" : prefix
                throw PathProblem("\(role) \(path): \(which) is \(kind(st.st_mode)), not a directory")
            }
        }
    }

    /// The socket's path holds a socket (an old one, replaced) or nothing; anything else is
    /// someone's file, never removed to make room.
    public static func requireSocketPath(_ path: String, role: String) throws(PathProblem) {
        try requireDirectory(String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.startIndex)), role: role)
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard st.st_mode & S_IFMT == S_IFSOCK else {
            throw PathProblem("\(role) \(path): it is \(kind(st.st_mode)), not a socket; remove it or choose another path")
        }
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a directory"
        case S_IFLNK: "a symbolic link"
        case S_IFIFO: "a FIFO"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }
}
