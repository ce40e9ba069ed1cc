import Foundation

/// A user name and password for an SMB server, from a file in smbclient's `-A` format:
/// `username = NAME`, `password = SECRET`, optionally `domain = WORKGROUP` (one per line). The
/// file holds a password, so it must be readable by its owner only.
public struct SMBCredentials: Sendable, Hashable {
    public var username: String
    public var password: String
    public var domain: String

    public init(username: String, password: String, domain: String = "") {
        self.username = username
        self.password = password
        self.domain = domain
    }

    public static func load(file: String) throws(SMBError) -> SMBCredentials {
        var info = stat()
        guard stat(file, &info) == 0 else {
            throw .configuration("the credentials file \(file) cannot be read: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .configuration("the credentials file \(file) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); it holds a password: chmod 600 it")
        }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw .configuration("the credentials file \(file) cannot be read as text")
        }
        return try parse(text, file: file)
    }

    public static func parse(_ text: String, file: String) throws(SMBError) -> SMBCredentials {
        var c = SMBCredentials(username: "", password: "")
        // As smbclient reads it: the key compared without case, the value after '=' with its
        // leading blanks eaten and nothing else touched (a password may end in a space).
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let key = line.prefix { $0 != "=" }.trimmingCharacters(in: .whitespaces).lowercased()
            if key.isEmpty && !line.contains("=") || key.hasPrefix("#") || key.hasPrefix(";") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw .configuration("\(file):\(i + 1): expected `username = …`, `password = …` or `domain = …`")
            }
            let value = String(line[line.index(after: eq)...].drop { $0 == " " || $0 == "\t" })
            switch key {
            case "username": c.username = value
            case "password": c.password = value
            case "domain", "workgroup": c.domain = value
            default: throw .configuration("\(file):\(i + 1): unknown key \(key) (username, password, domain)")
            }
        }
        guard !c.username.isEmpty else { throw .configuration("\(file): no username") }
        return c
    }
}
