import HiveFormat
import Security

/// Where a handle opened through HKEY_CLASSES_ROOT stands in the merged view.
struct ClassesView {
    /// The key's path below the two Classes roots ("" for HKCR itself).
    var path: String
}

/// HKEY_CLASSES_ROOT: the merged view of the user's classes (HKCU\Software\Classes) over the
/// machine's (HKLM\Software\Classes), as [WA] test_classesroot / test_classesroot_enum and
/// [RH] HKEY_CLASSES_ROOT.c observe it on Windows (docs/live-registry.md, "HKEY_CLASSES_ROOT"):
/// - opening finds the user's copy first, then the machine's; the handle is bound to that key;
/// - a handle bound to the machine's copy reads and writes the user's copy once one exists;
/// - creating a key that neither has creates it (and what is missing above it) in the machine's;
/// - deleting deletes the user's copy first, the machine's on the next call;
/// - enumeration lists the user's subkeys and values, then the machine's it lacks.
extension RegistryCore {
    static let machineClassesPath = "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes"

    /// The merged view `handle` stands for: HKCR itself, or a handle opened through it.
    func classesView(of handle: KeyHandle, _ caller: RegistryCaller) -> ClassesView? {
        if handle == .classesRoot {
            if let p = existingProcess(caller.process), p.overrides[.classesRoot] != nil { return nil }
            return ClassesView(path: "")
        }
        guard handle.rawValue & 3 == 2, let e = existingProcess(caller.process)?.handles[handle] else { return nil }
        return e.classes
    }

    /// The user's and the machine's copy of the key at `path` below the Classes roots.
    func classesCopies(_ path: String, _ caller: RegistryCaller) throws(Win32Error) -> (user: KeyPosition?, machine: KeyPosition?) {
        (try userClassesCopy(path, caller), try position(atAbsolute: Self.machineClassesPath + "\\" + path))
    }

    /// The user's copy alone (HKCU\Software\Classes\`path`), nil without a user or a copy.
    func userClassesCopy(_ path: String, _ caller: RegistryCaller) throws(Win32Error) -> KeyPosition? {
        guard let cu = try? target(.currentUser, requiring: [], caller) else { return nil }
        return try withUTF16("Software\\Classes\\" + path) { u throws(Win32Error) in try walk(from: cu.position, u) }
    }

    func joined(_ base: String, _ sub: String) -> String {
        let trimmed = sub.split(separator: "\\", omittingEmptySubsequences: true).joined(separator: "\\")
        if base.isEmpty { return trimmed }
        return trimmed.isEmpty ? base : base + "\\" + trimmed
    }

    /// RegOpenKeyEx through the merged view.
    func openClasses(_ view: ClassesView, _ sub: String, options: KeyOptions, access: AccessMask,
                     _ caller: RegistryCaller) throws(Win32Error) -> KeyHandle {
        let path = joined(view.path, sub)
        let (user, machine) = try classesCopies(path, caller)
        guard let position = user ?? machine else { throw .fileNotFound }
        let granted = try accessCheck(position, access, caller, options: options)
        return try newHandle(object(for: position), access: granted, classes: ClassesView(path: path), caller)
    }

    /// RegCreateKeyEx through the merged view: an existing copy is opened (the user's first);
    /// otherwise the key is made in the machine's classes ([RH]: even below a key only the user has).
    func createClasses(_ view: ClassesView, _ sub: String, className: RegistryName?, options: KeyOptions, access: AccessMask,
                       security: SecurityDescriptor?, _ caller: RegistryCaller) throws(Win32Error) -> (KeyHandle, Disposition) {
        let path = joined(view.path, sub)
        let (user, machine) = try classesCopies(path, caller)
        if let position = user ?? machine {
            let granted = try accessCheck(position, access, caller, options: options)
            return (try newHandle(object(for: position), access: granted, classes: ClassesView(path: path), caller), .openedExistingKey)
        }
        guard let root = try position(atAbsolute: Self.machineClassesPath) else { throw .fileNotFound }
        let made = try withUTF16(path) { u throws(Win32Error) -> KeyPosition? in
            var parts = PathComponents(u)
            return try createWalk(from: root, &parts, className: className, options: options, security: security,
                                  reparses: 0, caller)?.0
        }
        guard let position = made else { throw .fileNotFound }
        let granted = try accessCheck(position, access, caller, options: options)
        return (try newHandle(object(for: position), access: granted, classes: ClassesView(path: path), caller), .createdNewKey)
    }

    /// The key RegDeleteKey(view, sub) removes: the user's copy if there is one, else the machine's.
    func classesKeyToDelete(_ view: ClassesView, _ sub: String, _ caller: RegistryCaller) throws(Win32Error) -> KeyPosition {
        let (user, machine) = try classesCopies(joined(view.path, sub), caller)
        guard let position = user ?? machine else { throw .fileNotFound }
        return position
    }

    /// The merged subkeys of a merged-view key: the user's, then the machine's the user lacks.
    func mergedSubkeys(_ view: ClassesView, _ caller: RegistryCaller) throws(Win32Error) -> [KeyPosition] {
        let (user, machine) = try classesCopies(view.path, caller)
        var out = try user.map { p throws(Win32Error) in try children(of: p) } ?? []
        guard let machine else { return out }
        var seen = Set<String>()
        for p in out { seen.insert(try name(of: p).description.uppercased()) }
        for p in try children(of: machine) where !seen.contains(try name(of: p).description.uppercased()) { out.append(p) }
        return out
    }

    /// The merged values of a merged-view key: the user's, then the machine's the user lacks.
    func mergedValues(_ view: ClassesView, _ caller: RegistryCaller) throws(Win32Error) -> [RegistryValue] {
        let (user, machine) = try classesCopies(view.path, caller)
        var out = try user.map { p throws(Win32Error) in try values(of: p) } ?? []
        guard let machine else { return out }
        let seen = Set(out.map { $0.name.description.uppercased() })
        for v in try values(of: machine) where !seen.contains(v.name.description.uppercased()) { out.append(v) }
        return out
    }

    /// A subkey as RegEnumKeyEx describes it.
    func enumerated(_ p: KeyPosition) throws(Win32Error) -> EnumeratedKey {
        switch p {
        case let .stored(m, cell):
            try readingHive {
                let k = try m.hive.key(at: cell)
                return EnumeratedKey(name: k.name, className: try m.hive.className(of: k), lastWritten: k.lastWritten)
            }
        case let .volatile(_, node):
            EnumeratedKey(name: node.name, className: node.className, lastWritten: node.lastWritten)
        }
    }
}
