#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable stack of plain values in malloc'd memory, for the walk's hot loop: no reference
/// counting and no uniqueness checks on each push and pop, as an Array in a loop would have.
/// The owner calls `deallocate()` (walks keep it in a local with a `defer`).
struct ScratchStack<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        base = malloc(self.capacity * MemoryLayout<Element>.stride)!.assumingMemoryBound(to: Element.self)
    }

    func deallocate() { free(base) }

    @inline(__always) mutating func append(_ e: Element) {
        if count == capacity { grow() }
        base[count] = e
        count += 1
    }

    /// Makes room for `n` more elements and counts them in; the caller writes them at the
    /// returned address (a run of entries appended with one capacity check).
    @inline(__always) mutating func append(uninitialized n: Int) -> UnsafeMutablePointer<Element> {
        while count + n > capacity { grow() }
        defer { count += n }
        return base + count
    }

    @inline(__always) subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    private mutating func grow() {
        capacity *= 2
        base = realloc(base, capacity * MemoryLayout<Element>.stride)!.assumingMemoryBound(to: Element.self)
    }
}
