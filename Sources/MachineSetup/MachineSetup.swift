import Foundation
import HiveFormat
import Profiles
import Registry
import Security

extension Machine {
    /// First start (and every start): the machine hives SOFTWARE and SYSTEM under HKLM and
    /// HKU\.DEFAULT, created when missing and mounted as system hives, with the boot-time links
    /// (`makeBootKeys`); and the Default User hive new profiles are copied from, created when
    /// missing (not loaded).
    public func setUp(_ layout: StateLayout) throws(ProfileError) {
        do {
            try FileManager.default.createDirectory(at: layout.machine, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: layout.defaultUserHive.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .store("cannot create \(layout.root.path): \(error)")
        }
        do throws(Win32Error) {
            for name in ["SOFTWARE", "SYSTEM"] {
                try registry.mountHive(file: layout.machine.appendingPathComponent(name).path, at: "\\REGISTRY\\MACHINE\\\(name)", system: true)
            }
            try registry.mountHive(file: layout.machine.appendingPathComponent("DEFAULT").path, at: "\\REGISTRY\\USER\\.DEFAULT", system: true)
            try makeBootKeys()
        } catch {
            throw .registry(error)
        }
        if !FileManager.default.fileExists(atPath: layout.defaultUserHive.path) {
            do {
                // What every profile starts from: a root with Software below it.
                let e = try HiveEditor.create(path: layout.defaultUserHive.path)
                try e.createKey(under: e.hive.baseBlock.rootCellOffset, named: "Software")
                try e.flush()
                e.close()
            } catch {
                throw .store("cannot create the Default User hive: \(error)")
            }
        }
    }
}
