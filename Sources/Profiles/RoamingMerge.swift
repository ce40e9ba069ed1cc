import Foundation
import HiveFormat

/// A key-level three-way merge of a roaming NTUSER.DAT: `base` is the copy this machine fetched
/// at logon, `ours` the local hive at logoff, `theirs` the store's copy another machine uploaded
/// since. A value changed on one side only takes that side's data; changed on both to different
/// data, it is a conflict the machine logging off (ours) wins. A key deleted on one side stays
/// deleted unless the other side changed something under it — then it is a conflict and the key
/// is kept with the changes (losing nobody's data). docs/profiles.md, "Roaming between machines".
struct RoamingMerge {
    struct Conflict: Sendable, Hashable, CustomStringConvertible {
        var key: String
        /// The value, or nil for a key-level conflict (deleted on one side, changed on the other).
        var value: String?
        var ours: String
        var theirs: String
        var description: String {
            let what = value.map { "\(key) value \($0.isEmpty ? "(Default)" : $0)" } ?? key
            return "\(what): here \(ours), there \(theirs)"
        }
    }

    struct Value: Equatable {
        var name: RegistryName
        var type: UInt32
        var data: [UInt8]
    }

    /// One key of a hive, by folded path.
    struct Node {
        var path: String
        var values: [[UInt16]: Value]
        var security: [UInt8]
    }

    /// Every key of a hive by folded path ("" is the root).
    static func read(_ hive: Hive) throws(HiveError) -> [[UInt16]: Node] {
        var out: [[UInt16]: Node] = [:]
        var stack: [(NamedKey, [UInt16], String)] = [(try hive.rootKey(), [], "")]
        while let (key, folded, path) = stack.popLast() {
            var values: [[UInt16]: Value] = [:]
            try hive.forEachValue(of: key) { v throws(HiveError) in
                values[fold(v.name)] = Value(name: v.name, type: v.type.rawValue, data: try hive.data(of: v).bytes)
            }
            out[folded] = Node(path: path, values: values, security: Array(try hive.security(of: key).descriptor))
            for child in try hive.subkeys(of: key) {
                let f = folded.isEmpty ? fold(child.name) : folded + [0x5C] + fold(child.name)
                stack.append((child, f, path.isEmpty ? child.name.description : path + "\\" + child.name.description))
            }
        }
        return out
    }

    static func fold(_ name: RegistryName) -> [UInt16] { name.codeUnits.map(WindowsCase.upcase) }

    let base: [[UInt16]: Node]
    let ours: [[UInt16]: Node]
    let theirs: [[UInt16]: Node]

    /// The merged hive's keys, and the conflicts met.
    func merged() -> (keys: [[UInt16]: Node], conflicts: [Conflict]) {
        var result: [[UInt16]: Node] = [:]
        var conflicts: [Conflict] = []
        let all = Set(base.keys).union(ours.keys).union(theirs.keys)
        for p in all {
            let b = base[p], o = ours[p], t = theirs[p]
            switch (o, t) {
            case let (o?, t?):
                var node = o
                node.values = [:]
                for name in Set(o.values.keys).union(t.values.keys).union(b?.values.keys.map { $0 } ?? []) {
                    let bv = b?.values[name], ov = o.values[name], tv = t.values[name]
                    let pick: Value?
                    if ov == tv || tv == bv {
                        pick = ov
                    } else if ov == bv {
                        pick = tv
                    } else {
                        pick = ov  // changed on both sides: the machine logging off wins
                        conflicts.append(Conflict(key: o.path, value: (ov ?? tv)?.name.description ?? "",
                                                  ours: Self.describe(ov), theirs: Self.describe(tv)))
                    }
                    if let pick { node.values[name] = pick }
                }
                result[p] = node
            case let (o?, nil):
                if let kept = oneSided(o, at: p, keeper: ours, deleter: theirs, base: b) {
                    result[p] = o
                    if kept { conflicts.append(Conflict(key: o.path, value: nil, ours: "changed", theirs: "deleted")) }
                }
            case let (nil, t?):
                if let kept = oneSided(t, at: p, keeper: theirs, deleter: ours, base: b) {
                    result[p] = t
                    if kept { conflicts.append(Conflict(key: t.path, value: nil, ours: "deleted", theirs: "changed")) }
                }
            case (nil, nil):
                break
            }
        }
        return (result, conflicts.sorted { ($0.key, $0.value ?? "") < ($1.key, $1.value ?? "") })
    }

