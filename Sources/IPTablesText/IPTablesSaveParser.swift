import NetworkAddresses
import RuleModel
import TextOutput

/// Reads iptables-save output and iptables-restore input into rulesets.
///
/// Both spellings are accepted: kube-proxy's restore payload (`:CHAIN - [0:0]`, `-A` rules with
/// options in emission order) and a live `iptables-save`/`ip6tables-save` dump (`#` lines,
/// built-in chains with policies and counters, `[packets:bytes]` rule prefixes, kernel option
/// order, `/32` hosts, quoted comments, `--set-xmark`, `--reject-with`, 11-digit probabilities,
/// recent's `--mask ... --rsource`). Built-in chains become base chains attached to their hook;
/// user chains stay regular chains, in the order they were declared.
///
/// Text holding both families one after the other (packetpath's two-family output, or an
/// iptables-save dump followed by an ip6tables-save dump) yields one ruleset per family: a
/// table name seen a second time starts the next ruleset.
public struct IPTablesSaveParser: Sendable {
    public var sourceName: String
    /// The family the text is for; nil infers it from the addresses (IPv4 when there are none).
    public var family: IPFamily?

    public init(sourceName: String = "<input>", family: IPFamily? = nil) {
        self.sourceName = sourceName
        self.family = family
    }

    /// Whether `text` is iptables text rather than YAML or JSON: its first line that is not
    /// blank or a `#` comment opens a table (`*nat`).
    public static func looksLikeRules(_ text: String) -> Bool {
        guard let line = firstSignificantLine(of: text), line.hasPrefix("*") else { return false }
        let name = line.dropFirst().prefix { $0 != " " && $0 != "\t" && $0 != "\r" }
        return !name.isEmpty && name.allSatisfy { $0.isLetter }
    }

    /// Parses text holding exactly one family.
    public func parseOne(_ text: String) throws -> Ruleset {
        let rulesets = try parse(text)
        guard rulesets.count == 1 else {
            throw IPTablesParseError(source: sourceName, line: 1, message: "expected the rules of one IP family, found \(rulesets.count) sets of tables", text: "")
        }
        return rulesets[0]
    }

    public func parse(_ text: String) throws -> [Ruleset] {
        var document = DocumentBuilder(sourceName: sourceName, family: family)
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var content = line
            if content.hasSuffix("\r") { content = content.dropLast() }
            do {
                try document.take(content)
            } catch let error as RuleSyntaxError {
                throw IPTablesParseError(source: sourceName, line: lineNumber, message: error.message, text: String(content))
            } catch is LineTokenizer.UnterminatedQuote {
                throw IPTablesParseError(source: sourceName, line: lineNumber, message: "unterminated quote or trailing backslash", text: String(content))
            }
            document.lineNumber = lineNumber
        }
        return try document.finish(lastLine: lineNumber)
    }
}

/// The state of a parse: finished rulesets, the tables of the current one, the open table.
private struct DocumentBuilder {
    let sourceName: String
    let family: IPFamily?
    var lineNumber = 0

    private var finished: [Ruleset] = []
    private var tables: [Table] = []
    private var families: Set<IPFamily> = []
    private var firstFamilyLine = 0
    private var open: OpenTable?

    init(sourceName: String, family: IPFamily?) {
        self.sourceName = sourceName
        self.family = family
    }

    private struct OpenTable {
        var name: String
        var line: Int
        var chains: [Chain] = []
        var index: [ChainName: Int] = [:]
    }

