/// What one line of a .reg file asks for. Paths are the full key paths as written (the caller
/// maps the root prefix); names and paths are UTF-16 code units.
public enum RegOperation: Equatable, Sendable {
    case createKey(path: [UInt16], line: Int)
    case deleteKey(path: [UInt16], line: Int)
    case setValue(key: [UInt16], name: [UInt16], type: UInt32, data: [UInt8], line: Int)
    case deleteValue(key: [UInt16], name: [UInt16], line: Int)
}

/// A .reg file that cannot be read: the line and column (1-based) and what is wrong there.
public struct RegParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String
    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// Reads regedit's .reg files: "Windows Registry Editor Version 5.00" (UTF-16LE with a BOM, or
/// UTF-8) and "REGEDIT4"; `[key]`, `[-key]`, `@=` and `"name"=` with `"string"`, `dword:`,
/// `hex:`, `hex(N):` (continued over lines ending in `\`), and `-` to delete; `;` comments. The
/// whole file is parsed before anything is applied, so a bad file changes nothing.
public enum RegFileParser {
    public static func parse(_ bytes: [UInt8], codePage: CodePage? = nil) throws(RegParseError) -> [RegOperation] {
        let units = try decode(bytes, codePage: codePage)
        var lines: [(number: Int, text: [UInt16])] = []
        var current: [UInt16] = []
        var number = 1
        var i = 0
        while i <= units.count {
            if i == units.count || units[i] == 0x0A {
                if current.last == 0x0D { current.removeLast() }
                lines.append((number, current))
                current = []
                number += 1
            } else {
                current.append(units[i])
            }
            i += 1
        }
        // The header: the first line that is not blank.
        guard let headerIndex = lines.firstIndex(where: { !trimmed($0.text).isEmpty }) else {
            throw RegParseError(line: 1, column: 1, reason: "the file is empty: expected \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\"")
        }
        let header = String(decoding: trimmed(lines[headerIndex].text), as: UTF16.self)
        guard header == "Windows Registry Editor Version 5.00" || header == "REGEDIT4" else {
            throw RegParseError(line: lines[headerIndex].number, column: 1,
                                reason: "not a .reg file: the header is \"\(header.prefix(60))\", expected \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\"")
        }
        var ops: [RegOperation] = []
        var key: [UInt16]?
        var l = headerIndex + 1
        while l < lines.count {
            let (lineNumber, raw) = lines[l]
            l += 1
            let text = trimmedLeading(raw)
            if text.isEmpty || text.first == 0x3B /* ; */ { continue }
            let indent = raw.count - text.count
            if text.first == 0x5B /* [ */ {
                guard let close = text.lastIndex(of: 0x5D) else {
                    throw RegParseError(line: lineNumber, column: indent + text.count + 1, reason: "a key line must end with ]")
                }
                var path = Array(text[1..<close])
                if path.first == 0x2D /* - */ {
                    path.removeFirst()
                    ops.append(.deleteKey(path: path, line: lineNumber))
                    key = nil
                } else {
                    guard !path.isEmpty else { throw RegParseError(line: lineNumber, column: indent + 2, reason: "empty key path") }
                    ops.append(.createKey(path: path, line: lineNumber))
                    key = path
                }
                continue
            }
            guard let current = key else {
                throw RegParseError(line: lineNumber, column: indent + 1, reason: "a value line outside any [key] (or after a [-key])")
            }
            // The value's name: @ or a quoted, escaped string.
            var pos = 0
            let name: [UInt16]
            if text[0] == 0x40 /* @ */ {
                name = []
                pos = 1
            } else if text[0] == 0x22 /* " */ {
                guard let (n, end) = quoted(text, from: 0) else {
                    throw RegParseError(line: lineNumber, column: indent + 1, reason: "the value name's closing quote is missing")
                }
                name = n
                pos = end
            } else {
                throw RegParseError(line: lineNumber, column: indent + 1, reason: "expected @, \"name\", [key] or a ; comment")
            }
            while pos < text.count, text[pos] == 0x20 || text[pos] == 0x09 { pos += 1 }
            guard pos < text.count, text[pos] == 0x3D /* = */ else {
                throw RegParseError(line: lineNumber, column: indent + pos + 1, reason: "expected = after the value name")
            }
            pos += 1
            while pos < text.count, text[pos] == 0x20 || text[pos] == 0x09 { pos += 1 }
            var rest = Array(text[pos...])
            let column = indent + pos + 1
            if rest == [0x2D] {
                ops.append(.deleteValue(key: current, name: name, line: lineNumber))
                continue
            }
            if rest.first == 0x22 {
                guard let (s, end) = quoted(rest, from: 0), trimmed(Array(rest[end...])).isEmpty else {
                    throw RegParseError(line: lineNumber, column: column, reason: "a string value must be one quoted string (closing quote missing, or text after it)")
                }
                let data = (s + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
                ops.append(.setValue(key: current, name: name, type: 1, data: data, line: lineNumber))
                continue
            }
            let lower = rest.map { $0 < 0x80 ? UInt16(UInt8($0).lowercasedASCII) : $0 }
            if lower.starts(with: Array("dword:".utf16)) {
                let digits = trimmed(Array(rest[6...]))
                guard (1...8).contains(digits.count), let v = UInt32(String(decoding: digits, as: UTF16.self), radix: 16) else {
                    throw RegParseError(line: lineNumber, column: column + 6, reason: "dword: needs 1 to 8 hex digits")
                }
                ops.append(.setValue(key: current, name: name, type: 4, data: (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(8 * $0)) }, line: lineNumber))
                continue
            }
            guard lower.starts(with: Array("hex".utf16)) else {
                throw RegParseError(line: lineNumber, column: column, reason: "unknown value form: expected \"string\", dword:, hex:, hex(N): or -")
            }
            var type: UInt32 = 3
            var at = 3
            if at < rest.count, rest[at] == 0x28 /* ( */ {
                guard let close = rest.firstIndex(of: 0x29),
                      let t = UInt32(String(decoding: rest[(at + 1)..<close], as: UTF16.self), radix: 16)
                else { throw RegParseError(line: lineNumber, column: column + at, reason: "hex(N): needs a hex type number in parentheses") }
                type = t
                at = close + 1
            }
            guard at < rest.count, rest[at] == 0x3A /* : */ else {
                throw RegParseError(line: lineNumber, column: column + at, reason: "expected : after hex")
            }
            rest = Array(rest[(at + 1)...])
            // Continuations: a line ending in \ goes on with the next line (its indent dropped).
            var data: [UInt8] = []
            var chunk = rest, chunkLine = lineNumber, chunkColumn = column + at + 1
            while true {
                var body = trimmed(chunk)
                let continues = body.last == 0x5C
                if continues { body.removeLast() }
                for (offset, item) in split(body).enumerated() where !(item.isEmpty && offset == split(body).count - 1) {
                    let digits = trimmed(item)
                    guard (1...2).contains(digits.count), let b = UInt8(String(decoding: digits, as: UTF16.self), radix: 16) else {
                        throw RegParseError(line: chunkLine, column: chunkColumn, reason: "hex data must be bytes of two hex digits separated by commas (found \"\(String(decoding: digits, as: UTF16.self).prefix(20))\")")
                    }
                    data.append(b)
                }
                guard continues else { break }
                guard l < lines.count else {
                    throw RegParseError(line: chunkLine, column: chunkColumn, reason: "the file ends after a continuation \\")
                }
                chunkLine = lines[l].number
                chunk = trimmedLeading(lines[l].text)
                chunkColumn = lines[l].text.count - chunk.count + 1
                l += 1
            }
            ops.append(.setValue(key: current, name: name, type: type, data: data, line: lineNumber))
        }
        return ops
    }

