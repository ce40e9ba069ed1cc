/// Reads a .reg file one operation at a time: regedit's "Windows Registry Editor Version 5.00"
/// (UTF-16LE with a BOM, or UTF-8) and "REGEDIT4"; `[key]`, `[-key]`, `@=` and `"name"=` with
/// `"string"`, `dword:`, `hex:`, `hex(N):` (continued over lines ending in `\`), and `-` to
/// delete; `;` comments. It holds one line and one value's data at a time, so a file of any size
/// is read in the memory of its largest value. A caller that must change nothing when the file
/// is bad reads it through once to check it, then again to apply it (`hivekeeper import` does).
public struct RegFileReader {
    private var lines: RegFileLines
    private var key: [UInt16]?
    private var headerRead = false
    /// Keeps the bytes `lines` points into alive.
    private let owner: AnyObject

    /// A reader of `bytes`, which `owner` keeps alive for as long as the reader lives (a mapped
    /// file, say).
    public init(bytes: UnsafeRawBufferPointer, owner: AnyObject, codePage: CodePage? = nil) throws(RegParseError) {
        self.owner = owner
        lines = try RegFileLines(bytes, codePage: codePage)
    }

    /// A reader of a copy of `bytes`.
    public init(_ bytes: [UInt8], codePage: CodePage? = nil) throws(RegParseError) {
        let copy = OwnedBytes(bytes)
        try self.init(bytes: copy.buffer, owner: copy, codePage: codePage)
    }

    /// The file's next operation; nil after the last. A line it cannot use is an error naming its
    /// line and column.
    public mutating func next() throws(RegParseError) -> RegOperation? {
        if !headerRead {
            try readHeader()
            headerRead = true
        }
        while try lines.next() {
            if let op = try operation() { return op }
        }
        return nil
    }

    /// The first line that is not blank must be one of the two headers.
    private mutating func readHeader() throws(RegParseError) {
        while try lines.next() {
            let (start, end) = Self.trimmed(lines.text, 0, lines.text.count)
            guard start < end else { continue }
            let header = String(decoding: lines.text[start..<end], as: UTF16.self)
            guard header == "Windows Registry Editor Version 5.00" || header == "REGEDIT4" else {
                throw RegParseError(line: lines.number, column: 1,
                                    reason: "not a .reg file: the header is \"\(header.prefix(60))\", expected \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\"")
            }
            return
        }
        throw RegParseError(line: 1, column: 1, reason: "the file is empty: expected \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\"")
    }

