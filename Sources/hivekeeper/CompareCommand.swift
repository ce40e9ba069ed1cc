import ArgumentParser
import HiveFormat
import RegText

/// reg.exe compare: "=" marks what matches, "<" what KEY1 has (or has differently), ">" what
/// KEY2 has; the result line, then exit status 0 identical, 2 different, 1 failure.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two keys' values (with /s, their subtrees), as reg.exe compare does.",
        discussion: """
            hivekeeper compare --hive FILE KEY1 [--hive2 FILE2] KEY2 [/v NAME | /ve] [/s] \
            [/oa | /od | /os | /on]. /od (the default) shows differences, /os matches, /oa both, \
            /on neither. Exit status: 0 identical, 2 different, 1 failure.
            """
    )

    @OptionGroup var hiveOptions: HiveOptions

    @Option(name: .customLong("hive2"), help: "The hive KEY2 is in (default: the --hive file).")
    var hive2: String?

    @Argument(help: "The first key, relative to the --hive root.")
    var key1: String

    @Argument(help: "The second key, relative to the --hive2 root (or the --hive one).")
    var key2: String

    @OptionGroup var valueName: ValueNameOptions

    @Flag(name: .customLong("recurse"), help: "Compare every subkey and value below the keys too (/s).")
    var recurse = false

    @Flag(help: ArgumentHelp("What to show (/oa all, /od differences, /os matches, /on nothing)."))
    var output: CompareOutput = .outputDifferences

    func validate() throws {
        if recurse && valueName.name != nil { throw ValidationError("/s cannot be combined with /v or /ve") }
    }

    func run() throws {
        try reporting(hiveOptions) {
            let first = try hiveOptions.open()
            var secondOptions = hiveOptions
            if let hive2 { secondOptions.hive = hive2 }
            let second = hive2 == nil ? first : try secondOptions.open()
            let left = KeyPath(key1), right = KeyPath(key2)
            let start1 = try first.key(at: left), start2 = try second.key(at: right)
            let out = Output.standardOutput()
            defer { try? out.close() }
            var comparison = KeyComparison(first: first, second: second, output: output, out: out)
            if let only = valueName.name.map({ RegistryName($0) }) {
                try comparison.compareValue(named: only, start1, left.display, start2, right.display)
            } else {
                try comparison.compareTrees(start1, left.display, start2, right.display, recurse: recurse)
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
    let first: Hive
    let second: Hive
    let output: CompareOutput
    let out: Output
    private(set) var different = false

    init(first: Hive, second: Hive, output: CompareOutput, out: Output) {
        self.first = first
        self.second = second
        self.output = output
        self.out = out
    }

    private struct Value {
        let name: RegistryName
        let type: UInt32
        let data: [UInt8]
    }

    mutating func compareValue(named name: RegistryName, _ key1: NamedKey, _ path1: [UInt16],
                               _ key2: NamedKey, _ path2: [UInt16]) throws {
        let a = try first.value(of: key1, named: name).map { try Self.load($0, first) }
        let b = try second.value(of: key2, named: name).map { try Self.load($0, second) }
        if a == nil && b == nil {
            throw CLIError("The system was unable to find the specified registry key or value.")
        }
        report(a, path1, b, path2)
    }

    mutating func compareTrees(_ start1: NamedKey, _ startPath1: [UInt16], _ start2: NamedKey,
                               _ startPath2: [UInt16], recurse: Bool) throws {
        var stack = [(start1, startPath1, start2, startPath2)]
        while let (key1, path1, key2, path2) = stack.popLast() {
            try compareValues(key1, path1, key2, path2)
            guard recurse else { continue }
            let children1 = try first.subkeys(of: key1), children2 = try second.subkeys(of: key2)
            var i = 0, j = 0
            var both: [(NamedKey, [UInt16], NamedKey, [UInt16])] = []
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
                    both.append((children1[i], p1, children2[j], joinPath(path2, children2[j].name.codeUnits)))
                    i += 1
                    j += 1
                }
            }
            stack.append(contentsOf: both.reversed())  // depth first, in name order
        }
    }

    private mutating func compareValues(_ key1: NamedKey, _ path1: [UInt16], _ key2: NamedKey,
                                        _ path2: [UInt16]) throws {
        var values1: [Value] = [], values2: [Value] = []
        try first.forEachValue(of: key1) { v throws(HiveError) in values1.append(try Self.load(v, first)) }
        try second.forEachValue(of: key2) { v throws(HiveError) in values2.append(try Self.load(v, second)) }
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

    private static func load(_ v: ValueKey, _ hive: Hive) throws(HiveError) -> Value {
        Value(name: v.name, type: v.type.rawValue, data: try hive.data(of: v).bytes)
    }

    private static func folded(_ name: RegistryName) -> [UInt16] { name.codeUnits.map(WindowsCase.upcase) }
}
