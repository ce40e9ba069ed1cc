/// The lines of a .reg file, decoded one at a time into a reused buffer of UTF-16 code units, so
/// reading a file costs memory for its longest line, not for the whole file.
///
/// The encoding is chosen as regedit's files are written: UTF-16LE after its BOM; UTF-8 after its
/// BOM; otherwise `codePage` when one is given; otherwise UTF-8 when every byte of the file is
/// valid UTF-8, else Windows-1252 (the ANSI code page regedit writes REGEDIT4 files in). Lines end
/// at LF (a CR before it is dropped); a byte 0x0A never occurs inside a character of any of those
/// encodings, so a line's bytes can be decoded on their own.
struct RegFileLines {
    enum Encoding: Equatable {
        case utf16LittleEndian
        case utf8
        case codePage(CodePage, chosen: Bool)
    }

    private let bytes: UnsafeRawBufferPointer
    let encoding: Encoding
    /// The byte offset where the next line starts.
    private var position: Int
    private var finished = false
    /// The current line's number (1-based) and its text without the line end.
    private(set) var number = 0
    private(set) var text: [UInt16] = []

    init(_ bytes: UnsafeRawBufferPointer, codePage: CodePage?) throws(RegParseError) {
        self.bytes = bytes
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE {
            guard bytes.count % 2 == 0 else {
                throw RegParseError(line: 1, column: 1, reason: "a UTF-16 file must have an even number of bytes")
            }
            (encoding, position) = (.utf16LittleEndian, 2)
        } else if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            (encoding, position) = (.utf8, 3)
        } else if let codePage {
            (encoding, position) = (.codePage(codePage, chosen: true), 0)
        } else {
            (encoding, position) = (Self.isValidUTF8(bytes) ? .utf8 : .codePage(.windows1252, chosen: false), 0)
        }
    }

    /// Moves to the next line; false after the last one. The text after the last LF is a line of
    /// its own (empty when the file ends with LF).
    mutating func next() throws(RegParseError) -> Bool {
        guard !finished else { return false }
        number += 1
        text.removeAll(keepingCapacity: true)
        let unit = encoding == .utf16LittleEndian ? 2 : 1
        var end = position
        while end < bytes.count, codeUnit(at: end) != 0x0A { end += unit }
        switch encoding {
        case .utf16LittleEndian:
            var i = position
            while i < end { text.append(codeUnit(at: i)); i += 2 }
        case .utf8:
            try decodeUTF8(position..<end)
        case let .codePage(page, chosen):
            try decode(position..<end, in: page, chosen: chosen)
        }
        if text.last == 0x0D { text.removeLast() }
        if end >= bytes.count { finished = true } else { position = end + unit }
        return true
    }

    private func codeUnit(at offset: Int) -> UInt16 {
        encoding == .utf16LittleEndian
            ? UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
            : UInt16(bytes[offset])
    }

    private mutating func decodeUTF8(_ range: Range<Int>) throws(RegParseError) {
        var decoder = UTF8()
        var iterator = UnsafeRawBufferPointer(rebasing: bytes[range]).makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s):
                if s.value < 0x10000 {
                    text.append(UInt16(s.value))
                } else {
                    UTF16.encode(s) { text.append($0) }
                }
            case .emptyInput:
                return
            case .error:
                throw RegParseError(line: number, column: 1, reason: "invalid UTF-8 (save the file as UTF-16LE with a BOM or as UTF-8)")
            }
        }
    }

    private mutating func decode(_ range: Range<Int>, in page: CodePage, chosen: Bool) throws(RegParseError) {
        // ASCII is the same in every page offered: only a line with other bytes goes to iconv.
        if !bytes[range].contains(where: { $0 >= 0x80 }) {
            for b in bytes[range] { text.append(UInt16(b)) }
            return
        }
        switch page.decode(Array(bytes[range])) {
        case let .success(units):
            text.append(contentsOf: units)
        case let .failure(undefined):
            let offset = range.lowerBound + undefined.byteOffset
            throw RegParseError(line: number, column: 1, reason: "byte 0x\(String(bytes[offset], radix: 16, uppercase: true)) at offset \(offset) is not a character of \(page)\(chosen ? "" : " (the file is not UTF-8 either; pass --codepage N)")")
        }
    }

    private static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
