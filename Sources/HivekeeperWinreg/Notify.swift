#if canImport(Glibc)
import Glibc
#endif
import CHivekeeper
import RegistryClient
import Wire

/// RegNotifyChangeKeyValue. The event HANDLE is an eventfd (or any descriptor a write of an
/// 8-byte count suits) passed as `(HANDLE)(intptr_t)fd`: the asynchronous form writes 1 to it
/// when the key changes, its handle closes or it is deleted, as Windows sets the event. Each
/// registration has a connection of its own, which carries the daemon's completion notice; the
/// asynchronous form waits for it on a thread of its own, the synchronous one on the caller's.
enum Notify {
    static let legalFilter: DWORD = 0x1000_000F  // REG_LEGAL_CHANGE_FILTER

    static func register(_ hkey: HKEY?, subtree: BOOL, filter: DWORD, event: HANDLE?, asynchronous: BOOL) -> LSTATUS {
        guard let reference = HandleTable.resolve(hkey) else { return Win32Error.invalidHandle.status }
        guard filter & ~legalFilter == 0, filter & 0xF != 0 else { return Win32Error.invalidParameter.status }
        let fd = Int32(truncatingIfNeeded: Int(bitPattern: event))
        if asynchronous != 0, event == nil || fd < 0 { return Win32Error.invalidParameter.status }
        // The key's daemon handle, checked against the pool's epoch.
        let handle: KeyHandle
        switch Pool.with({ _, epoch throws(Win32Error) in try daemonHandle(reference, epoch: epoch) }) {
        case let .success(h): handle = h
        case let .failure(e): return e.status
        }
        let connection: Connection
        do {
            connection = try Connection.open(RegistryClient.defaultSocketPath)
        } catch {
            return error.status
        }
        let request = Request.notifyChangeKeyValue(handle, watchSubtree: subtree != 0, filter: filter)
        let id: UInt32
        switch connection.register(request) {
        case let .success(i): id = i
        case let .failure(e): return e.status
        }
        guard asynchronous != 0 else { return outcome(connection.waitForNotification(id)) }
        let watch = Watch(connection: connection, id: id, fd: fd)
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            let watch = Unmanaged<Watch>.fromOpaque(context!).takeRetainedValue()
            _ = watch.connection.waitForNotification(watch.id)
            var one: UInt64 = 1
            _ = write(watch.fd, &one, 8)
            return nil
        }, Unmanaged.passRetained(watch).toOpaque())
        guard started == 0 else {
            Unmanaged.passUnretained(watch).release()
            return Win32Error.notEnoughMemory.status
        }
        pthread_detach(thread)
        return success
    }

    /// What the synchronous form returns for the status its wait ended with.
    static func outcome(_ status: UInt32?) -> LSTATUS {
        guard let status else { return Win32Error.callFailed.status }
        switch NTStatus(rawValue: status) {
        case .keyDeleted, .hiveUnloaded: return Win32Error.keyDeleted.status
        default: return success
        }
    }

    /// One asynchronous registration, handed to the thread that waits for it.
    final class Watch {
        let connection: Connection
        let id: UInt32
        let fd: Int32
        init(connection: Connection, id: UInt32, fd: Int32) {
            self.connection = connection
            self.id = id
            self.fd = fd
        }
    }
}

@c @implementation public func RegNotifyChangeKeyValue(_ hKey: HKEY?, _ bWatchSubtree: BOOL, _ dwNotifyFilter: DWORD,
                                                       _ hEvent: HANDLE?, _ fAsynchronous: BOOL) -> LSTATUS {
    Notify.register(hKey, subtree: bWatchSubtree, filter: dwNotifyFilter, event: hEvent, asynchronous: fAsynchronous)
}
