import ArgumentParser
import Wire

struct Hivekeeper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hivekeeper",
        abstract: "The Windows registry, on Linux: read, recover and edit real hive files, and the live registry through hivekeeperd, with reg.exe's commands.",
        discussion: """
            reg.exe's switches (/s, /v NAME, /ve, /y, …) are accepted as exact tokens; `--` ends them.
            With --hive FILE, KEY is a path relative to the hive's root (\\ is the root); without it, \
            KEY is a live path (HKLM\\…, HKCU\\…, HKU\\…) served by hivekeeperd.
            Exit status: 0 success, 1 failure, 2 partial (something was left out; stderr says what).
            """,
        version: "hivekeeper \(ProductVersion.text)",
        subcommands: [QueryCommand.self, ExportCommand.self, InfoCommand.self, RecoverCommand.self, CheckCommand.self, AddCommand.self, DeleteCommand.self, ImportCommand.self, CopyCommand.self, CompareCommand.self, LoadCommand.self, UnloadCommand.self, SaveCommand.self, RestoreCommand.self, RenameCommand.self, WatchCommand.self, DemoCommand.self, SessionCommand.self, HandlesCommand.self, EventsCommand.self, ChaosCommand.self, DemoActorCommand.self]
    )
}
