#if canImport(Glibc)
import Glibc
#endif
import RegistryClient

/// ExpandEnvironmentStrings as Windows does it, on the calling process's environment (read at
/// each call): `%NAME%` becomes the variable's value, names matched case-insensitively; an unknown
/// name, `%%` and a `%` with no closing one stay as they are.
enum Environment {
    static func expand(_ source: [UInt16]) -> [UInt16] {
        let percent: UInt16 = 0x25
        var out: [UInt16] = []
        out.reserveCapacity(source.count)
        var i = 0
        while i < source.count {
            guard source[i] == percent,
                  let close = source[(i + 1)...].firstIndex(of: percent), close > i + 1,
                  let value = lookup(Array(source[(i + 1)..<close])) else {
                if source[i] == percent, let close = source[(i + 1)...].firstIndex(of: percent) {
                    // Unknown (or empty) name: copied whole, scanning goes on after it.
                    out += source[i...close]
                    i = close + 1
                } else {
                    out.append(source[i])
                    i += 1
                }
                continue
            }
            out += value
            i = close + 1
        }
        return out
    }

    /// The value of the variable named `name` (UTF-16), compared as Windows compares names.
    static func lookup(_ name: [UInt16]) -> [UInt16]? {
        let wanted = RegistryName(codeUnits: name)
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "="), eq != text.startIndex,
               RegistryName(text[..<eq]).equalsIgnoringCase(wanted) {
                return Array(text[text.index(after: eq)...].utf16)
            }
            p += 1
        }
        return nil
    }
}
