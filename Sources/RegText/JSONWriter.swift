/// Renders a hive as JSON Lines: one object per key, written in walk order.
///
/// `{"path":"\\Software\\X","lastWritten":"2017-…Z","values":[{"name":"v","type":"REG_SZ",
/// "typeCode":1,"text":"hello"}, {"name":"b","type":"REG_BINARY","typeCode":3,"hex":"0a0b"}]}`.
/// Data is `text` when it is a string that reproduces the bytes exactly (REG_SZ/EXPAND_SZ: one
/// terminating NUL; REG_MULTI_SZ: as a list under `strings`), a number for a 4-byte DWORD or an
/// 8-byte QWORD (`number`), else `hex`. Names with lone surrogates are written with `\uD8xx`
/// escapes, so nothing is lost.
public enum JSONWriter {
    public struct Value {
        public var name: [UInt16]
        public var type: UInt32
        public var typeName: String
        public var data: [UInt8]
        public init(name: [UInt16], type: UInt32, typeName: String, data: [UInt8]) {
            self.name = name
            self.type = type
            self.typeName = typeName
            self.data = data
        }
    }

    public static func keyLine(path: [UInt16], lastWritten: String, className: [UInt16]?, values: [Value]) -> String {
        var s = "{\"path\":" + quote(path) + ",\"lastWritten\":\"" + lastWritten + "\""
        if let c = className { s += ",\"class\":" + quote(c) }
        s += ",\"values\":["
        for (i, v) in values.enumerated() {
            if i > 0 { s += "," }
            s += "{\"name\":" + quote(v.name) + ",\"type\":\"" + v.typeName + "\",\"typeCode\":\(v.type),"
            s += v.data.withUnsafeBytes { dataField(type: v.type, data: $0) }
            s += "}"
        }
        return s + "]}"
    }

    static func dataField(type: UInt32, data: UnsafeRawBufferPointer) -> String {
        switch type {
        case 1, 2:
            if let units = ValueText.friendlyString(data) { return "\"text\":" + quote(units) }
        case 7:
            if let list = exactMultiString(data) { return "\"strings\":[" + list.map(quote).joined(separator: ",") + "]" }
        case 4 where data.count == 4:
            return "\"number\":\(data.loadUnaligned(as: UInt32.self).littleEndian)"
        case 11 where data.count == 8:
            return "\"number\":\(data.loadUnaligned(as: UInt64.self).littleEndian)"
        default:
            break
        }
        return "\"hex\":\"" + ValueText.hexString(data).lowercased() + "\""
    }

    /// The strings of a REG_MULTI_SZ when writing them back (each + NUL, then a final NUL)
    /// gives the same bytes; nil otherwise.
    static func exactMultiString(_ data: UnsafeRawBufferPointer) -> [[UInt16]]? {
        guard data.count >= 2, data.count % 2 == 0 else { return nil }
        let strings = ValueText.multiStrings(data)
        let rebuilt = strings.reduce(0) { $0 + ($1.count + 1) * 2 } + 2
        guard rebuilt == data.count else { return nil }
        var i = 0
        for s in strings {
            for u in s + [0] {
                guard UInt16(data[i]) | UInt16(data[i + 1]) << 8 == u else { return nil }
                i += 2
            }
        }
        return data[i] == 0 && data[i + 1] == 0 ? strings : nil
    }

    /// A JSON string literal; lone surrogates and controls become \u escapes.
    public static func quote(_ units: [UInt16]) -> String {
        var out = [UInt16]()
        out.reserveCapacity(units.count + 2)
        out.append(0x22)
        func esc(_ u: UInt16) {
            let h = String(u, radix: 16)
            out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - h.count) + h).utf16)
        }
        var i = 0
        while i < units.count {
            let u = units[i]
            if UTF16.isLeadSurrogate(u), i + 1 < units.count, UTF16.isTrailSurrogate(units[i + 1]) {
                out.append(u); out.append(units[i + 1]); i += 2; continue
            }
            if UTF16.isLeadSurrogate(u) || UTF16.isTrailSurrogate(u) || u < 0x20 {
                esc(u)
            } else if u == 0x22 || u == 0x5C {
                out.append(0x5C); out.append(u)
            } else {
                out.append(u)
            }
            i += 1
        }
        out.append(0x22)
        return String(decoding: out, as: UTF16.self)
    }
}
