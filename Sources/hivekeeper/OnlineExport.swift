import HiveFormat
import RegText
import RegistryClient

/// export on a live key: the subtree read through hivekeeperd, depth first in name order, written
/// as the offline export writes (the live path names the keys in the file: HKEY_CURRENT_USER\…).
struct OnlineExport {
    let client: RegistryClient
    let sink: ExportSink

    func run(_ start: LivePath) async throws {
        let live = LiveSource(client: client)
        var stack: [(TreeKey, [UInt16])] = [(.live(start.root, start.subkeyName), Array(start.rootName.utf16) + (start.subkeyName.isEmpty ? [] : [0x5C] + start.subkeyName.codeUnits))]
        var progress = Progress("export")
        while let (key, path) = stack.popLast() {
            progress.tick()
            let (values, subkeys) = try await live.contents(of: key)
            if sink.format == .json {
                guard case let .live(root, subpath) = key else { continue }
                let k = try await client.openKey(root, subpath, access: .queryValue)
                let info = try await client.queryInfoKey(k)
                try? await client.closeKey(k)
                sink.jsonKey(path: path, lastWritten: info.lastWritten.description,
                             className: info.className?.codeUnits,
                             values: values.map { v in
                                 JSONWriter.Value(name: v.name.codeUnits, type: v.type,
                                                  typeName: RegistryValueType(v.type).description, data: v.data)
                             })
            } else {
                sink.beginKey(path: path)
                for v in values {
                    v.data.withUnsafeBytes { sink.value(name: v.name.codeUnits, type: v.type, data: $0, keyPath: path) }
                }
                sink.endKey()
            }
            for child in subkeys.reversed() {
                let childPath = joinPath(path, child.name.codeUnits)
                if sink.canHold(keyPath: childPath, name: child.name.codeUnits) { stack.append((child.key, childPath)) }
            }
        }
        progress.finish()
    }
}
