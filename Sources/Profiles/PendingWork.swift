import Foundation

/// What a logoff has yet to finish, kept on disk so that a crash does not lose it: one small
/// file per user in STATE/pending/ saying `logoff` (the hives were being unloaded) or `upload`
/// (unloaded; the roaming copy not yet written). A restart finishes each (`resumePendingWork`).
/// Written with a rename over the old entry, so an entry is always whole.
public struct PendingWork: Sendable {
    public enum Stage: String, Sendable { case logoff, upload }

    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    private func file(_ user: String) -> URL { directory.appendingPathComponent(user) }

    func record(_ user: String, _ stage: Stage) {
        guard Self.isFileName(user) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temp = directory.appendingPathComponent(".\(user).tmp")
        guard FileManager.default.createFile(atPath: temp.path, contents: Data((stage.rawValue + "\n").utf8)) else { return }
        let fd = open(temp.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        rename(temp.path, file(user).path)
        let dir = open(directory.path, O_RDONLY | O_DIRECTORY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    func clear(_ user: String) {
        guard Self.isFileName(user) else { return }
        unlink(file(user).path)
    }

    static func isFileName(_ user: String) -> Bool {
        !user.isEmpty && user != "." && user != ".." && !user.hasPrefix(".") && !user.contains("/") && !user.contains("\0")
    }

    /// Every entry, by user (temporary files, named with a dot, are not entries). An entry
    /// that cannot be read, or says neither stage, is a crash's record all the same: it is
    /// given as a logoff — the whole of the work, hives brought up to date then uploaded — with
    /// `unreadable` saying why, never skipped.
    public func all() -> [(user: String, stage: Stage, unreadable: String?)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { name in
            let text: String
            do {
                text = try String(contentsOf: file(name), encoding: .utf8)
            } catch {
                return (name, .logoff, "\(file(name).path) cannot be read: \(error.localizedDescription)")
            }
            let said = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let stage = Stage(rawValue: said) else {
                return (name, .logoff, "\(file(name).path) says \"\(said.prefix(40))\", neither logoff nor upload")
            }
            return (name, stage, nil)
        }
    }
}
