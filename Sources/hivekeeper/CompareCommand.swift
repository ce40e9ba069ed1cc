import ArgumentParser
import HiveFormat
import RegText
import RegistryClient

/// reg.exe compare: "=" marks what matches, "<" what KEY1 has (or has differently), ">" what
/// KEY2 has; the result line, then exit status 0 identical, 2 different, 1 failure.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two keys' values (with /s, their subtrees), as reg.exe compare does.",
        discussion: """
            hivekeeper compare [--hive FILE] KEY1 [--hive2 FILE2] KEY2 [/v NAME | /ve] [/s] \
            [/oa | /od | /os | /on]. Without --hive, KEY1 is a live key (HKLM\\…, HKCU\\…) read \
            through hivekeeperd; KEY2 is where KEY1 is unless --hive2 names a file (so a live key \
            can be compared with a saved hive). /od (the default) shows differences, /os matches, \
            /oa both, /on neither. Exit status: 0 identical, 2 different, 1 failure.
            """
    )

    @OptionGroup var hiveOptions: HiveOptions
    @OptionGroup var daemon: DaemonOptions

    @Option(name: .customLong("hive2"), help: "The hive file KEY2 is in (default: where KEY1 is).")
    var hive2: String?

    @Argument(help: "The first key: relative to the --hive root, or a live path.")
    var key1: String

    @Argument(help: "The second key: relative to the --hive2 (or --hive) root, or a live path.")
    var key2: String

    @OptionGroup var valueName: ValueNameOptions

    @Flag(name: .customLong("recurse"), help: "Compare every subkey and value below the keys too (/s).")
    var recurse = false

    @Flag(help: ArgumentHelp("What to show (/oa all, /od differences, /os matches, /on nothing)."))
    var output: CompareOutput = .outputDifferences

    func validate() throws {
        if recurse && valueName.name != nil { throw ValidationError("/s cannot be combined with /v or /ve") }
    }

    func run() async throws {
        try await reportingOnline(hiveOptions) {
            var client: RegistryClient?
            defer { client?.close() }
            func live(_ text: String) async throws -> (any TreeSource, TreeKey, [UInt16]) {
                let path = try LivePath(text)
                if client == nil { client = try await daemon.connect() }
                return (LiveSource(client: client!), .live(path.root, path.subkeyName), Array(path.display.utf16))
            }
            func offline(_ options: HiveOptions, _ text: String) throws -> (any TreeSource, TreeKey, [UInt16]) {
                let hive = try options.open()
                let path = KeyPath(text)
                return (HiveSource(hive: hive), .cell(try hive.key(at: path)), path.display)
            }
            let (first, start1, left) = hiveOptions.hive == nil ? try await live(key1) : try offline(hiveOptions, key1)
            let (second, start2, right): (any TreeSource, TreeKey, [UInt16])
            if let hive2 {
                var options = hiveOptions
                options.hive = hive2
                (second, start2, right) = try offline(options, key2)
            } else if hiveOptions.hive == nil {
                (second, start2, right) = try await live(key2)
            } else {
                let path = KeyPath(key2)
                guard let hiveSource = first as? HiveSource else { throw CLIError("internal: no hive") }
                (second, start2, right) = (first, .cell(try hiveSource.hive.key(at: path)), path.display)
            }
            let out = Output.standardOutput()
            defer { try? out.close() }
            var comparison = KeyComparison(first: first, second: second, output: output, out: out)
            if let only = valueName.name.map({ RegistryName($0) }) {
                try await comparison.compareValue(named: only, start1, left, start2, right)
            } else {
                try await comparison.compareTrees(start1, left, start2, right, recurse: recurse)
            }
            out.line("")
            out.line("Result Compared: \(comparison.different ? "Different" : "Identical")")
            out.line("The operation completed successfully.")
            return comparison.different ? 2 : 0
        }
    }
}

enum CompareOutput: String, EnumerableFlag {
    case outputAll, outputDifferences, outputSame, outputNone

    var showsDifferences: Bool { self == .outputAll || self == .outputDifferences }
    var showsMatches: Bool { self == .outputAll || self == .outputSame }
}

