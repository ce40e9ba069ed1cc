import ArgumentParser
import Foundation

// reg.exe's "/x" switches become long options before parsing (RegSwitches.swift), then each
// option's value is attached and a single-valued option given twice refused (ArgumentContract.swift).
let arguments: [String]
do {
    let names = Hivekeeper.configuration.subcommands.compactMap { $0.configuration.commandName }
    arguments = try ArgumentContract.apply(RegSwitches.translate(Array(CommandLine.arguments.dropFirst()), subcommands: names))
} catch {
    Diagnostics.say("ERROR: Invalid syntax. \(error.description)")
    exit(1)
}
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
    // The README's exit statuses are 0, 1 and 2: a usage error (ArgumentParser's 64) is a
    // failure like any other, said the same way, exit status 1.
    let status = Hivekeeper.exitCode(for: error).rawValue
    guard (0...2).contains(status) else {
        Diagnostics.say(Hivekeeper.fullMessage(for: error))
        exit(1)
    }
    Hivekeeper.exit(withError: error)
}
