import Foundation
import RegistryClient
import Testing
import Wire

/// Protocol version 4: names travel as UTF-16 code units, so a name Windows allows and a Swift
/// String cannot hold (a lone surrogate) reaches the daemon and comes back byte for byte; a
/// version-3 client is refused at hello with an error that says why.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct NamesOnTheWireTests {
    @Test func aVersion3HelloIsRefused() throws {
        let h = try DaemonHarness()
        defer { h.stop() }
        // A hello as a version-3 client wrote it: id 0, thread 0, tag 1, version 3, no demo
        // identity, no executable.
        let body: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0]
        let reply = try RawSocket.exchange(h.socket, [UInt8(body.count), 0, 0, 0] + body)
        var decoder = FrameDecoder()
        decoder.append(reply.bytes)
        guard let frame = try decoder.next(), case let .failure(_, code, message) = try ServerFrame(decoding: frame) else {
            Issue.record("no failure frame: \(reply.bytes)")
            return
        }
        #expect(code == Win32Error.invalidParameter.rawValue)
        #expect(message.contains("protocol version 3 is not supported") && message.contains("speaks 4"), "\(message)")
        #expect(reply.closed, "the daemon closes the connection")
    }

    /// The CLI's arguments are Strings, which cannot hold a lone surrogate; a UTF-16 .reg file
    /// can. So the CLI's path is `import` of such a file through the daemon, then `export` of the
    /// key back to a .reg file: the same code units come out, and the client sees them too.
    @Test func aLoneSurrogateRoundTripsThroughTheCLI() async throws {
        let h = try DaemonHarness()
        defer { h.stop() }
        func utf16le(_ units: [UInt16]) -> [UInt8] { units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        let keyLine = Array("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Surrogate\\K".utf16) + [0xD800] + Array("]".utf16)
        let valueLine = Array("\"".utf16) + [0xDC00] + Array("v\"=dword:00000005".utf16)
        let text = Array("Windows Registry Editor Version 5.00\r\n\r\n".utf16) + keyLine + Array("\r\n".utf16)
            + valueLine + Array("\r\n\r\n".utf16)
        let regFile = h.dir.appendingPathComponent("surrogate.reg")
        try Data([0xFF, 0xFE] + utf16le(text)).write(to: regFile)
        let imported = try h.cli(["import", regFile.path])
        #expect(imported.status == 0, "\(imported.errText)")

        let out = h.dir.appendingPathComponent("out.reg").path
        let exported = try h.cli(["export", "HKLM\\SOFTWARE\\Surrogate", out])
        #expect(exported.status == 0, "\(exported.errText)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        func contains(_ needle: [UInt8]) -> Bool {
            guard needle.count <= bytes.count else { return false }
            return (0...(bytes.count - needle.count)).contains { Array(bytes[$0..<($0 + needle.count)]) == needle }
        }
        #expect(contains(utf16le(keyLine)), "the key's name, lone surrogate included, is in the export")
        #expect(contains(utf16le(valueLine)), "the value's name too")

        let c = try await RegistryClient.connect(socketPath: h.socket, demoIdentity: "SYSTEM")
        defer { c.close() }
        let k = try await c.openKey(.localMachine, "SOFTWARE\\Surrogate", access: .keyRead)
        #expect(try await c.enumerateKey(k, index: 0).name.codeUnits == [0x4B, 0xD800])
        let sub = try await c.openKey(k, RegistryName(codeUnits: [0x4B, 0xD800]), access: .keyRead)
        #expect(try await c.queryValue(sub, RegistryName(codeUnits: [0xDC00, 0x76])).data == [5, 0, 0, 0])
    }
}