    /// UTF-16LE after a BOM; otherwise `codePage` when one is given; otherwise UTF-8 when the
    /// bytes are valid UTF-8 (a BOM is skipped), else Windows-1252 — the ANSI code page regedit
    /// writes REGEDIT4 files in. A byte the page does not define is an error with its line.
    static func decode(_ bytes: [UInt8], codePage: CodePage?) throws(RegParseError) -> [UInt16] {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return try decode(bytes) }
        if codePage == nil, let utf8 = try? decode(bytes) { return utf8 }
        let page = codePage ?? .windows1252
        switch page.decode(bytes) {
        case let .success(units): return units
        case let .failure(undefined):
            let line = 1 + bytes.prefix(undefined.byteOffset).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw RegParseError(line: line, column: 1, reason: "byte 0x\(String(bytes[undefined.byteOffset], radix: 16, uppercase: true)) at offset \(undefined.byteOffset) is not a character of \(page)\(codePage == nil ? " (the file is not UTF-8 either; pass --codepage N)" : "")")
        }
    }

    /// UTF-16LE after a BOM; otherwise UTF-8 (a BOM is skipped). Invalid UTF-8 is an error with
    /// its line.
    static func decode(_ bytes: [UInt8]) throws(RegParseError) -> [UInt16] {
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE {
            guard bytes.count % 2 == 0 else {
                throw RegParseError(line: 1, column: 1, reason: "a UTF-16 file must have an even number of bytes")
            }
            return stride(from: 2, to: bytes.count, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        }
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes[3...]) : bytes
        var units: [UInt16] = []
        var decoder = UTF8()
        var iterator = body.makeIterator()
        var line = 1
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s):
                if s == "\n" { line += 1 }
                units.append(contentsOf: String(s).utf16)
            case .emptyInput: break loop
            case .error: throw RegParseError(line: line, column: 1, reason: "invalid UTF-8 (save the file as UTF-16LE with a BOM or as UTF-8)")
            }
        }
        return units
    }

    /// A "quoted" string with \\ and \" escapes starting at `from`; the text and the index after it.
    static func quoted(_ text: [UInt16], from: Int) -> ([UInt16], Int)? {
        var out: [UInt16] = []
        var i = from + 1
        while i < text.count {
            let c = text[i]
            if c == 0x5C, i + 1 < text.count {  // backslash escapes the next character
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

    static func split(_ text: [UInt16]) -> [[UInt16]] {
        text.split(separator: 0x2C, omittingEmptySubsequences: false).map(Array.init)
    }

    static func trimmed(_ s: [UInt16]) -> [UInt16] {
        var a = trimmedLeading(s)
        while let last = a.last, last == 0x20 || last == 0x09 { a.removeLast() }
        return a
    }

    static func trimmedLeading(_ s: [UInt16]) -> [UInt16] {
        Array(s.drop { $0 == 0x20 || $0 == 0x09 })
    }
}

extension UInt8 {
    var lowercasedASCII: UInt8 { (0x41...0x5A).contains(self) ? self + 0x20 : self }
}
