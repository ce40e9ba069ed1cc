import Foundation
import TestSupport

/// libhivekeeper as a C programmer gets it: installed by scripts/install-c into a temporary
/// prefix (once per test run, from this build's library), and C programs compiled against it
/// with `cc $(pkg-config --cflags --libs hivekeeper)`.
enum CLibrary {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The prefix, or why installing failed.
    static let installed: Result<URL, Failure> = {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("hk-c-\(getpid())")
        let library = builtProduct("libHivekeeperC.so")
        guard FileManager.default.fileExists(atPath: library) else {
            return .failure(Failure(description: "\(library) is not built (swift build --product HivekeeperC)"))
        }
        let script = SharedCorpus.projectRoot.appendingPathComponent("scripts/install-c").path
        let result: ProcessResult
        do {
            result = try runProgram("/usr/bin/env", ["HIVEKEEPER_C_LIBRARY=\(library)", "bash", script, prefix.path])
        } catch {
            return .failure(Failure(description: "scripts/install-c did not start: \(error)"))
        }
        guard result.status == 0 else {
            return .failure(Failure(description: "scripts/install-c failed (\(result.status)): \(result.errText)"))
        }
        return .success(prefix)
    }()

    static func prefix() throws -> URL { try installed.get() }

    /// The source file in Tests/CAPITests/C.
    static func source(_ name: String) -> String {
        SharedCorpus.projectRoot.appendingPathComponent("Tests/CAPITests/C/\(name)").path
    }

    /// Compiles C (or C++, by the compiler given) sources into an executable in a fresh temporary
    /// directory, warnings as errors; throws with the compiler's output.
    static func compile(_ sources: [String], compiler: String = "cc", flags: [String] = ["-std=c11"],
                        output name: String) throws -> URL {
        let prefix = try prefix()
        let pkgconfig = try runProgram("/usr/bin/env", [
            "PKG_CONFIG_PATH=\(prefix.appendingPathComponent("lib/pkgconfig").path)",
            "pkg-config", "--cflags", "--libs", "hivekeeper",
        ])
        guard pkgconfig.status == 0 else { throw Failure(description: "pkg-config: \(pkgconfig.errText)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hk-cprog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let executable = directory.appendingPathComponent(name)
        let linkFlags = pkgconfig.outText.split(whereSeparator: \.isWhitespace).map(String.init)
        let arguments = flags + ["-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-o", executable.path]
            + sources.map(source) + linkFlags + ["-lpthread"]
        let compiled = try runProgram("/usr/bin/env", [compiler] + arguments)
        guard compiled.status == 0 else {
            throw Failure(description: "\(compiler) \(arguments.joined(separator: " ")) failed:\n\(compiled.errText)\(compiled.outText)")
        }
        return executable
    }
}
