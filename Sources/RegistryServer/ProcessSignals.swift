#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// What the daemon does to real processes: name them from /proc, and end a logged-off
/// session's ones as Windows does (asked to close, then killed after a delay).
enum ProcessSignals {
    /// /proc/PID/exe, or the command name when that is not readable (another user's process).
    static func executable(of pid: Int32) -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe") { return path }
        if let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) {
            return comm.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return "pid \(pid)"
    }

    /// The process's start time (field 22 of /proc/PID/stat), to tell it from a later process
    /// that reuses its pid.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the command start at field 3 (state); starttime is field 22.
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// SIGTERM now, SIGKILL after `killAfter` if the same process still runs. A process we may
    /// not signal (another user's, when the daemon is not root) is left alone and logged.
    static func terminate(pid: Int32, killAfter: Duration, logger: Logger) {
        guard pid != getpid(), let started = startTime(of: pid) else { return }
        if kill(pid, SIGTERM) != 0 {
            logger.notice("cannot signal a logged-off session's process", metadata: ["pid": "\(pid)", "errno": "\(errno)"])
            return
        }
        Task.detached {
            try? await Task.sleep(for: killAfter)
            if startTime(of: pid) == started, kill(pid, SIGKILL) == 0 {
                logger.notice("killed a process that outlived its session", metadata: ["pid": "\(pid)"])
            }
        }
    }
}
