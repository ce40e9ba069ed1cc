/// How hot loops hand out views (`NamedKey`, `ValueKey`) without ARC traffic.
///
/// A view holds a strong reference to the hive's storage, so one kept past its hive stays
/// valid. Making one is a retain, and its end a release: per key and per value, in the walk,
/// that cost a quarter of it (the optimizer does not remove them). So the walk and
/// `forEachValue` lend each view to their closure instead: laid out in place with the reference
/// unretained (the loop's own `Hive` keeps the storage alive through the call), passed inout so
/// that nothing copies it, and never destroyed. A closure that keeps the view copies it, and
/// that copy retains as any copy does: the count stays balanced.
@usableFromInline struct UnretainedView {
    @usableFromInline let cell: Cell
    @usableFromInline unowned(unsafe) let owner: HiveStorage

    @inlinable init(cell: Cell, owner: HiveStorage) {
        self.cell = cell
        self.owner = owner
    }
}

/// A view over one cell and the storage it lies in: `UnretainedView`'s layout, with the
/// reference strong.
@usableFromInline protocol CellView {
    init(checked cell: Cell, owner: HiveStorage)
}

extension CellView {
    /// Calls `body` with a view of `cell` lent without a retain; `owner` must outlive the call.
    /// (`body` must not assign to the view: the loops' closures only pass it on.)
    @inlinable @inline(__always)
    static func lend<R, E: Error>(_ cell: Cell, of owner: HiveStorage, _ body: (inout Self) throws(E) -> R) throws(E) -> R {
        // (Cell, reference) both: a strong and an unowned(unsafe) reference have one layout.
        assert(MemoryLayout<Self>.size == MemoryLayout<UnretainedView>.size
               && MemoryLayout<Self>.stride == MemoryLayout<UnretainedView>.stride)
        var view = UnretainedView(cell: cell, owner: owner)
        return try withUnsafeMutablePointer(to: &view) { p throws(E) -> R in
            try UnsafeMutableRawPointer(p).withMemoryRebound(to: Self.self, capacity: 1) { v throws(E) -> R in
                try body(&v.pointee)
            }
        }
    }
}
