#if canImport(Glibc)
import Glibc
#endif

/// The body of every fuzz executable. Built by `scripts/fuzz` (with `-DFUZZING`, coverage
/// instrumentation and AddressSanitizer) it hands control to libFuzzer; in the normal build it
/// runs the files named on its command line through the same harness once each, which is how
/// a crash libFuzzer saved is replayed without the fuzzing build. `--make-seeds DIR [ARG]`
/// writes the target's seed corpus (scripts/fuzz-seeds) in either build.
public enum FuzzDriver {
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    public static func main(_ testOneInput: TestOneInput, makeSeeds: (_ directory: String, _ argument: String?) throws -> Int) -> Never {
        let args = CommandLine.arguments
        if args.count >= 3, args[1] == "--make-seeds" {
            do {
                let count = try makeSeeds(args[2], args.count > 3 ? args[3] : nil)
                print("\(count) seeds written to \(args[2])")
                exit(0)
            } catch {
                complain("\(args[0]): cannot write the seeds: \(error)")
                exit(1)
            }
        }
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
        #else
        var ran = 0
        for path in args.dropFirst() {
            guard let bytes = SeedFiles.read(path) else {
                complain("\(args[0]): cannot read \(path)")
                exit(1)
            }
            _ = bytes.withUnsafeBufferPointer { testOneInput($0.baseAddress, $0.count) }
            ran += 1
        }
        print("\(ran) inputs ran without a crash (replay build; scripts/fuzz builds the fuzzer)")
        exit(0)
        #endif
    }
}

/// A line on standard error (file descriptor 2: `stderr` is a shared global to Swift 6).
private func complain(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

#if FUZZING
/// libFuzzer's entry when the program has its own main (libclang_rt.fuzzer_no_main).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzDriver.TestOneInput
) -> Int32
#endif