    /// A key only one side has: nil when it goes (the other side deleted it and this side left
    /// it as the base had it); otherwise it stays — `true` when that is a conflict to report
    /// (deleted there, changed here; reported at the top of the deleted subtree), `false` when
    /// this side simply added it.
    private func oneSided(_ node: Node, at p: [UInt16], keeper: [[UInt16]: Node], deleter: [[UInt16]: Node],
                          base b: Node?) -> Bool? {
        guard b != nil else { return false }
        guard !unchanged(keeper, below: p) else { return nil }
        return parentPresent(deleter, p)
    }

    /// Whether `side` holds exactly what the base holds at and below `p` (keys and values).
    private func unchanged(_ side: [[UInt16]: Node], below p: [UInt16]) -> Bool {
        func within(_ k: [UInt16]) -> Bool { k == p || (k.count > p.count && k.starts(with: p) && k[p.count] == 0x5C) || p.isEmpty }
        let mine = side.filter { within($0.key) }, theirs = base.filter { within($0.key) }
        guard Set(mine.keys) == Set(theirs.keys) else { return false }
        return mine.allSatisfy { $0.value.values == theirs[$0.key]!.values }
    }

    /// A key-level conflict is reported once, at the top of the deleted subtree: where the
    /// deleting side still has the parent.
    private func parentPresent(_ side: [[UInt16]: Node], _ p: [UInt16]) -> Bool {
        guard !p.isEmpty else { return true }
        guard let slash = p.lastIndex(of: 0x5C) else { return side[[]] != nil }
        return side[Array(p[..<slash])] != nil
    }

    /// A value for people: REG_SZ text, a DWORD's number, otherwise type and hex (shortened).
    static func describe(_ v: Value?) -> String {
        guard let v else { return "(absent)" }
        switch v.type {
        case 1 where v.data.count % 2 == 0, 2 where v.data.count % 2 == 0:
            let units = stride(from: 0, to: v.data.count, by: 2).map { UInt16(v.data[$0]) | UInt16(v.data[$0 + 1]) << 8 }
            return "\"\(String(decoding: units.prefix { $0 != 0 }, as: UTF16.self))\""
        case 4 where v.data.count == 4:
            return "dword:\(v.data.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })"
        default:
            let hex = v.data.prefix(32).map { String(format: "%02x", $0) }.joined()
            return "type \(v.type) hex:\(hex)\(v.data.count > 32 ? "…" : "")"
        }
    }

    /// Makes the hive file `local` (not loaded) hold `keys`: keys it lacks are created (with the
    /// other side's security), keys it has that the merge dropped are deleted, values set.
    static func write(_ keys: [[UInt16]: Node], into local: URL) throws(HiveError) {
        let editor = try HiveEditor.open(path: local.path)
        defer { editor.close() }
        let current = try read(editor.hive)
        func offset(_ path: String) throws(HiveError) -> UInt32? {
            var k = editor.hive.baseBlock.rootCellOffset
            guard !path.isEmpty else { return k }
            for component in path.split(separator: "\\") {
                guard let next = try editor.hive.subkey(of: editor.hive.key(at: k), named: RegistryName(String(component))) else { return nil }
                k = next.offset
            }
            return k
        }
        // Deletions, shallowest first (a subtree goes with its top).
        for (p, node) in current.sorted(by: { $0.key.count < $1.key.count }) where keys[p] == nil {
            if let k = try offset(node.path) { try editor.deleteKey(k, recursive: true) }
        }
        // Creations, parents before children; then every key's values.
        for (p, node) in keys.sorted(by: { $0.key.count < $1.key.count }) {
            var k: UInt32
            if let existing = try offset(node.path) {
                k = existing
            } else {
                let parentPath = node.path.split(separator: "\\").dropLast().joined(separator: "\\")
                let name = String(node.path.split(separator: "\\").last ?? "")
                guard let parent = try offset(parentPath) else { continue }
                k = try editor.createKey(under: parent, named: RegistryName(name), security: node.security).offset
            }
            let have = current[p]?.values ?? [:]
            for (name, v) in have where node.values[name] == nil { _ = try editor.deleteValue(of: k, named: v.name) }
            for (name, v) in node.values where have[name] != v {
                try editor.setValue(of: k, named: v.name, type: v.type, bytes: v.data)
            }
        }
        try editor.flush()
    }
}
