#if canImport(Glibc)
import Glibc
#endif
import CHivekeeper
import HiveFormat

// ORStart, ORShutdown, ORGetVersion, ORCreateHive, OROpenHive, OROpenHiveByHandle, ORCloseHive,
// ORSaveHive (docs/c-api.md, "The offline API").

@c @implementation
public func ORStart() -> DWORD { DWORD(ERROR_SUCCESS) }

@c @implementation
public func ORShutdown() -> DWORD { DWORD(ERROR_SUCCESS) }

@c @implementation
public func ORGetVersion(_ pdwMajorVersion: PDWORD?, _ pdwMinorVersion: PDWORD?) {
    pdwMajorVersion?.pointee = 1
    pdwMinorVersion?.pointee = 0
}

@c @implementation
public func ORCreateHive(_ phkResult: PORHKEY?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let phkResult else { throw .invalidParameter }
        phkResult.pointee = nil
        let editor = try engine { () throws(HiveError) in try HiveEditor.create(path: nil) }
        phkResult.pointee = OfflineHandles.openHive(OfflineHive(editing: editor))
    }
}

@c @implementation
public func OROpenHive(_ lpHivePath: PCWSTR?, _ phkResult: PORHKEY?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let phkResult else { throw .invalidParameter }
        phkResult.pointee = nil
        guard let units = try WideString.borrow(lpHivePath), !units.isEmpty else { throw .invalidParameter }
        let path = String(decoding: units, as: UTF16.self)
        // As Windows loads a hive: a dirty one is brought up to date from its logs, in memory.
        let opened = try engine { () throws(HiveError) in try Hive.open(path: path, logs: .besideHive) }
        phkResult.pointee = OfflineHandles.openHive(OfflineHive(reading: opened.hive))
    }
}

@c @implementation
public func OROpenHiveByHandle(_ FileHandle: HANDLE?, _ phkResult: PORHKEY?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let phkResult else { throw .invalidParameter }
        phkResult.pointee = nil
        let fd = Int32(truncatingIfNeeded: Int(bitPattern: FileHandle))
        guard Int(bitPattern: FileHandle) == Int(fd), fd >= 0 else { throw .invalidHandle }
        let storage = try HiveFileDescriptor.read(fd)
        let hive = try engine { () throws(HiveError) in try HiveFileDescriptor.recovered(storage, fd: fd) }
        phkResult.pointee = OfflineHandles.openHive(OfflineHive(reading: hive))
    }
}

@c @implementation
public func ORCloseHive(_ Handle: ORHKEY?) -> DWORD {
    offline { () throws(OfflineError) in
        let slot = try OfflineHandles.slot(Handle)
        // A key's handle is closed by ORCloseKey (docs/c-api.md).
        guard slot.isHive, let hive = slot.hive else { throw .invalidParameter }
        try hive.state.withLock { (s: inout OfflineHiveState) throws(OfflineError) in
            guard !s.closed else { throw .invalidHandle }
            s.closed = true
            s.editor = nil
            s.places = []
            s.freePlaces = []
        }
        OfflineHandles.table.withLock { $0.removeAll(of: hive) }
    }
}

@c @implementation
public func ORSaveHive(_ Handle: ORHKEY?, _ lpHivePath: PCWSTR?, _ dwOsMajorVersion: DWORD, _ dwOsMinorVersion: DWORD) -> DWORD {
    offline { () throws(OfflineError) in
        guard let units = try WideString.borrow(lpHivePath), !units.isEmpty else { throw .invalidParameter }
        let path = String(decoding: units, as: UTF16.self)
        guard let minor = SavedHive.formatMinorVersion(os: dwOsMajorVersion, dwOsMinorVersion) else { throw .invalidParameter }
        // Microsoft: "This cannot be the name of an existing file" (ERROR_ALREADY_EXISTS).
        guard access(path, F_OK) != 0 else { throw .alreadyExists }
        let image = try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) -> [UInt8] in
            guard k.isHive else { throw .invalidParameter }
            return try engine { () throws(HiveError) in try SavedHive.image(of: s.hive, minorVersion: minor) }
        }
        // Written outside the hive's lock. A missing directory is CreateFile's ERROR_PATH_NOT_FOUND.
        let written = image.withUnsafeBytes { raw in
            Result { () throws(HiveError) in try AtomicWrite.createNew(raw, at: path) }
        }
        if case let .failure(.io(_, _, errno)) = written, errno == ENOENT || errno == ENOTDIR {
            throw OfflineError(ERROR_PATH_NOT_FOUND)
        }
        try engine { () throws(HiveError) in try written.get() }
    }
}
