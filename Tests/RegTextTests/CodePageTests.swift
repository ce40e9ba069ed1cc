import Testing
@testable import RegText

/// REGEDIT4 files as Windows writes them: in the ANSI code page, not UTF-8 (issue: one accented
/// character made a regedit-written file "invalid UTF-8").
@Suite struct CodePageTests {
    func regedit4(_ body: [UInt8]) -> [UInt8] { Array("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\Caf".utf8) + body }

    /// A REG_SZ's bytes: UTF-16LE and the terminating NUL.
    func utf16z(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        for u in s.utf16 { out.append(UInt8(u & 0xFF)); out.append(UInt8(u >> 8)) }
        return out + [0, 0]
    }

    /// "Café" with é as Windows-1252's 0xE9, the default when the bytes are not UTF-8.
    @Test func windows1252IsTheDefaultForBytesThatAreNotUTF8() throws {
        let bytes = regedit4([0xE9] + Array("]\r\n\"Name\"=\"cr".utf8) + [0xE8] + Array("me\"\r\n".utf8))
        let ops = try RegFileParser.parse(bytes)
        #expect(ops.first == .createKey(path: Array("HKEY_LOCAL_MACHINE\\OFFLINE\\Café".utf16), line: 3))
        guard case let .setValue(_, name, type, data, _) = ops.last else { Issue.record("\(ops)"); return }
        #expect(name == Array("Name".utf16) && type == 1)
        #expect(data == utf16z("crème"))
        // The same file in UTF-8 still reads as UTF-8.
        let utf8 = Array("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\Café]\r\n".utf8)
        #expect(try RegFileParser.parse(utf8).first == .createKey(path: Array("HKEY_LOCAL_MACHINE\\OFFLINE\\Café".utf16), line: 3))
    }

    @Test func aChosenCodePageDecides() throws {
        // Shift-JIS (932): 日本 is 93 FA 96 7B.
        let bytes = Array("REGEDIT4\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\".utf8) + [0x93, 0xFA, 0x96, 0x7B] + Array("]\r\n".utf8)
        #expect(try RegFileParser.parse(bytes, codePage: CodePage(932)) == [.createKey(path: Array("HKEY_LOCAL_MACHINE\\OFFLINE\\日本".utf16), line: 2)])
        #expect(CodePage(65001) == nil && CodePage(1251) != nil)
    }

    @Test func aByteThePageDoesNotDefineNamesItsLine() {
        // 0x81 is undefined in Windows-1252 (and the file is not UTF-8).
        let bytes = Array("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\OFFLINE\\X".utf8) + [0x81] + Array("]\r\n".utf8)
        #expect(throws: RegParseError.self) { try RegFileParser.parse(bytes) }
        do {
            _ = try RegFileParser.parse(bytes)
        } catch {
            #expect(error.line == 3 && error.reason.contains("code page 1252") && error.reason.contains("--codepage"), "\(error)")
        }
    }

    /// Written in a code page: what it holds is written as regedit would; a string it cannot
    /// hold goes as hex(1) (nothing lost); a name it cannot hold cannot be written.
    @Test func writingInACodePage() throws {
        var w = RegFileWriter(format: .regedit4, codePage: CodePage(1252))
        #expect(w.unrepresentable(Array("Café".utf16)) == nil)
        #expect(w.unrepresentable(Array("日本".utf16))?.contains("code page 1252") == true)
        w.beginKey(path: Array("HKEY_LOCAL_MACHINE\\OFFLINE\\Café".utf16))
        let cafe = utf16z("café")
        let nihon = utf16z("日本")
        cafe.withUnsafeBytes { w.value(name: Array("A".utf16), type: 1, data: $0) }
        nihon.withUnsafeBytes { w.value(name: Array("B".utf16), type: 1, data: $0) }
        let bytes = w.drain(first: true)
        #expect(bytes.contains(0xE9) && !bytes.contains(0xC3))  // é as 1252, not UTF-8
        let text = String(decoding: bytes.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        #expect(text.contains("\"B\"=hex(1):e5,65,2c,67,00,00"), "\(text)")
        // And it reads back as it was.
        let ops = try RegFileParser.parse(bytes, codePage: CodePage(1252))
        #expect(ops.contains(.setValue(key: Array("HKEY_LOCAL_MACHINE\\OFFLINE\\Café".utf16), name: Array("A".utf16), type: 1, data: cafe, line: 4)))
        #expect(ops.contains(.setValue(key: Array("HKEY_LOCAL_MACHINE\\OFFLINE\\Café".utf16), name: Array("B".utf16), type: 1, data: nihon, line: 5)))
    }
}
