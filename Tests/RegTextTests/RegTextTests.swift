import Testing
@testable import RegText

struct RegFileWriterTests {
    func render(_ format: RegFileWriter.Format = .version5, _ body: (inout RegFileWriter) -> Void) -> String {
        var w = RegFileWriter(format: format)
        body(&w)
        let bytes = w.takeBytes()
        if format == .regedit4 { return String(decoding: bytes, as: UTF8.self) }
        #expect(bytes.prefix(2) == [0xFF, 0xFE])
        let units = stride(from: 2, to: bytes.count, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        return String(decoding: units, as: UTF16.self)
    }

    func utf16z(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + [0, 0] }

    @Test func headerKeyAndFriendlyForms() {
        let text = render { w in
            w.beginKey(path: Array("HKEY_LOCAL_MACHINE\\OFFLINE\\Soft".utf16))
            utf16z("C:\\Path \"q\"").withUnsafeBytes { w.value(name: [], type: 1, data: $0) }
            [UInt8]([0x2A, 0, 0, 0]).withUnsafeBytes { w.value(name: Array("n\"1".utf16), type: 4, data: $0) }
        }
        #expect(text == "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\Soft]\r\n"
                + "@=\"C:\\\\Path \\\"q\\\"\"\r\n\"n\\\"1\"=dword:0000002a\r\n")
    }

    @Test func dataTheFriendlyFormWouldChangeIsHex() {
        let cases: [([UInt8], UInt32, String)] = [
            ([0x61, 0x62, 0x63], 1, "hex(1):61,62,63"),                 // odd length
            ([0x61, 0, 0x62, 0], 1, "hex(1):61,00,62,00"),              // no terminator
            ([0x61, 0, 0, 0, 0x62, 0, 0, 0], 1, "hex(1):61,00,00,00,62,00,00,00"),  // bytes after it
            ([], 1, "hex(1):"),                                          // empty
            ([0x0A, 0, 0, 0], 1, "hex(1):0a,00,00,00"),                  // a line feed
            ([1, 2], 4, "hex(4):01,02"),                                 // DWORD not 4 bytes
            ([1, 2, 3, 4, 5, 6, 7, 8], 11, "hex(b):01,02,03,04,05,06,07,08"),
            ([7], 0xFFFF_0011, "hex(ffff0011):07"),
            ([0xAB], 3, "hex:ab"),
            ([], 0, "hex(0):"),
        ]
        for (data, type, expected) in cases {
            let text = render { w in data.withUnsafeBytes { w.value(name: Array("v".utf16), type: type, data: $0) } }
            #expect(text.hasSuffix("\"v\"=" + expected + "\r\n"), "\(expected) in \(text)")
        }
    }

    /// regedit breaks hex data once a line reaches 77 characters: "\", CRLF, two spaces.
    @Test func hexWrapsAsRegeditDoes() {
        let text = render { w in
            [UInt8](repeating: 0xAB, count: 100).withUnsafeBytes { w.value(name: Array("a".utf16), type: 3, data: $0) }
        }
        let lines = text.split(separator: "\r\n").map(String.init).filter { $0.contains("ab") }
        #expect(lines.count == 5)  // 23 + 25 + 25 + 25 + 2
        #expect(lines[0] == "\"a\"=hex:" + Array(repeating: "ab", count: 23).joined(separator: ",") + ",\\")
        #expect(lines[1] == "  " + Array(repeating: "ab", count: 25).joined(separator: ",") + ",\\")
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(lines[4] == "  ab,ab")
        let bytes = lines.joined().split(separator: ",").count
        #expect(bytes == 100)
    }

    @Test func loneSurrogatesSurviveVersion5ButNotREGEDIT4() {
        let name: [UInt16] = [0x6B, 0xD800]
        let w5 = RegFileWriter(format: .version5), w4 = RegFileWriter(format: .regedit4)
        #expect(w5.unrepresentable(name) == nil)
        #expect(w4.unrepresentable(name) != nil)
        #expect(w5.unrepresentable(Array("a\r\nb".utf16)) != nil)
        let text = render { w in w.beginKey(path: [0x5C, 0xD800]) }
        #expect(text.utf16.contains(0xD800) || text.contains("\u{FFFD}"))
        let r4 = render(.regedit4) { w in w.beginKey(path: Array("K".utf16)) }
        #expect(r4 == "REGEDIT4\r\n\r\n[K]\r\n")
    }
}

struct ValueTextTests {
    @Test func queryRendering() {
        func q(_ type: UInt32, _ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { ValueText.queryText(type: type, data: $0) } }
        #expect(q(1, [0x68, 0, 0x69, 0, 0, 0]) == "hi")
        #expect(q(4, [0x2A, 0, 0, 0]) == "0x2a")
        #expect(q(5, [0, 0, 0, 0x2A]) == "0x2a")
        #expect(q(11, [1, 0, 0, 0, 0, 0, 0, 0]) == "0x1")
        #expect(q(3, [0x01, 0xAB]) == "01AB")
        #expect(q(7, [0x61, 0, 0, 0, 0x62, 0, 0, 0, 0, 0]) == "a\\0b")
        #expect(q(4, [1]) == "01")
    }

    @Test func jsonKeepsEveryCodeUnitAndByte() {
        #expect(JSONWriter.quote([0x61, 0xD800, 0x22, 0x0A]) == "\"a\\ud800\\\"\\u000a\"")
        #expect(JSONWriter.quote(Array("🌍".utf16)) == "\"🌍\"")
        let line = JSONWriter.keyLine(path: Array("\\K".utf16), lastWritten: "never", className: nil, values: [
            .init(name: Array("m".utf16), type: 7, typeName: "REG_MULTI_SZ", data: [0x61, 0, 0, 0, 0, 0]),
            .init(name: Array("odd".utf16), type: 1, typeName: "REG_SZ", data: [0x61]),
            .init(name: [], type: 4, typeName: "REG_DWORD", data: [1, 0, 0, 0]),
        ])
        #expect(line == "{\"path\":\"\\\\K\",\"lastWritten\":\"never\",\"values\":["
                + "{\"name\":\"m\",\"type\":\"REG_MULTI_SZ\",\"typeCode\":7,\"strings\":[\"a\"]},"
                + "{\"name\":\"odd\",\"type\":\"REG_SZ\",\"typeCode\":1,\"hex\":\"61\"},"
                + "{\"name\":\"\",\"type\":\"REG_DWORD\",\"typeCode\":4,\"number\":1}]}")
    }
}
