import Foundation
import HiveFormat

// RegSaveKey(Ex) and RegRestoreKey: a key's stored subtree written to a new hive file, and a
// saved hive copied over a key (docs/live-registry.md, "Save and restore", for the sources).

extension RegistryCore {
    /// RegSaveKey(Ex): needs SeBackupPrivilege (ERROR_PRIVILEGE_NOT_HELD); the file must not
    /// exist (ERROR_ALREADY_EXISTS, KB154806); only nonvolatile keys are saved. The standard and
    /// latest formats write a new, compact hive (versions 1.3 and 1.5) whose root has the key's
    /// name, class and security, flushed before this returns; REG_NO_COMPRESSION writes the
    /// image of the hive the key is the root of, as it is (any other key:
    /// ERROR_INVALID_PARAMETER). docs/live-registry.md, "Save and restore".
    /// Under the lock: the checks, and the saved hive's image — a copy, so the file written
    /// outside the lock (`writeSaved`) is the key as it was at this moment.
    func savedImage(_ handle: KeyHandle, format: SaveFormat, _ caller: RegistryCaller) throws(Win32Error) -> HiveStorage {
        guard caller.token.isEnabled(.backup) else { throw .privilegeNotHeld }
        let t = try target(handle, requiring: [], caller)
        guard case let .stored(m, cell) = t.position else { throw .invalidParameter }  // a volatile key has nothing stored
        if format == .noCompression, cell != m.rootCell { throw .invalidParameter }
        do throws(HiveError) {
            let source = m.hive
            let saved: Hive
            if format == .noCompression {
                saved = source
            } else {
                // Built in memory and written whole, clean: Windows' saved hive has no logs beside it.
                let key = try source.key(at: cell)
                let editor = try HiveEditor.create(path: nil, rootName: key.name, rootSecurity: Array(try source.security(of: key).descriptor),
                                                   minorVersion: format == .standard ? 3 : 5, clock: keyClock)
                try editor.setClass(of: editor.hive.baseBlock.rootCellOffset, to: try source.className(of: key))
                try editor.copyContents(of: key, in: source, into: editor.hive.baseBlock.rootCellOffset)
                saved = editor.hive
            }
            // The image only (an editor's storage is a large reservation, most of it untouched).
            let used = UnsafeRawBufferPointer(rebasing: saved.storage.bytes.prefix(BaseBlock.size + Int(saved.binsLimit)))
            return HiveStorage(copying: used)
        } catch {
            throw win32(error)
        }
    }

    /// RegSaveKey's file, outside the lock, on the caller's thread with its file rights: refused
    /// when it exists; removed again when writing it fails.
    static func writeSaved(_ image: HiveStorage, to file: String) throws(Win32Error) {
        guard access(file, F_OK) != 0 else { throw .alreadyExists }
        do throws(HiveError) {
            try Hive(storage: image).writeImage(toNewFile: file)
        } catch {
            throw win32(error)
        }
    }

    /// RegRestoreKey's checks: needs SeRestorePrivilege; the key must be a stored key of a
    /// writable hive. Returns the key's hive and cell.
    func restoreTarget(_ handle: KeyHandle, _ caller: RegistryCaller) throws(Win32Error) -> (HiveMount, UInt32) {
        guard caller.token.isEnabled(.restore) else { throw .privilegeNotHeld }
        let t = try target(handle, requiring: [], caller)
        guard case let .stored(m, cell) = t.position else { throw .invalidParameter }
        try writable(m)
        return (m, cell)
    }

    /// RegRestoreKey's file, read and checked outside the lock, on the caller's thread with its
    /// file rights (a file the caller cannot read is 5, as on Windows).
    static func readSaved(_ file: String) throws(Win32Error) -> Hive {
        do throws(HiveError) {
            let hive = try Hive.open(path: file, logs: .besideHive).hive
            _ = try hive.checkConsistency()
            return hive
        } catch {
            throw win32(error, file: file)
        }
    }

    /// RegRestoreKey, under the lock once the file is read: the key's values and subkeys are
    /// replaced by what the saved hive's root holds (the key keeps its name and security).
    /// Refused while a key below it is open — ERROR_ACCESS_DENIED, our reading of NtRestoreKey's
    /// STATUS_CANNOT_DELETE — unless REG_FORCE_RESTORE, which turns those handles deleted. The
    /// checks are made again: the key may have gone while the file was read.
    func restoreKey(_ handle: KeyHandle, from saved: Hive, force: Bool, _ caller: RegistryCaller) throws(Win32Error) {
        let (m, cell) = try restoreTarget(handle, caller)
        let top = KeyPosition.stored(m, cell)
        var below: [KeyPosition] = []
        var stack = try children(of: top)
        while let next = stack.popLast() {
            below.append(next)
            stack += try children(of: next)
        }
        if !force {
            for p in below where (existingObject(p)?.references ?? 0) > 0 { throw .accessDenied }
        }
        try removeTree(top, below: below, keepingTop: true)
        try deleteAllValues(top)
        do throws(HiveError) {
            try m.editor!.copyContents(of: try saved.key(at: saved.baseBlock.rootCellOffset), in: saved, into: cell)
        } catch {
            throw win32(error)
        }
        m.descriptors.removeAll()
        markDirty(m)
    }
}
