/// What one line of a .reg file asks for. Paths are the full key paths as written (the caller
/// maps the root prefix); names and paths are UTF-16 code units.
public enum RegOperation: Equatable, Sendable {
    case createKey(path: [UInt16], line: Int)
    case deleteKey(path: [UInt16], line: Int)
    case setValue(key: [UInt16], name: [UInt16], type: UInt32, data: [UInt8], line: Int)
    case deleteValue(key: [UInt16], name: [UInt16], line: Int)

    /// The line it was read from.
    public var line: Int {
        switch self {
        case let .createKey(_, line), let .deleteKey(_, line), let .setValue(_, _, _, _, line), let .deleteValue(_, _, line): line
        }
    }
}

/// A .reg file that cannot be read: the line and column (1-based) and what is wrong there.
public struct RegParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String
    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// A whole .reg file at once (`RegFileReader` reads one operation at a time).
public enum RegFileParser {
    /// Every operation of the file, in order; a bad line anywhere is an error and no operation.
    public static func parse(_ bytes: [UInt8], codePage: CodePage? = nil) throws(RegParseError) -> [RegOperation] {
        var reader = try RegFileReader(bytes, codePage: codePage)
        var ops: [RegOperation] = []
        while let op = try reader.next() { ops.append(op) }
        return ops
    }
}
