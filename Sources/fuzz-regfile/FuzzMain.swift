import FuzzHarness

/// libFuzzer target (scripts/fuzz regfile); in the normal build, a replayer of saved inputs.
@main
enum FuzzMain {
    static func main() {
        FuzzDriver.main({ data, size in
            RegFileFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }, makeSeeds: RegFileSeeds.make)
    }
}
