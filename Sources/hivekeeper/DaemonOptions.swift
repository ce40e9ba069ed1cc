import ArgumentParser
import Foundation
import RegistryClient

/// How the online commands reach hivekeeperd.
struct DaemonOptions: ParsableArguments {
    @Option(help: "hivekeeperd's socket (default: $HIVEKEEPER_SOCKET, /run/hivekeeper/socket for root, $XDG_RUNTIME_DIR/hivekeeper/socket).")
    var socket: String?

    @Option(name: .customLong("as"), help: "Act as this account: accepted only by a daemon in demo-identity mode (the demo's).")
    var identity: String?

    /// Connects, runs `body`, closes; errors reported as reg.exe does (`reportingOnline`).
    /// `livePaths` are checked first, so a mistyped key is named before any connection.
    func run(livePaths: [String] = [], _ body: (RegistryClient) async throws -> Int32) async throws {
        try await reportingOnline {
            for p in livePaths { _ = try LivePath(p) }
            let client = try await connect()
            defer { client.close() }
            return try await body(client)
        }
    }

    func connect() async throws -> RegistryClient {
        let path = socket ?? RegistryClient.defaultSocketPath
        do {
            return try await RegistryClient.connect(socketPath: path, demoIdentity: identity)
        } catch {
            if error == .serverUnavailable { throw CLIError("hivekeeperd is not running at \(path) (\(error))") }
            if error == .accessDenied && identity != nil { throw CLIError("--as is accepted only by a daemon in demo-identity mode (\(error))") }
            throw CLIError("cannot connect to hivekeeperd at \(path): \(error)")
        }
    }
}

/// A live path: its predefined root and the rest. HKLM, HKCU, HKU, HKCR and HKCC, short or long.
struct LivePath {
    /// The names a live path may start with.
    static let rootNames: Set<String> = ["HKLM", "HKEY_LOCAL_MACHINE", "HKCU", "HKEY_CURRENT_USER", "HKU", "HKEY_USERS",
                                         "HKCR", "HKEY_CLASSES_ROOT", "HKCC", "HKEY_CURRENT_CONFIG"]
    let root: KeyHandle
    let rootName: String
    let subkey: String
    /// The subkey's code units exactly (a .reg file's name may hold a lone surrogate, which
    /// `subkey` shows as U+FFFD).
    private(set) var subkeyName: RegistryName

    /// A path read from a .reg file: the root is text, the rest UTF-16 code units kept as they are.
    init(units: [UInt16]) throws {
        let parts = units.split(separator: 0x5C, omittingEmptySubsequences: true)
        try self.init(String(decoding: units, as: UTF16.self))
        subkeyName = RegistryName(codeUnits: Array(parts.dropFirst().joined(separator: [0x5C])))
    }

    init(_ text: String) throws {
        var parts = text.split(separator: "\\", omittingEmptySubsequences: true).map(String.init)
        guard let first = parts.first else { throw CLIError("Invalid key name: a live path starts with HKLM, HKCU or HKU") }
        switch first.uppercased() {
        case "HKLM", "HKEY_LOCAL_MACHINE": root = .localMachine; rootName = "HKEY_LOCAL_MACHINE"
        case "HKCU", "HKEY_CURRENT_USER": root = .currentUser; rootName = "HKEY_CURRENT_USER"
        case "HKU", "HKEY_USERS": root = .users; rootName = "HKEY_USERS"
        case "HKCR", "HKEY_CLASSES_ROOT": root = .classesRoot; rootName = "HKEY_CLASSES_ROOT"
        case "HKCC", "HKEY_CURRENT_CONFIG": root = .currentConfig; rootName = "HKEY_CURRENT_CONFIG"
        default: throw CLIError("Invalid key name: \(first) is not HKLM, HKCU, HKU, HKCR or HKCC (pass --hive FILE for a hive file)")
        }
        parts.removeFirst()
        subkey = parts.joined(separator: "\\")
        subkeyName = RegistryName(subkey)
    }

    var display: String { subkey.isEmpty ? rootName : rootName + "\\" + subkey }
}

/// reg.exe's wording for the errors people meet most, with the code; then the daemon's detail
/// (which file, where, why) when it said one.
func win32Message(_ e: Win32Error) -> String {
    guard let detail = e.detail else { return win32Text(e) }
    return "\(win32Text(e)): \(detail)"
}

private func win32Text(_ e: Win32Error) -> String {
    switch e {
    case .fileNotFound: "The system was unable to find the specified registry key or value. (\(e))"
    case .accessDenied: "Access is denied. (\(e))"
    case .keyDeleted: "Illegal operation attempted on a registry key that has been marked for deletion. (\(e))"
    case .privilegeNotHeld: "A required privilege is not held by the client. (\(e))"
    default: e.description
    }
}
