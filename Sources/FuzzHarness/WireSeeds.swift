import RegistryTypes
import Wire

/// Seeds for the wire target, written by the protocol's own encoder so they follow it when it
/// changes: a piece-size byte, hello, then a session's worth of requests.
public enum WireSeeds {
    public static func make(into dir: String, corpus _: String?) throws -> Int {
        try SeedFiles.makeDirectory(dir)
        let hive = KeyHandle(rawValue: 0x8000_0002)
        let opened = KeyHandle(rawValue: 0x40)
        let requests: [Request] = [
            .openKey(base: hive, path: "SOFTWARE\\Hivekeeper", access: 0x2_0019, options: 0),
            .createKey(base: hive, path: "SOFTWARE\\Fuzz\\Ünïcødé", access: 0xF_003F, options: 0),
            .queryInfoKey(opened), .enumerateKey(opened, index: 0), .enumerateValue(opened, index: 1),
            .queryValue(opened, name: "Version"),
            .setValue(opened, name: "Data", type: 3, data: [1, 2, 3, 0xFF]),
            .setValue(opened, name: "", type: 1, data: Array("text\0".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })),
            .deleteValue(opened, name: "Data"), .deleteKey(base: opened, path: "Sub"), .deleteTree(base: opened, path: nil),
            .flushKey(opened), .loadKey(base: hive, subkey: "Loaded", file: "/tmp/hive"), .unloadKey(base: hive, subkey: "Loaded"),
            .saveKey(opened, file: "/tmp/saved", flags: 1), .restoreKey(opened, file: "/tmp/saved", flags: 8),
            .renameKey(opened, subkey: "Old", newName: "New"), .copyTree(source: opened, subkey: nil, destination: opened),
            .loadAppKey(file: "/tmp/app.dat", access: 0x2_0019, options: 0),
            .notifyChangeKeyValue(opened, watchSubtree: true, filter: 5),
            // Names are UTF-16 code units: a lone surrogate is a name like any other.
            .createKey(base: opened, path: RegistryName(codeUnits: [0x4B, 0xD800]), access: 0xF_003F, options: 0),
            .getKeySecurity(opened), .setKeySecurity(opened, descriptor: [1, 0, 0x00, 0x80] + [UInt8](repeating: 0, count: 16)),
            .impersonate(user: "alice"), .revertToSelf, .openCurrentUser(access: 0x2_0019), .disablePredefinedCache,
            .logon(user: "alice"), .logoff(session: 1, policy: "fast"), .listSessions,
            .handles(user: "alice", hive: nil), .events(after: 0), .chaosForceUnload(user: "alice"),
            .closeKey(opened), .endThread,
        ]
        let hello = Request.hello(version: WireProtocol.version, demoIdentity: nil, executable: "/usr/bin/fuzz")
        var seeds: [[UInt8]] = [[0] + ClientFrame(id: 1, thread: 1, request: hello).framed()]
        for (i, request) in requests.enumerated() {
            // One request after hello, and one with no hello before it.
            let framed = ClientFrame(id: UInt32(i + 2), thread: 1, request: request).framed()
            seeds.append([UInt8(truncatingIfNeeded: i)] + seeds[0].dropFirst() + framed)
            seeds.append([UInt8(truncatingIfNeeded: i * 7)] + framed)
        }
        var session = seeds[0]
        for (i, request) in requests.enumerated() {
            session += ClientFrame(id: UInt32(i + 2), thread: UInt32(i % 3), request: request).framed()
        }
        seeds.append(session)
        seeds.append([9] + ClientFrame(id: 1, thread: 1, request: .hello(version: 2, demoIdentity: "bob", executable: nil)).framed())
        for (i, bytes) in seeds.enumerated() { try SeedFiles.write(bytes, to: "\(dir)/seed-\(i)") }
        return seeds.count
    }
}