/// The walk behind compare: values matched by name with Windows' case folding, subkeys merged
/// from the two sorted lists.
private struct KeyComparison {
    let first: any TreeSource
    let second: any TreeSource
    let output: CompareOutput
    let out: Output
    private(set) var different = false

    init(first: any TreeSource, second: any TreeSource, output: CompareOutput, out: Output) {
        self.first = first
        self.second = second
        self.output = output
        self.out = out
    }

    private typealias Value = TreeValue

    mutating func compareValue(named name: RegistryName, _ key1: TreeKey, _ path1: [UInt16],
                               _ key2: TreeKey, _ path2: [UInt16]) async throws {
        let a = try await first.value(of: key1, named: name)
        let b = try await second.value(of: key2, named: name)
        if a == nil && b == nil {
            throw CLIError("The system was unable to find the specified registry key or value.")
        }
        report(a, path1, b, path2)
    }

    mutating func compareTrees(_ start1: TreeKey, _ startPath1: [UInt16], _ start2: TreeKey,
                               _ startPath2: [UInt16], recurse: Bool) async throws {
        var stack = [(start1, startPath1, start2, startPath2)]
        while let (key1, path1, key2, path2) = stack.popLast() {
            guard recurse else {
                compareValues(try await first.values(of: key1), path1, try await second.values(of: key2), path2)
                continue
            }
            let (values1, children1) = try await first.contents(of: key1)
            let (values2, children2) = try await second.contents(of: key2)
            compareValues(values1, path1, values2, path2)
            var i = 0, j = 0
            var both: [(TreeKey, [UInt16], TreeKey, [UInt16])] = []
            while i < children1.count || j < children2.count {
                let order = i == children1.count ? 1 : j == children2.count ? -1
                    : WindowsCase.compare(children1[i].name.codeUnits, children2[j].name.codeUnits)
                if order < 0 {
                    keyLine("<", joinPath(path1, children1[i].name.codeUnits), differs: true)
                    i += 1
                } else if order > 0 {
                    keyLine(">", joinPath(path2, children2[j].name.codeUnits), differs: true)
                    j += 1
                } else {
                    let p1 = joinPath(path1, children1[i].name.codeUnits)
                    keyLine("=", p1, differs: false)
                    both.append((children1[i].key, p1, children2[j].key, joinPath(path2, children2[j].name.codeUnits)))
                    i += 1
                    j += 1
                }
            }
            stack.append(contentsOf: both.reversed())  // depth first, in name order
        }
    }

    private mutating func compareValues(_ values1: [TreeValue], _ path1: [UInt16], _ values2: [TreeValue],
                                        _ path2: [UInt16]) {
        var index2: [[UInt16]: Int] = [:]
        for (n, v) in values2.enumerated() { index2[Self.folded(v.name)] = n }
        var matched = Set<Int>()
        for v in values1 {
            let n = index2[Self.folded(v.name)]
            if let n { matched.insert(n) }
            report(v, path1, n.map { values2[$0] }, path2)
        }
        for (n, v) in values2.enumerated() where !matched.contains(n) { report(nil, path1, v, path2) }
    }

    private mutating func report(_ a: Value?, _ path1: [UInt16], _ b: Value?, _ path2: [UInt16]) {
        if let a, let b, a.type == b.type, a.data == b.data {
            if output.showsMatches { valueLine("=", path1, a) }
            return
        }
        different = true
        guard output.showsDifferences else { return }
        if let a { valueLine("<", path1, a) }
        if let b { valueLine(">", path2, b) }
    }

    private func valueLine(_ mark: String, _ path: [UInt16], _ v: Value) {
        let name = v.name.isEmpty ? "(Default)" : v.name.description
        let text = v.data.withUnsafeBytes { ValueText.queryText(type: v.type, data: $0) }
        out.line("\(mark) Value: \(displayName(path))  \(name)  \(RegistryValueType(v.type))  \(text)")
    }

    private mutating func keyLine(_ mark: String, _ path: [UInt16], differs: Bool) {
        if differs { different = true }
        if differs ? output.showsDifferences : output.showsMatches { out.line("\(mark) Key: \(displayName(path))") }
    }

    private static func folded(_ name: RegistryName) -> [UInt16] { name.codeUnits.map(WindowsCase.upcase) }
}
