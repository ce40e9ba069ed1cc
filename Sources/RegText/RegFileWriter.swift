/// Writes .reg files as regedit does: "Windows Registry Editor Version 5.00" in UTF-16LE with a
/// BOM and CRLF line ends (or "REGEDIT4"), `[key]` sections, `@` for the default value, and
/// regedit's forms and line wrapping for data.
///
/// Export is lossless: a value is written in a friendly form (`"string"`, `dword:`) only when
/// reading that form back gives the same bytes; otherwise it is `hex(N):`. Text is collected
/// as UTF-16 code units, so names with lone surrogates reach a version 5 file exactly.
public struct RegFileWriter {
    public enum Format: Sendable {
        /// "Windows Registry Editor Version 5.00", UTF-16LE with BOM.
        case version5
        /// "REGEDIT4". regedit writes it in the ANSI code page; we write UTF-8 (no BOM) so no
        /// character is lost, or the code page asked for (docs/reg-files.md).
        case regedit4
    }

    public let format: Format
    /// A REGEDIT4 file's code page; nil: UTF-8.
    public let codePage: CodePage?
    private var text: [UInt16] = []

    public init(format: Format = .version5, codePage: CodePage? = nil) {
        self.format = format
        self.codePage = format == .regedit4 ? codePage : nil
        append(format == .version5 ? "Windows Registry Editor Version 5.00" : "REGEDIT4")
        newline()
    }

    /// Why a name cannot be written to a .reg file (CR, LF or NUL would break the line
    /// structure regedit reads), or nil when it can.
    public func unrepresentable(_ name: [UInt16]) -> String? {
        if name.contains(0x0D) || name.contains(0x0A) { return "it contains a line break" }
        if name.contains(0) { return "it contains a NUL character" }
        if format == .regedit4 && !RegFileWriter.isValidUTF16(name) {
            return "it contains a lone surrogate, which a UTF-8 (REGEDIT4) file cannot hold"
        }
        if let codePage, codePage.encode(name) == nil { return "it has a character \(codePage) cannot hold" }
        return nil
    }

    static func isValidUTF16(_ units: [UInt16]) -> Bool {
        var it = units.makeIterator()
        var decoder = UTF16()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Starts a key section: a blank line, then `[path]`.
    public mutating func beginKey(path: [UInt16]) {
        newline()
        text.append(0x5B)
        text.append(contentsOf: path)
        text.append(0x5D)
        newline()
    }

    /// Writes one value line (wrapped as regedit wraps hex data). `name` empty = the default value.
    public mutating func value(name: [UInt16], type: UInt32, data: UnsafeRawBufferPointer) {
        let start = text.count
        if name.isEmpty {
            append("@")
        } else {
            text.append(0x22)
            appendEscaped(name)
            text.append(0x22)
        }
        text.append(0x3D)  // =
        // A string the file's encoding cannot hold is written as hex(1): nothing is lost.
        if type == 1, let s = ValueText.friendlyString(data),
           format == .version5 || RegFileWriter.isValidUTF16(s) && (codePage.map { $0.encode(s) != nil } ?? true) {
            text.append(0x22)
            appendEscaped(s)
            text.append(0x22)
        } else if type == 4, data.count == 4 {
            append("dword:" + ValueText.hex32(data.loadUnaligned(as: UInt32.self).littleEndian))
        } else {
            appendHex(type: type, data: data, lineStart: start)
        }
        newline()
    }

    /// The finished file's bytes (BOM + UTF-16LE for version 5, UTF-8 for REGEDIT4). Call once.
    public mutating func takeBytes() -> [UInt8] {
        let units = text
        text = []
        return RegFileWriter.encode(units, format: format, withBOM: true)
    }

    /// Hands over what has been written so far (for streaming a large export), keeping none.
    public mutating func drain(first: Bool) -> [UInt8] {
        let units = text
        text.removeAll(keepingCapacity: true)
        // Every name and string was checked against the code page as it was added.
        if let codePage, let bytes = codePage.encode(units) { return bytes }
        return RegFileWriter.encode(units, format: format, withBOM: first)
    }

    public var pendingCount: Int { text.count }

    static func encode(_ units: [UInt16], format: Format, withBOM: Bool) -> [UInt8] {
        switch format {
        case .version5:
            var out = [UInt8]()
            out.reserveCapacity(units.count * 2 + 2)
            if withBOM { out.append(0xFF); out.append(0xFE) }
            for u in units { out.append(UInt8(u & 0xFF)); out.append(UInt8(u >> 8)) }
            return out
        case .regedit4:
            return Array(String(decoding: units, as: UTF16.self).utf8)
        }
    }

    private mutating func append(_ s: String) { text.append(contentsOf: s.utf16) }
    private mutating func newline() { text.append(0x0D); text.append(0x0A) }

    private mutating func appendEscaped(_ s: [UInt16]) {
        for u in s {
            if u == 0x5C || u == 0x22 { text.append(0x5C) }
            text.append(u)
        }
    }

    /// regedit's hex form: "hex:" (REG_BINARY) or "hex(N):" with N in lower-case hex, bytes as
    /// "xx," and a break ("\" CRLF and two spaces) once a line reaches 77 characters.
    private mutating func appendHex(type: UInt32, data: UnsafeRawBufferPointer, lineStart: Int) {
        append(type == 3 ? "hex:" : "hex(" + String(type, radix: 16) + "):")
        var lineLength = text.count - lineStart
        let digits: [UInt16] = Array("0123456789abcdef".utf16)
        for i in 0..<data.count {
            let b = data[i]
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 0xF)])
            if i == data.count - 1 { break }
            text.append(0x2C)
            lineLength += 3
            if lineLength >= 77 {
                text.append(0x5C)
                newline()
                text.append(0x20); text.append(0x20)
                lineLength = 2
            }
        }
    }
}
