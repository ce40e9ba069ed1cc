import ArgumentParser
import Foundation

/// `hivekeeper chaos`: faults on demand, for developers testing how their programs cope.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Faults on demand, for developers: meet what a logoff does to a leaking program without logging anyone off.",
        subcommands: [ForceUnload.self]
    )

    struct ForceUnload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "force-unload",
            abstract: "Unload USER's registry by force now and load it again (root only).",
            discussion: """
                Every handle and HKCU cache a program held into the user's hives fails from now on \
                with ERROR_KEY_DELETED (1018), as after the forced unload at the end of a logoff's \
                grace period; the user stays logged on and new opens work. Prints the references \
                it broke (as `hivekeeper handles` does); event 9610 lists them too.
                """
        )
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "The user whose hives to unload.") var user: String

        func run() async throws {
            try await daemon.run { client in
                printReferences(try await client.chaosForceUnload(user: user))
                return 0
            }
        }
    }
}
