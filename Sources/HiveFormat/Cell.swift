/// An allocated cell: its offset (relative to the hive-bins data) and its data (after the size
/// field). A view into the hive's bytes, valid while the hive is alive.
public struct Cell: BitwiseCopyable {
    public let offset: UInt32
    @usableFromInline let data: UnsafeRawPointer
    /// Bytes of data (the cell size minus its 4-byte size field).
    public let length: Int

    @inlinable init(offset: UInt32, data: UnsafeRawPointer, length: Int) {
        self.offset = offset
        self.data = data
        self.length = length
    }

    @inlinable var signature: UInt16 { length >= 2 ? data.u16(0) : 0 }

    /// The data as a buffer (for callers that copy or hash it).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: data, count: length) }
}
