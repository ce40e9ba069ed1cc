import ArgumentParser

// reg.exe's "/x" switches become long options before parsing (RegSwitches.swift).
let arguments = RegSwitches.translate(Array(CommandLine.arguments.dropFirst()))
// ArgumentParser's async entry point takes no arguments, so parse and run here (its documented
// pattern): the async subcommands (demo) are awaited, the others run as they are.
func runAsynchronously<C: AsyncParsableCommand>(_ command: C) async throws {
    var command = command
    try await command.run()
}

do {
    var command = try Hivekeeper.parseAsRoot(arguments)
    if let asynchronous = command as? any AsyncParsableCommand {
        try await runAsynchronously(asynchronous)
    } else {
        try command.run()
    }
} catch {
    Hivekeeper.exit(withError: error)
}
