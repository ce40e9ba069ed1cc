/// Why a hive, or a part of it, could not be read. Every case names where (a file offset, or a
/// cell offset relative to the hive-bins data; file offset = 4096 + cell offset) and the rule
/// that was broken, so a user can find the bytes and a test can assert the cause.
public enum HiveError: Error, Equatable, Sendable {
    /// The file could not be opened, mapped or locked.
    case io(path: String, operation: String, errno: Int32)
    /// Another program holds an exclusive lock on the file (hivekeeperd holds loaded hives so).
    case locked(path: String)
    /// Not a regf file at all (no signature, too short, a Win9x CREG file, …).
    case notAHive(reason: String)
    /// A regf file whose format version this reader does not handle.
    case unsupportedVersion(major: UInt32, minor: UInt32)
    /// The hive bin covering `fileOffset` is missing or its header is invalid.
    case badBin(fileOffset: Int, reason: String)
    /// A cell reference points outside the hive-bins data.
    case offsetOutOfRange(cell: UInt32, limit: UInt32, referencedBy: UInt32?)
    /// A cell reference is not the start of an allocated cell (free cell, middle of a cell,
    /// misaligned, or inside a bin whose cell chain is broken).
    case notAnAllocatedCell(cell: UInt32, reason: String, referencedBy: UInt32?)
    /// A record whose signature is not the one its referrer requires.
    case wrongSignature(cell: UInt32, expected: String, found: String, referencedBy: UInt32?)
    /// A record whose declared lengths run past its cell.
    case recordTruncated(cell: UInt32, record: String, needed: Int, available: Int)
    /// A subkey list entry that breaks a structural rule (count, order, nesting, parent link).
    case badSubkeyList(cell: UInt32, reason: String)
    /// A value list that does not fit its cell.
    case badValueList(cell: UInt32, reason: String)
    /// Big data (db) whose segment list is inconsistent.
    case badBigData(cell: UInt32, reason: String)
    /// A reference chain that returns to a cell already visited.
    case cycle(cell: UInt32, reason: String)
    /// A walk deeper than Windows allows (512 levels) or than the caller permits.
    case tooDeep(cell: UInt32, depth: Int)
    /// A path component that does not exist.
    case keyNotFound(path: String)
    /// The hive is dirty and its transaction logs could not bring it up to date.
    indirect case logRecovery(hive: String, LogRecoveryError)

    // Editing
    /// A request beyond what Windows allows or what the hive can hold (name length, backslash,
    /// depth, 2 GiB of bins, an unsupported version).
    case refused(reason: String)
    /// Another program has the hive open, so it cannot be opened for writing; `holder` says who
    /// and how ("open for reading by pid N (name)") when the system says.
    case lockedForWriting(path: String, holder: String)
    /// A dirty hive with no usable log is read-only unless the caller accepts it as it is.
    case dirtyWithoutLogs(path: String)
    /// A write would grow the hive's bins past the quota its editor was given.
    case quotaExceeded(limit: Int)
}

extension HiveError: CustomStringConvertible {
    public var description: String {
        func at(_ cell: UInt32) -> String { "cell 0x\(hex(cell)) (file offset 0x\(hex(UInt64(cell) + 4096)))" }
        func by(_ r: UInt32?) -> String { r.map { ", referenced by cell 0x\(hex($0))" } ?? "" }
        switch self {
        case let .io(path, operation, errno):
            return "\(path): \(operation) failed: \(String(cString: strerrorMessage(errno)))"
        case let .locked(path):
            return "\(path): the file is locked by another program (loaded by hivekeeperd?)"
        case let .notAHive(reason):
            return "not a registry hive: \(reason)"
        case let .unsupportedVersion(major, minor):
            return "unsupported regf format version \(major).\(minor)"
        case let .badBin(fileOffset, reason):
            return "hive bin at file offset 0x\(hex(UInt64(fileOffset))): \(reason)"
        case let .offsetOutOfRange(cell, limit, referencedBy):
            return "cell offset 0x\(hex(cell)) is beyond the hive-bins data (size 0x\(hex(limit)))\(by(referencedBy))"
        case let .notAnAllocatedCell(cell, reason, referencedBy):
            return "\(at(cell)) is not an allocated cell: \(reason)\(by(referencedBy))"
        case let .wrongSignature(cell, expected, found, referencedBy):
            return "\(at(cell)): expected a \(expected) record, found \"\(found)\"\(by(referencedBy))"
        case let .recordTruncated(cell, record, needed, available):
            return "\(at(cell)): \(record) record needs \(needed) bytes but its cell holds \(available)"
        case let .badSubkeyList(cell, reason):
            return "\(at(cell)): subkey list: \(reason)"
        case let .badValueList(cell, reason):
            return "\(at(cell)): value list: \(reason)"
        case let .badBigData(cell, reason):
            return "\(at(cell)): big data: \(reason)"
        case let .cycle(cell, reason):
            return "\(at(cell)): cycle: \(reason)"
        case let .tooDeep(cell, depth):
            return "\(at(cell)): key tree deeper than \(depth) levels"
        case let .keyNotFound(path):
            return "key not found: \(path)"
        case let .logRecovery(hive, error):
            return "\(hive): \(error)"
        case let .refused(reason):
            return reason
        case let .quotaExceeded(limit):
            return "the hive would grow past its quota of \(limit) bytes of bins"
        case let .lockedForWriting(path, holder):
            return "\(path): the hive is \(holder)"
        case let .dirtyWithoutLogs(path):
            return "\(path): the hive is dirty and has no usable transaction log; it can only be read (accept the primary as it is to write it)"
        }
    }
}

@inline(never)
func hex<T: BinaryInteger>(_ v: T) -> String { String(v, radix: 16, uppercase: true) }

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

func strerrorMessage(_ code: Int32) -> UnsafeMutablePointer<CChar> { strerror(code) }
