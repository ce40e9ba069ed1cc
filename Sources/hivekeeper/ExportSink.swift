import RegText

/// Where export writes, key by key, for the offline walk and the online one alike: .reg text
/// (drained to the output in large pieces) or JSON lines; what a .reg file cannot hold is left
/// out, named on stderr, and makes the result partial.
final class ExportSink {
    let format: ExportCommand.Format
    let out: Output
    var partial = false
    private var writer: RegFileWriter
    private var first = true

    init(format: ExportCommand.Format, codePage: CodePage? = nil, out: Output) {
        self.format = format
        self.out = out
        writer = RegFileWriter(format: format == .regedit4 ? .regedit4 : .version5, codePage: codePage)
    }

    /// False (and said on stderr) for a key whose name a .reg file cannot hold: it and its
    /// subtree are left out.
    func canHold(keyPath: [UInt16], name: [UInt16]) -> Bool {
        guard let why = writer.unrepresentable(name) else { return true }
        Diagnostics.say("left out: \(displayName(keyPath)) and its subkeys: \(why)")
        partial = true
        return false
    }

    func jsonKey(path: [UInt16], lastWritten: String, className: [UInt16]?, values: [JSONWriter.Value]) {
        out.line(JSONWriter.keyLine(path: path, lastWritten: lastWritten, className: className, values: values))
    }

    func beginKey(path: [UInt16]) { writer.beginKey(path: path) }

    func value(name: [UInt16], type: UInt32, data: UnsafeRawBufferPointer, keyPath: [UInt16]) {
        if let why = writer.unrepresentable(name) {
            Diagnostics.say("left out: value \"\(displayName(name))\" of \(displayName(keyPath)): \(why)")
            partial = true
            return
        }
        writer.value(name: name, type: type, data: data)
    }

    func endKey() { drain(force: false) }

    /// The rest of the text, and regedit's blank line after the last section; closes the output.
    func finish() throws {
        if format != .json {
            drain(force: true)
            out.write(bytes: format == .regedit4 ? [0x0D, 0x0A] : [0x0D, 0x00, 0x0A, 0x00])
        }
        try out.close()
    }

    private func drain(force: Bool) {
        guard format != .json, force || writer.pendingCount > 1 << 15 else { return }
        out.write(bytes: writer.drain(first: first))
        first = false
    }
}
