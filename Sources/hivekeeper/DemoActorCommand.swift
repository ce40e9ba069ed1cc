import ArgumentParser
import Foundation
import Locking
import RegistryTypes
import RegistryClient

/// The demo's and the tests' real processes (hidden): a service that impersonates a user and
/// touches HKEY_CURRENT_USER — the seed's leak — and a program in the user's session that
/// saves a setting. Each prints `ready` when set, then obeys lines on standard input:
/// `probe` (HKCU\Software opened again — by a service, impersonating its user again — and
/// `probe ok` or `probe error N` printed), `handle N` (RegQueryInfoKey on raw handle value N:
/// `handle ok` or `handle error N`), the calls of `DemoActorCalls`, `quit`. They print `notice CODE SESSION` for each
/// session change pushed and `goodbye REASON` when the daemon goes (said so, or crashed).
struct DemoActorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-actor",
        abstract: "A process of the demo's story (service or program); used by the demo and the tests.",
        shouldDisplay: false
    )

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "service, program or client") var role: String
    @Option(help: "The user the service impersonates.") var impersonate: String?

    func run() async throws {
        let client = try await daemon.connect()
        let out = LineOutput()
        client.onSessionChange { code, session in out.say("notice \(code) \(session)") }
        client.onGoodbye { reason in out.say("goodbye \(reason)") }
        switch role {
        case "service":
            guard let user = impersonate else { throw ValidationError("a service needs --impersonate USER") }
            // The service behaves: it closes the handle it opened. The HKCU cache it bound while
            // impersonating is the reference it never knew about.
            try await client.impersonate(user) {
                let k = try await client.openKey(.currentUser, "Software", access: .keyRead)
                try await client.closeKey(k)
            }
        case "program":
            let (k, _) = try await client.createKey(.currentUser, "Software\\Demo", access: .keyAllAccess)
            let blue = (Array("blue".utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            try await client.setValue(k, "Color", type: .string, data: blue)
            try await client.closeKey(k)
        case "client":
            break  // nothing set up: it only makes the calls it is told (DemoActorCalls)
        default:
            throw ValidationError("role is service, program or client")
        }
        out.say("ready \(client.welcome.pid)")
        while let line = readLine() {
            switch line {
            case "probe":
                let probe = { () async throws(Win32Error) in
                    let k = try await client.openKey(.currentUser, "Software", access: .keyRead)
                    _ = try await client.queryInfoKey(k)
                    try? await client.closeKey(k)
                }
                do {
                    if let user = impersonate {
                        try await client.impersonate(user) { try await probe() }
                    } else {
                        try await probe()
                    }
                    out.say("probe ok")
                } catch let e as Win32Error {
                    out.say("probe error \(e.rawValue)")
                } catch {
                    out.say("probe error \(Win32Error.callFailed.rawValue)")
                }
            case let l where l.hasPrefix("handle "):
                // A raw handle value, as a process guessing another's handles would use it.
                let raw = UInt32(l.dropFirst(7)) ?? 0
                do {
                    _ = try await client.queryInfoKey(KeyHandle(rawValue: raw))
                    out.say("handle ok")
                } catch {
                    out.say("handle error \(error.rawValue)")
                }
            case "quit":
                client.close()
                return
            default:
                out.say(await DemoActorCalls.answer(line, client) ?? "unknown \(line)")
            }
        }
        client.close()
    }
}

/// Whole lines to standard output, from any thread.
final class LineOutput: Sendable {
    private let lock = Locked(())
    func say(_ s: String) {
        lock.withLock { _ in FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
    }
}
