import CHivekeeper
import Locking
import RegistryClient

/// What an HKEY stands for: a predefined key (HKEY_LOCAL_MACHINE …) or a key this process
/// opened, as the daemon's handle on the connection (`epoch`) that opened it.
enum KeyReference: Sendable {
    case predefined(KeyHandle)
    case opened(KeyHandle, epoch: UInt64)
}

/// The process's HKEYs. An HKEY the process opened is a small multiple of 4, as Windows' handles
/// are, never reused; it maps to the daemon's handle. The predefined keys are Windows' values
/// (0x80000000 …, sign-extended), of which only the low 32 bits count, as on 64-bit Windows
/// (Wine's test_reg_open_key opens HKEY_CURRENT_USER with other high bits).
enum HandleTable {
    private struct Entry {
        let handle: KeyHandle
        let epoch: UInt64
    }

    private struct State {
        var entries: [UInt: Entry] = [:]
        var next: UInt = 4
        /// RegOverridePredefKey's mappings: a predefined key's low 32 bits → the key it now is.
        var overrides: [UInt32: Entry] = [:]
    }

    private static let state = Locked(State())

    /// HKEY_PERFORMANCE_DATA: answered by this library, not the daemon.
    static let performanceData: UInt32 = 0x8000_0004

    /// The low 32 bits when they name a predefined key.
    static func predefinedValue(_ hkey: HKEY?) -> UInt32? {
        let low = UInt32(truncatingIfNeeded: UInt(bitPattern: Int(bitPattern: hkey)))
        return low >= 0x8000_0000 && low <= 0x8000_00FF ? low : nil
    }

    /// The HKEY of a predefined key handle, as Windows writes it (sign-extended).
    static func hkey(predefined: KeyHandle) -> HKEY? {
        OpaquePointer(bitPattern: Int(Int32(bitPattern: predefined.rawValue)))
    }

    /// What `hkey` stands for; nil for NULL and for a value this process never had (or closed).
    static func resolve(_ hkey: HKEY?) -> KeyReference? {
        guard let hkey else { return nil }
        if let low = predefinedValue(hkey) {
            if let o = state.withLock({ $0.overrides[low] }) { return .opened(o.handle, epoch: o.epoch) }
            return .predefined(KeyHandle(rawValue: low))
        }
        let key = UInt(bitPattern: Int(bitPattern: hkey))
        return state.withLock { $0.entries[key] }.map { .opened($0.handle, epoch: $0.epoch) }
    }

    /// A new HKEY for the daemon's `handle` on connection `epoch`.
    static func insert(_ handle: KeyHandle, epoch: UInt64) -> HKEY? {
        if handle.isPredefined { return hkey(predefined: handle) }
        let key = state.withLock { s -> UInt in
            var key = s.next
            // Never a value whose low 32 bits look predefined (after 2^31 handles).
            while UInt32(truncatingIfNeeded: key) >= 0x8000_0000 && UInt32(truncatingIfNeeded: key) <= 0x8000_00FF { key += 4 }
            s.next = key + 4
            s.entries[key] = Entry(handle: handle, epoch: epoch)
            return key
        }
        return OpaquePointer(bitPattern: key)
    }

    /// Takes `hkey` out of the table (RegCloseKey); what it stood for, or nil.
    static func remove(_ hkey: HKEY?) -> (KeyHandle, epoch: UInt64)? {
        guard let hkey else { return nil }
        let key = UInt(bitPattern: Int(bitPattern: hkey))
        return state.withLock { $0.entries.removeValue(forKey: key) }.map { ($0.handle, $0.epoch) }
    }

    /// Forgets every HKEY (a forked child: its parent's connection is not its own).
    static func removeAll() {
        state.withLock { s in
            s.entries.removeAll()
            s.overrides.removeAll()
        }
    }

    /// Makes the predefined key `low` stand for `handle` (nil: itself again); the daemon handle
    /// it stood for before, to close.
    static func override(_ low: UInt32, with handle: KeyHandle?, epoch: UInt64) -> (KeyHandle, epoch: UInt64)? {
        state.withLock { s in
            let old = s.overrides[low]
            s.overrides[low] = handle.map { Entry(handle: $0, epoch: epoch) }
            return old.map { ($0.handle, $0.epoch) }
        }
    }
}
