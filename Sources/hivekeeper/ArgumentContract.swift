import ArgumentParser
import Foundation

/// What reg.exe's command line promises beyond what ArgumentParser does by itself, applied to the
/// arguments (after RegSwitches) before parsing:
/// - an option that takes a value takes the next token as it is, whatever it looks like
///   (`/d -minimized` is data, as in reg.exe; `--` still ends the options);
/// - an option that takes one value may be given once: `/v A /d 1 /v B /d 2` or two `--hive`s
///   are an error, not the last one quietly winning.
/// Which options take a value, and which may repeat, comes from ArgumentParser's own
/// description of the commands (what `--experimental-dump-help` prints), so it cannot drift
/// from the declarations.
enum ArgumentContract {
    struct Violation: Error, CustomStringConvertible {
        let description: String
    }

    struct OptionInfo {
        let takesValue: Bool
        let repeats: Bool
    }

    /// The arguments with every option's value attached (`--data=-minimized`), or a violation.
    static func apply(_ arguments: [String]) throws(Violation) -> [String] {
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        // Cheap first: only a token that looks like an option after an option, or an option
        // seen twice, needs the commands' description.
        var seen = Set<String>()
        var needed = false
        for (i, token) in arguments[..<end].enumerated() where token.hasPrefix("--") {
            let name = optionName(token)
            if !seen.insert(name).inserted { needed = true }
            if !token.contains("="), i + 1 < end, arguments[i + 1].hasPrefix("-") { needed = true }
        }
        guard needed, let options = options(of: arguments) else { return arguments }

        var out: [String] = []
        var counts: [String: Int] = [:]
        var i = 0
        while i < end {
            let token = arguments[i]
            i += 1
            guard token.hasPrefix("--"), token != "--" else { out.append(token); continue }
            let name = optionName(token)
            guard let info = options[name] else { out.append(token); continue }
            if info.takesValue {
                counts[name, default: 0] += 1
                if counts[name]! > 1 && !info.repeats {
                    // compare names its second hive with --hive2: say so to whoever wrote --hive twice.
                    let second = options[name + "2"] != nil ? "; the second one is --\(name)2" : ""
                    throw Violation(description: "\(shown(name)) is given more than once; it takes one value\(second)")
                }
                // The next token is the value, whatever it looks like (but `--` ends the options).
                if !token.contains("="), i < end {
                    out.append("--\(name)=\(arguments[i])")
                    i += 1
                    continue
                }
            }
            out.append(token)
        }
        return out + arguments[end...]
    }

    /// `--data=x` → `data`.
    private static func optionName(_ token: String) -> String {
        String(token.dropFirst(2).prefix { $0 != "=" })
    }

    /// The reg.exe switch a long option stands for, beside it, when there is one.
    private static func shown(_ name: String) -> String {
        let switches = RegSwitches.table.filter { $0.value == "--\(name)" }.map(\.key).sorted()
        return switches.isEmpty ? "--\(name)" : "--\(name) (\(switches.joined(separator: ", ")))"
    }

    /// The long options of the (sub)command the arguments name, from ArgumentParser's
    /// description of the commands; nil when it cannot be had (then nothing is changed).
    static func options(of arguments: [String]) -> [String: OptionInfo]? {
        guard let root = description()?["command"] as? [String: Any] else { return nil }
        var command = root
        for token in arguments {
            let subcommands = command["subcommands"] as? [[String: Any]] ?? []
            guard let next = subcommands.first(where: { $0["commandName"] as? String == token }) else { break }
            command = next
        }
        var options: [String: OptionInfo] = [:]
        for argument in command["arguments"] as? [[String: Any]] ?? [] {
            let kind = argument["kind"] as? String
            guard kind == "option" || kind == "flag" else { continue }
            let info = OptionInfo(takesValue: kind == "option", repeats: argument["isRepeating"] as? Bool ?? false)
            for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
                if let n = name["name"] as? String { options[n] = info }
            }
        }
        return options
    }

    private static func description() -> [String: Any]? {
        do {
            _ = try Hivekeeper.parseAsRoot(["--experimental-dump-help"])
            return nil
        } catch {
            let json = Hivekeeper.fullMessage(for: error)
            return (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        }
    }
}
