import RegistryTypes
import Testing
import Wire

/// The protocol's codec (docs/protocol.md): every message survives a round trip, and bytes from
/// a hostile peer are errors, never crashes or huge allocations.
struct WireTests {
    static let requests: [Request] = [
        .hello(version: WireProtocol.version, demoIdentity: "alice", executable: "/usr/bin/x"),
        .hello(version: 1, demoIdentity: nil, executable: nil),
        .openKey(base: .currentUser, path: "Software\\Zoë", access: 0x20019, options: 0),
        .createKey(base: .localMachine, path: "SOFTWARE\\A", access: 0xF003F, options: 1),
        .closeKey(KeyHandle(rawValue: 4)), .deleteKey(base: .users, path: "X"), .deleteTree(base: .users, path: nil),
        .queryInfoKey(KeyHandle(rawValue: 8)), .enumerateKey(KeyHandle(rawValue: 8), index: 3),
        .enumerateValue(KeyHandle(rawValue: 8), index: 0), .queryValue(KeyHandle(rawValue: 8), name: ""),
        .setValue(KeyHandle(rawValue: 8), name: "n", type: 4, data: [1, 0, 0, 0]), .deleteValue(KeyHandle(rawValue: 8), name: "n"),
        .flushKey(KeyHandle(rawValue: 8)), .loadKey(base: .users, subkey: "T", file: "/tmp/h"), .unloadKey(base: .users, subkey: "T"),
        .saveKey(KeyHandle(rawValue: 9), file: "/tmp/s", flags: 0), .saveKey(KeyHandle(rawValue: 9), file: "/tmp/s", flags: 4),
        .restoreKey(KeyHandle(rawValue: 9), file: "/tmp/s", flags: 8),
        .renameKey(KeyHandle(rawValue: 9), subkey: "a", newName: "b"), .renameKey(KeyHandle(rawValue: 9), subkey: nil, newName: "c"),
        .copyTree(source: KeyHandle(rawValue: 9), subkey: nil, destination: KeyHandle(rawValue: 10)),
        .loadAppKey(file: "/tmp/app.hiv", access: 0x20019, options: 1),
        .notifyChangeKeyValue(KeyHandle(rawValue: 9), watchSubtree: true, filter: 0x1000_0005),
        .getKeySecurity(KeyHandle(rawValue: 9)), .setKeySecurity(KeyHandle(rawValue: 9), descriptor: [1, 0, 4, 0x80]),
        .queryValue(KeyHandle(rawValue: 8), name: RegistryName(codeUnits: [0x41, 0xD800])),
        .impersonate(user: "alice"), .revertToSelf, .openCurrentUser(access: 0x20019), .disablePredefinedCache, .endThread,
        .logon(user: "alice"), .logoff(session: 2, policy: "wait"), .logoff(session: 2, policy: nil), .listSessions,
        .handles(user: "alice", hive: nil), .events(after: 7), .chaosForceUnload(user: "alice"),
    ]

    static let replies: [ServerFrame] = [
        .reply(id: 1, .none),
        .reply(id: 2, .welcome(Welcome(pid: 42, account: "alice", sid: "S-1-5-21-1-2-3-2001", session: 1, demoIdentity: false))),
        .reply(id: 3, .handle(KeyHandle(rawValue: 4), disposition: 1)),
        .reply(id: 4, .keyInfo(KeyInfo(className: "c", subkeyCount: 1, maxSubkeyNameLength: 2, maxClassNameLength: 1, valueCount: 3,
                                      maxValueNameLength: 4, maxValueDataSize: 5, securityDescriptorSize: 20,
                                      lastWritten: FileTime(rawValue: 6)))),
        .reply(id: 5, .key(EnumeratedKey(name: "Software", className: nil, lastWritten: FileTime(rawValue: 9)))),
        .reply(id: 5, .key(EnumeratedKey(name: RegistryName(codeUnits: [0xDC00]), className: "k", lastWritten: FileTime(rawValue: 9)))),
        .reply(id: 6, .value(RegistryValue(name: "n", type: .dword, data: [1, 0, 0, 0]))),
        .reply(id: 6, .securityDescriptor([1, 0, 4, 0x80])),
        .reply(id: 7, .sessions([WireSession(id: 1, user: "alice", sid: "S", processes: [10, 11])])),
        .reply(id: 8, .references([WireReference(pid: 3, executable: "svc", account: "contoso", handle: nil,
                                                 keyPath: "\\REGISTRY\\USER\\S", access: 0xF003F, kind: "predefinedCache",
                                                 origin: "HKCU cache bound while impersonating S")])),
        .reply(id: 9, .logoff(WireLogoff(endedProcesses: [5], notifiedServices: ["Contoso"], unload: "forced",
                                         leakReport: ["1 user registry handles leaked"],
                                         leaks: [WireReference(pid: 3, executable: "svc", account: "contoso", handle: 7, keyPath: "K",
                                                               access: 1, kind: "handle", origin: "a handle the process opened")],
                                         uploaded: true, uploadPending: false, roamingCopy: "/r/alice.V6/NTUSER.DAT"))),
        .reply(id: 10, .events(["{}"], next: 3)),
        .failure(id: 11, code: 1018, message: "ERROR_KEY_DELETED"),
        .notice(.sessionChange(code: 6, session: 1)), .notice(.goodbye(reason: "restart")),
        .notice(.changeNotified(request: 12, status: 0x10C)),
    ]

