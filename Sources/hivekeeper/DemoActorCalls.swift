import Foundation
import RegistryTypes
import Security
import RegistryClient

/// The registry calls a demo actor makes on request (the security tests drive a real process of
/// another Linux user with them): one line in, one line out — `ok [VALUE]` or `error CODE`.
///
///     open KEY ACCESS          RegOpenKeyEx (ACCESS in hex); the handle stays open: ok HANDLE
///     loadappkey FILE          RegLoadAppKey for KEY_READ: ok HANDLE
///     load KEY FILE            RegLoadKey (HKLM\NAME or HKU\NAME)
///     save KEY FILE            RegSaveKey of KEY (opened for KEY_READ)
///     restore KEY FILE         RegRestoreKey onto KEY (opened for KEY_ALL_ACCESS)
///     events                   the event log as this caller sees it: ok USER,USER,…
///     handles USER             references into USER's hives: ok COUNT
///     logon USER               a session for USER: ok SESSION
///     as USER CALL             CALL while impersonating USER (error CODE when that is refused)
enum DemoActorCalls {
    static func answer(_ line: String, _ client: RegistryClient) async -> String? {
        let words = line.split(separator: " ", maxSplits: 2).map(String.init)
        guard let verb = words.first else { return nil }
        do {
            switch verb {
            case "as" where words.count == 3:
                return try await client.impersonate(words[1]) { await answer(words[2], client) }
            case "open" where words.count == 3:
                let path = try LivePath(words[1])
                let h = try await client.openKey(path.root, path.subkey, access: AccessMask(rawValue: UInt32(words[2], radix: 16) ?? 0))
                return "ok \(h.rawValue)"
            case "loadappkey" where words.count >= 2:
                let h = try await client.loadAppKey(file: words.dropFirst().joined(separator: " "), access: .keyRead)
                return "ok \(h.rawValue)"
            case "load" where words.count == 3:
                let path = try LivePath(words[1])
                try await client.loadKey(path.root, path.subkey, file: words[2])
                return "ok"
            case "save" where words.count == 3, "restore" where words.count == 3:
                let path = try LivePath(words[1])
                let h = try await client.openKey(path.root, path.subkey, access: verb == "save" ? .keyRead : .keyAllAccess)
                do throws(Win32Error) {
                    if verb == "save" {
                        try await client.saveKey(h, file: words[2])
                    } else {
                        try await client.restoreKey(h, file: words[2])
                    }
                } catch {
                    try? await client.closeKey(h)
                    throw error
                }
                try? await client.closeKey(h)
                return "ok"
            case "events":
                let lines = try await client.events().lines
                let users = Set(lines.compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["user"] as? String
                })
                return "ok " + users.sorted().joined(separator: ",")
            case "handles" where words.count == 2:
                return "ok \(try await client.handles(user: words[1]).count)"
            case "logon" where words.count == 2:
                return "ok \(try await client.logon(words[1]))"
            default:
                return nil
            }
        } catch let e as Win32Error {
            return "error \(e.rawValue)"
        } catch {
            return "error \(Win32Error.callFailed.rawValue)"
        }
    }
}