    mutating func take(_ line: Substring) throws {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return }
        if trimmed.hasPrefix("*") {
            if let open { throw RuleSyntaxError("table \(open.name) (line \(open.line)) was not closed with COMMIT") }
            let name = String(trimmed.dropFirst()).trimmingTrailingBlanks()
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                throw RuleSyntaxError("'\(trimmed)' is not a table name")
            }
            // A table seen again starts the next family's rules.
            if tables.contains(where: { $0.name == name }) { try closeRuleset() }
            open = OpenTable(name: name, line: lineNumber + 1)
            return
        }
        guard var table = open else { throw RuleSyntaxError("a line outside any table (no '*table' line before it)") }
        // Hold the only reference while changing it: a second one would copy every chain per line.
        open = nil
        if trimmed.trimmingTrailingBlanksSubstring() == "COMMIT" {
            tables.append(Table(table.name, chains: table.chains))
            return
        }
        defer { open = table }
        if trimmed.hasPrefix(":") {
            try declare(trimmed.dropFirst(), in: &table)
            return
        }
        var words = try LineTokenizer.words(trimmed)
        // iptables-save -c prefixes rules with their counters.
        if let first = words.first, first.hasPrefix("["), first.hasSuffix("]") { words.removeFirst() }
        guard let command = words.first else { return }
        switch command {
        case "-A", "--append", "-I", "--insert":
            guard words.count >= 2 else { throw RuleSyntaxError("\(command) needs a chain name") }
            let chain = ChainName(words[1])
            var rest = words[2...]
            var position: Int?
            if command == "-I" || command == "--insert" {
                position = 1
                if let number = rest.first.flatMap({ Int($0) }) {
                    position = number
                    rest = rest.dropFirst()
                }
            }
            let (rule, ruleFamilies) = try RuleOptionParser.parse(rest)
            try note(ruleFamilies)
            let index = try chainIndex(chain, in: &table)
            if let position {
                guard position >= 1, position <= table.chains[index].rules.count + 1 else {
                    throw RuleSyntaxError("rule position \(position) is past the end of chain \(chain)")
                }
                table.chains[index].rules.insert(rule, at: position - 1)
            } else {
                table.chains[index].rules.append(rule)
            }
        case "-N", "--new-chain":
            guard words.count == 2 else { throw RuleSyntaxError("-N needs exactly one chain name") }
            try addChain(ChainName(words[1]), attachment: nil, in: &table)
        case "-X", "--delete-chain":
            // kube-proxy deletes stale service chains this way (after declaring them).
            guard words.count == 2 else { throw RuleSyntaxError("-X needs exactly one chain name") }
            let name = ChainName(words[1])
            guard let index = table.index[name] else { throw RuleSyntaxError("-X \(name): no such chain") }
            table.chains.remove(at: index)
            table.index = Dictionary(uniqueKeysWithValues: table.chains.enumerated().map { ($1.name, $0) })
        case "-F", "--flush":
            if words.count == 1 {
                for index in table.chains.indices { table.chains[index].rules.removeAll() }
            } else {
                table.chains[try chainIndex(ChainName(words[1]), in: &table)].rules.removeAll()
            }
        default:
            throw RuleSyntaxError("unknown command '\(command)' (expected -A, -I, -N, -X, -F, a ':CHAIN' line or COMMIT)")
        }
    }

    /// `:NAME POLICY [packets:bytes]`: policy `-` for user chains, ACCEPT or DROP for built-ins.
    private func declare(_ text: Substring, in table: inout OpenTable) throws {
        let words = try LineTokenizer.words(text)
        guard words.count == 2 || words.count == 3 else {
            throw RuleSyntaxError("a chain line needs a name, a policy and optionally [packets:bytes]")
        }
        if words.count == 3 {
            let counters = words[2]
            let inner = counters.dropFirst().dropLast().split(separator: ":", omittingEmptySubsequences: false)
            guard counters.hasPrefix("["), counters.hasSuffix("]"), inner.count == 2,
                  inner.allSatisfy({ UInt64($0) != nil }) else {
                throw RuleSyntaxError("'\(counters)' is not a [packets:bytes] counter")
            }
        }
        let name = words[0]
        switch words[1] {
        case "-":
            try addChain(ChainName(name), attachment: nil, in: &table)
        case "ACCEPT", "DROP":
            guard let attachment = BuiltinChains.attachment(table: table.name, chain: name, policyAccepts: words[1] == "ACCEPT") else {
                throw RuleSyntaxError("chain \(name) has a policy but is not a built-in chain of table \(table.name)")
            }
            try addChain(ChainName(name), attachment: attachment, in: &table)
        default:
            throw RuleSyntaxError("chain policy '\(words[1])' is not ACCEPT, DROP or -")
        }
    }

    private func addChain(_ name: ChainName, attachment: BaseChainAttachment?, in table: inout OpenTable) throws {
        if table.index[name] != nil { throw RuleSyntaxError("chain \(name) is declared twice") }
        table.index[name] = table.chains.count
        table.chains.append(Chain(name, attachment: attachment))
    }

    /// The chain a rule is added to. Built-in chains need no declaration in restore input.
    private func chainIndex(_ name: ChainName, in table: inout OpenTable) throws -> Int {
        if let index = table.index[name] { return index }
        guard let attachment = BuiltinChains.attachment(table: table.name, chain: name.description) else {
            throw RuleSyntaxError("chain \(name) is not declared in table \(table.name)")
        }
        try addChain(name, attachment: attachment, in: &table)
        return table.index[name]!
    }

    private mutating func note(_ ruleFamilies: Set<IPFamily>) throws {
        if families.isEmpty && !ruleFamilies.isEmpty { firstFamilyLine = lineNumber + 1 }
        families.formUnion(ruleFamilies)
        if families.count > 1 {
            throw RuleSyntaxError("mixes IPv4 and IPv6 addresses (the first address of the other family is on line \(firstFamilyLine))")
        }
        if let family, let seen = families.first, seen != family {
            throw RuleSyntaxError("has an \(seen.rawValue) address in \(family.rawValue) rules")
        }
    }

    private mutating func closeRuleset() throws {
        finished.append(Ruleset(family: family ?? families.first ?? .ipv4, tables: tables))
        tables = []
        families = []
    }

    mutating func finish(lastLine: Int) throws -> [Ruleset] {
        if let open {
            throw IPTablesParseError(source: sourceName, line: lastLine,
                                     message: "table \(open.name) (line \(open.line)) has no COMMIT", text: "")
        }
        guard !tables.isEmpty || finished.isEmpty == false else {
            throw IPTablesParseError(source: sourceName, line: lastLine, message: "no tables (no '*table' line)", text: "")
        }
        if !tables.isEmpty { try closeRuleset() }
        return finished
    }
}

extension Substring {
    func trimmingTrailingBlanksSubstring() -> Substring {
        var text = self
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}

extension String {
    func trimmingTrailingBlanks() -> String {
        var text = self
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
