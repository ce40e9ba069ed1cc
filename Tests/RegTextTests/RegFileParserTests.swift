import RegText
import Testing

/// .reg files as regedit writes them, and broken ones.
struct RegFileParserTests {
    static func utf16(_ s: String) -> [UInt8] { [0xFF, 0xFE] + s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    static func units(_ s: String) -> [UInt16] { Array(s.utf16) }

    static let sample = """
        Windows Registry Editor Version 5.00\r
        \r
        ; a comment\r
        [HKEY_LOCAL_MACHINE\\OFFLINE\\Software\\Test]\r
        @="default \\"quoted\\" and \\\\ back"\r
        "dword"=dword:0000002a\r
        "binary"=hex:01,02,ff\r
        "expand"=hex(2):25,00,50,00,00,00\r
        "multi"=hex(7):61,00,00,00,62,00,00,00,00,00\r
        "qword"=hex(b):01,00,00,00,00,00,00,00\r
        "none"=hex(0):\r
        "devprop"=hex(ffff0011):01\r
        "long"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,\\\r
          17,18,19\r
        "gone"=-\r
        \r
        [-HKEY_LOCAL_MACHINE\\OFFLINE\\Old]\r
        \r
        """

    @Test(arguments: [true, false])
    func everyValueForm(utf16: Bool) throws {
        let bytes = utf16 ? Self.utf16(Self.sample) : Array(Self.sample.utf8)
        let ops = try RegFileParser.parse(bytes)
        let key = Self.units("HKEY_LOCAL_MACHINE\\OFFLINE\\Software\\Test")
        #expect(ops.first == .createKey(path: key, line: 4))
        func value(_ name: String) -> (UInt32, [UInt8])? {
            for case let .setValue(_, n, t, d, _) in ops where n == Self.units(name) { return (t, d) }
            return nil
        }
        #expect(value("")?.0 == 1)
        #expect(value("")?.1 == ("default \"quoted\" and \\ back".utf16 + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(value("dword")! == (4, [0x2A, 0, 0, 0]))
        #expect(value("binary")! == (3, [1, 2, 0xFF]))
        #expect(value("expand")!.0 == 2)
        #expect(value("multi")!.0 == 7)
        #expect(value("qword")! == (11, [1, 0, 0, 0, 0, 0, 0, 0]))
        #expect(value("none")! == (0, []))
        #expect(value("devprop")! == (0xFFFF_0011, [1]))
        #expect(value("long")!.1 == Array(0...0x19))
        #expect(ops.contains(.deleteValue(key: key, name: Self.units("gone"), line: 15)))
        #expect(ops.last == .deleteKey(path: Self.units("HKEY_LOCAL_MACHINE\\OFFLINE\\Old"), line: 17))
    }

    @Test func regedit4Header() throws {
        let ops = try RegFileParser.parse(Array("REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\OFFLINE\\A]\n\"x\"=\"y\"\n".utf8))
        #expect(ops.count == 2)
    }

    @Test(arguments: [
        ("Windows Registry Editor Version 4.00\n", 1, 1, "not a .reg file"),
        ("REGEDIT4\n\"x\"=\"y\"\n", 2, 1, "outside any [key]"),
        ("REGEDIT4\n[A\n", 2, 3, "must end with ]"),
        ("REGEDIT4\n[A]\n\"x\"=dword:123456789\n", 3, 11, "1 to 8 hex digits"),
        ("REGEDIT4\n[A]\n\"x\"=hex:01,zz\n", 3, 12, "two hex digits"),
        ("REGEDIT4\n[A]\n\"x\"=hex:01,\\\n  02,g\n", 4, 6, "two hex digits"),
        ("REGEDIT4\n[A]\n\"x\"=\"unterminated\n", 3, 5, "closing quote"),
        ("REGEDIT4\n[A]\n\"x\"=word:1\n", 3, 5, "unknown value form"),
        ("REGEDIT4\n[A]\n\"x\" \"y\"\n", 3, 5, "expected ="),
        ("", 1, 1, "empty"),
    ])
    func errorsNameLineAndColumn(_ text: String, _ line: Int, _ column: Int, _ words: String) {
        do {
            _ = try RegFileParser.parse(Array(text.utf8))
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.reason.contains(words), "\(error)")
        }
    }
}
