import ArgumentParser

// reg.exe's "/x" switches become long options before parsing (RegSwitches.swift).
let arguments = RegSwitches.translate(Array(CommandLine.arguments.dropFirst()))
Hivekeeper.main(arguments)