    /// The current line's operation; nil for a blank or comment line. Columns are 1-based
    /// positions in the line.
    private mutating func operation() throws(RegParseError) -> RegOperation? {
        let line = lines.number
        let text = lines.text
        var pos = Self.skipBlanks(text, 0)
        guard pos < text.count, text[pos] != 0x3B /* ; */ else { return nil }
        func failure(_ at: Int, _ reason: String) -> RegParseError { RegParseError(line: line, column: at + 1, reason: reason) }

        if text[pos] == 0x5B /* [ */ {
            guard let close = text.lastIndex(of: 0x5D) else { throw failure(text.count, "a key line must end with ]") }
            var path = Array(text[(pos + 1)..<close])
            if path.first == 0x2D /* - */ {
                path.removeFirst()
                key = nil
                return .deleteKey(path: path, line: line)
            }
            guard !path.isEmpty else { throw failure(pos + 1, "empty key path") }
            key = path
            return .createKey(path: path, line: line)
        }
        guard let current = key else { throw failure(pos, "a value line outside any [key] (or after a [-key])") }

        // The value's name: @ or a quoted, escaped string.
        let name: [UInt16]
        if text[pos] == 0x40 /* @ */ {
            name = []
            pos += 1
        } else if text[pos] == 0x22 /* " */ {
            guard let (n, end) = Self.quoted(text, from: pos) else { throw failure(pos, "the value name's closing quote is missing") }
            name = n
            pos = end
        } else {
            throw failure(pos, "expected @, \"name\", [key] or a ; comment")
        }
        pos = Self.skipBlanks(text, pos)
        guard pos < text.count, text[pos] == 0x3D /* = */ else { throw failure(pos, "expected = after the value name") }
        let rest = Self.skipBlanks(text, pos + 1)

        if rest == text.count - 1, text[rest] == 0x2D /* - */ {
            return .deleteValue(key: current, name: name, line: line)
        }
        if rest < text.count, text[rest] == 0x22 /* " */ {
            guard let (s, end) = Self.quoted(text, from: rest), Self.skipBlanks(text, end) == text.count else {
                throw failure(rest, "a string value must be one quoted string (closing quote missing, or text after it)")
            }
            var data: [UInt8] = []
            data.reserveCapacity(2 * s.count + 2)
            for unit in s { data.append(UInt8(truncatingIfNeeded: unit)); data.append(UInt8(unit >> 8)) }
            data.append(contentsOf: [0, 0])
            return .setValue(key: current, name: name, type: 1, data: data, line: line)
        }
        if Self.startsIgnoringCase(text, at: rest, with: "dword:") {
            let (start, end) = Self.trimmed(text, rest + 6, text.count)
            guard (1...8).contains(end - start), let v = Self.hexNumber(text, start..<end) else {
                throw failure(rest + 6, "dword: needs 1 to 8 hex digits")
            }
            return .setValue(key: current, name: name, type: 4, data: (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(8 * $0)) }, line: line)
        }
        guard Self.startsIgnoringCase(text, at: rest, with: "hex") else {
            throw failure(rest, "unknown value form: expected \"string\", dword:, hex:, hex(N): or -")
        }
        var type: UInt32 = 3
        var at = rest + 3
        if at < text.count, text[at] == 0x28 /* ( */ {
            guard let close = text[at...].firstIndex(of: 0x29), (1...8).contains(close - at - 1),
                  let t = Self.hexNumber(text, (at + 1)..<close)
            else { throw failure(at, "hex(N): needs a hex type number in parentheses") }
            type = t
            at = close + 1
        }
        guard at < text.count, text[at] == 0x3A /* : */ else { throw failure(at, "expected : after hex") }
        return .setValue(key: current, name: name, type: type, data: try hexData(from: at + 1), line: line)
    }

    /// The bytes of a hex value starting at `from` on the current line, reading on over every
    /// line that ends in `\` (a continuation's indent dropped).
    private mutating func hexData(from: Int) throws(RegParseError) -> [UInt8] {
        var data: [UInt8] = []
        var from = from
        while try Self.hexBytes(lines.text, from: from, line: lines.number, into: &data) {
            let (line, column) = (lines.number, lines.text.count + 1)
            guard try lines.next() else {
                throw RegParseError(line: line, column: column, reason: "the file ends after a continuation \\")
            }
            from = 0
        }
        return data
    }

    /// Appends the comma-separated two-digit hex bytes of `text[from...]`; true when the text
    /// ends in `\` (the data goes on with the next line). A trailing comma is allowed.
    private static func hexBytes(_ text: [UInt16], from: Int, line: Int, into data: inout [UInt8]) throws(RegParseError) -> Bool {
        let (start, trimmedEnd) = trimmed(text, from, text.count)
        var end = trimmedEnd
        let continues = end > start && text[end - 1] == 0x5C /* \ */
        if continues { end -= 1 }
        var i = start
        while true {
            var j = i
            while j < end, text[j] != 0x2C /* , */ { j += 1 }
            if j == end, i == j { break }  // nothing after the last comma
            let (a, b) = trimmed(text, i, j)
            guard (1...2).contains(b - a), let byte = hexNumber(text, a..<b) else {
                let found = String(decoding: text[a..<b], as: UTF16.self).prefix(20)
                throw RegParseError(line: line, column: a + 1, reason: "hex data must be bytes of two hex digits separated by commas (found \"\(found)\")")
            }
            data.append(UInt8(byte))
            if j == end { break }
            i = j + 1
        }
        return continues
    }

    /// A "quoted" string with \\ and \" escapes starting at `from`; the text and the index after it.
    static func quoted(_ text: [UInt16], from: Int) -> ([UInt16], Int)? {
        var out: [UInt16] = []
        var i = from + 1
        while i < text.count {
            let c = text[i]
            if c == 0x5C, i + 1 < text.count {  // a backslash escapes the next character
                out.append(text[i + 1])
                i += 2
                continue
            }
            if c == 0x22 { return (out, i + 1) }
            out.append(c)
            i += 1
        }
        return nil
    }

    /// The hex digits of `range` as a number (at most 8 digits); nil for anything else.
    static func hexNumber(_ text: [UInt16], _ range: Range<Int>) -> UInt32? {
        guard !range.isEmpty, range.count <= 8 else { return nil }
        var value: UInt32 = 0
        for unit in text[range] {
            let digit: UInt16
            switch unit {
            case 0x30...0x39: digit = unit - 0x30
            case 0x41...0x46: digit = unit - 0x41 + 10
            case 0x61...0x66: digit = unit - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    static func startsIgnoringCase(_ text: [UInt16], at: Int, with word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard text.count - at >= count else { return false }
        return word.withUTF8Buffer { ascii in
            (0..<count).allSatisfy { i in
                let unit = text[at + i]
                return unit < 0x80 && UInt8(unit).lowercasedASCII == ascii[i]
            }
        }
    }

    static func skipBlanks(_ text: [UInt16], _ from: Int) -> Int {
        var i = from
        while i < text.count, text[i] == 0x20 || text[i] == 0x09 { i += 1 }
        return i
    }

    /// `start..<end` without the spaces and tabs at either end.
    static func trimmed(_ text: [UInt16], _ start: Int, _ end: Int) -> (Int, Int) {
        var (a, b) = (start, end)
        while a < b, text[a] == 0x20 || text[a] == 0x09 { a += 1 }
        while b > a, text[b - 1] == 0x20 || text[b - 1] == 0x09 { b -= 1 }
        return (a, b)
    }
}

/// A copy of some bytes at a fixed address, for a reader made from an array.
private final class OwnedBytes {
    private let allocation: UnsafeMutableRawBufferPointer
    let buffer: UnsafeRawBufferPointer

    init(_ bytes: [UInt8]) {
        allocation = .allocate(byteCount: max(bytes.count, 1), alignment: 8)
        allocation.copyBytes(from: bytes)
        buffer = UnsafeRawBufferPointer(rebasing: allocation.prefix(bytes.count))
    }

    deinit { allocation.deallocate() }
}

extension UInt8 {
    var lowercasedASCII: UInt8 { (0x41...0x5A).contains(self) ? self + 0x20 : self }
}