    /// Names travel as UTF-16 code units (protocol version 4): a lone surrogate, which no UTF-8
    /// string can hold, arrives as it left.
    @Test func namesTravelAsUTF16CodeUnits() throws {
        let name = RegistryName(codeUnits: [0x41, 0xD800])
        let bytes = ClientFrame(id: 1, thread: 0, request: .queryValue(KeyHandle(rawValue: 8), name: name)).encoded()
        // id, thread, tag 18, handle, then the count (2) and the units little-endian.
        #expect(Array(bytes.suffix(8)) == [2, 0, 0, 0, 0x41, 0, 0x00, 0xD8])
        guard case let .queryValue(_, decoded) = try ClientFrame(decoding: bytes).request else {
            Issue.record("not a queryValue")
            return
        }
        #expect(decoded.codeUnits == [0x41, 0xD800])
        #expect(WireProtocol.version == 4)
    }

    @Test func everyRequestRoundTrips() throws {
        for (i, r) in Self.requests.enumerated() {
            let frame = ClientFrame(id: UInt32(i), thread: 7, request: r)
            #expect(try ClientFrame(decoding: frame.encoded()) == frame)
        }
    }

    @Test func everyServerFrameRoundTrips() throws {
        for f in Self.replies { #expect(try ServerFrame(decoding: f.encoded()) == f) }
    }

    @Test func everyTruncationIsAnError() {
        for r in Self.requests {
            let bytes = ClientFrame(id: 1, thread: 0, request: r).encoded()
            for n in 0..<bytes.count {
                #expect(throws: WireError.self) { try ClientFrame(decoding: Array(bytes.prefix(n))) }
            }
            #expect(throws: WireError.trailingBytes(offset: bytes.count)) { try ClientFrame(decoding: bytes + [0]) }
        }
        for f in Self.replies {
            let bytes = f.encoded()
            for n in 0..<bytes.count {
                #expect(throws: WireError.self) { try ServerFrame(decoding: Array(bytes.prefix(n))) }
            }
        }
    }

    @Test func forgedLengthsAndTagsAreErrors() {
        // A list claiming four billion entries, a string claiming four gigabytes.
        #expect(throws: WireError.self) { try ServerFrame(decoding: [0, 1, 0, 0, 0, 7, 0, 0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: WireError.self) { try ClientFrame(decoding: [1, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0xFF, 0xFF, 0xFF, 0xFF]) }
        // A name claiming four billion code units.
        #expect(throws: WireError.truncated(field: "value name", offset: 18)) {
            try ClientFrame(decoding: [1, 0, 0, 0, 0, 0, 0, 0, 18, 0, 8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
        }
        #expect(throws: WireError.unknownTag(kind: "request", tag: 999)) { try ClientFrame(decoding: [1, 0, 0, 0, 0, 0, 0, 0, 0xE7, 0x03]) }
        // Not UTF-8.
        #expect(throws: WireError.invalidUTF8(field: "user", offset: 10)) {
            try ClientFrame(decoding: [1, 0, 0, 0, 0, 0, 0, 0, 40, 0, 1, 0, 0, 0, 0xFF])
        }
        // Random bytes: errors or messages, never a crash.
        var g = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            _ = try? ClientFrame(decoding: bytes)
            _ = try? ServerFrame(decoding: bytes)
        }
    }

    @Test func framedIsTheLengthThenTheMessage() {
        for r in Self.requests {
            let f = ClientFrame(id: 7, thread: 3, request: r)
            #expect(f.framed() == WireProtocol.frame(f.encoded()))
        }
        for s in [ServerFrame.failure(id: 9, code: 5, message: "Zugriff verweigert"), .notice(.goodbye(reason: "bye"))] {
            #expect(s.framed() == WireProtocol.frame(s.encoded()))
        }
    }

    @Test func framesSurviveAnySplitAndOversizeIsRefused() throws {
        let bodies = Self.requests.map { ClientFrame(id: 1, thread: 0, request: $0).encoded() }
        let stream = bodies.flatMap { WireProtocol.frame($0) }
        for piece in [1, 3, 7, 64, stream.count] {
            var d = FrameDecoder()
            var got: [[UInt8]] = []
            var i = 0
            while i < stream.count {
                d.append(stream[i..<min(i + piece, stream.count)])
                while let f = try d.next() { got.append(f) }
                i += piece
            }
            #expect(got == bodies)
        }
        var d = FrameDecoder(limit: 100)
        d.append(WireProtocol.frame([UInt8](repeating: 0, count: 101)))
        #expect(throws: WireError.badFrameLength(101, limit: 100)) { try d.next() }
        var z = FrameDecoder()
        z.append([0, 0, 0, 0])
        #expect(throws: WireError.badFrameLength(0, limit: WireProtocol.maxFrame)) { try z.next() }
    }
}
