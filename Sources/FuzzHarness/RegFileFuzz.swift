import RegText

/// The .reg target: `RegFileParser.parse` on any bytes (what `hivekeeper import` reads). A file
/// it accepts must also survive the trip back: its keys and values written with
/// `RegFileWriter` (as `hivekeeper export` writes them) read back as the same operations.
/// A difference is reported as a crash, since export claims to be lossless.
public enum RegFileFuzz {
    @inline(never)
    public static func run(_ input: UnsafeRawBufferPointer) {
        let ops: [RegOperation]
        do throws(RegParseError) {
            ops = try RegFileParser.parse(Array(input))
        } catch {
            _ = error.description
            return
        }
        guard let again = roundTrip(ops) else { return }
        let before = ops.compactMap(Self.unnumbered)
        if again.compactMap(Self.unnumbered) != before {
            fatalError("a .reg file read, written and read again differs: \(before) became \(again.compactMap(Self.unnumbered))")
        }
    }

    /// The keys and values of `ops` written as a version 5 file and parsed again; nil when the
    /// file holds something the writer does not write (deletions, names it refuses).
    static func roundTrip(_ ops: [RegOperation]) -> [RegOperation]? {
        var writer = RegFileWriter()
        for op in ops {
            switch op {
            case let .createKey(path, _):
                writer.beginKey(path: path)
            case let .setValue(_, name, type, data, _):
                guard writer.unrepresentable(name) == nil else { return nil }
                data.withUnsafeBytes { writer.value(name: name, type: type, data: $0) }
            case .deleteKey, .deleteValue:
                return nil
            }
        }
        do throws(RegParseError) {
            return try RegFileParser.parse(writer.takeBytes())
        } catch {
            fatalError("the writer's own .reg file does not parse: \(error)")
        }
    }

    /// An operation without its line number (the written file lays lines out its own way).
    enum Unnumbered: Equatable {
        case key([UInt16])
        case value(key: [UInt16], name: [UInt16], type: UInt32, data: [UInt8])
    }

    static func unnumbered(_ op: RegOperation) -> Unnumbered? {
        switch op {
        case let .createKey(path, _): .key(path)
        case let .setValue(key, name, type, data, _): .value(key: key, name: name, type: type, data: data)
        case .deleteKey, .deleteValue: nil
        }
    }
}
