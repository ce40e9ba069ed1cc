import ArgumentParser
import HiveFormat
import RegistryClient

/// Runs a command body the way reg.exe reports: "ERROR: …" on stderr and exit status 1 on
/// failure; the body returns the status otherwise (0, or 2 for a partial result).
func reporting(_ hiveOptions: HiveOptions?, _ body: () throws -> Int32) throws {
    let status: Int32
    do {
        status = try body()
    } catch {
        throw reported(error, hiveOptions)
    }
    if status != 0 { throw ExitCode(status) }
}

/// The same for a body that may wait on hivekeeperd.
func reportingOnline(_ hiveOptions: HiveOptions? = nil, _ body: () async throws -> Int32) async throws {
    let status: Int32
    do {
        status = try await body()
    } catch {
        throw reported(error, hiveOptions)
    }
    if status != 0 { throw ExitCode(status) }
}

/// Says a failure reg.exe's way and turns it into exit status 1; other errors (ArgumentParser's
/// own, ExitCode) pass through.
private func reported(_ error: any Error, _ hiveOptions: HiveOptions?) -> any Error {
    let text: String
    switch error {
    case let e as CLIError: text = e.description
    case let e as Win32Error: text = win32Message(e)
    case let e as HiveError: text = hiveOptions?.hiveErrorText(e) ?? e.description
    default: return error
    }
    Diagnostics.say("ERROR: \(text)")
    return ExitCode(1)
}

/// A walk that knows each key's full path (as UTF-16, for .reg and JSON output).
struct PathWalk {
    let hive: Hive
    let options: WalkOptions
    /// Called with the path of a key whose subtree was cut, and why.
    var onCorrupt: ([UInt16], HiveError) -> Void

    func run(from start: NamedKey, path startPath: [UInt16],
             visit: (NamedKey, [UInt16]) throws -> WalkControl) throws {
        var paths: [[UInt16]] = [startPath]
        var thrown: (any Error)?
        try hive.walk(from: start, options: options, corrupt: { _, depth, error in
            onCorrupt(depth < paths.count ? paths[depth] : [], error)
        }) { key, depth throws(HiveError) -> WalkControl in
            let path = depth == 0 ? startPath : joinPath(paths[depth - 1], key.name.codeUnits)
            if paths.count > depth { paths[depth] = path } else { paths.append(path) }
            do {
                return try visit(key, path)
            } catch let e as HiveError {
                throw e
            } catch {
                thrown = error  // a non-hive error (an output failure) stops the walk
                return .stop
            }
        }
        if let thrown { throw thrown }
    }
}

func displayName(_ units: [UInt16]) -> String { String(decoding: units, as: UTF16.self) }

/// parent\\name, where a parent of just "\\" (the root) gives "\\name".
func joinPath(_ parent: [UInt16], _ name: [UInt16]) -> [UInt16] {
    parent == [0x5C] ? [0x5C] + name : parent + [0x5C] + name
}
