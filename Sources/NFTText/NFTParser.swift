import NetworkAddresses
import RuleModel
import TextOutput

/// Reads nftables text into the typed model `KubeProxyNFTables` builds, in either form:
/// an `nft -f` script of `add …` commands (what kube-proxy and `packetpath compile
/// --backend nftables` write) or the block listing `nft list table|ruleset` prints.
///
/// Printing a parsed script gives the script back. A listing gives the same model as the
/// script it was loaded from up to what the kernel canonicalizes (see `NFTCanonicalForm`).
/// Only `ip` and `ip6` tables are read: each becomes a table of that family's ruleset.
public struct NFTParser: Sendable {
    public let sourceName: String

    public init(sourceName: String) {
        self.sourceName = sourceName
    }

    /// Whether `text` is nft text: its first significant word starts an nft command or a
    /// listing (`add table`, `table ip …`, `flush ruleset`, …). Reads only that far.
    public static func looksLikeRules(_ text: String) -> Bool {
        guard let line = firstSignificantLine(of: text) else { return false }
        let words = line.split(separator: " ", maxSplits: 2)
        guard words.count >= 2 else { return false }
        switch words[0] {
        case "table": return TableFamily(rawValue: String(words[1])) != nil
        case "add", "create", "flush", "delete":
            return ["table", "chain", "set", "map", "rule", "element", "ruleset"].contains(String(words[1]))
        default: return false
        }
    }

    public func parse(_ text: String) throws(NFTParseError) -> [Ruleset] {
        let tokens: [NFTToken]
        do {
            tokens = try NFTTokenizer.tokens(text)
        } catch {
            throw NFTParseError(source: sourceName, line: error.line, message: error.message, token: error.token)
        }
        var reader = Reader(cursor: NFTCursor(tokens[...], line: 1))
        do {
            try reader.read()
        } catch {
            throw NFTParseError(source: sourceName, line: error.line, message: error.message, token: error.token)
        }
        var byFamily: [IPFamily: [Table]] = [:]
        for builder in reader.tables {
            byFamily[builder.family == .ip ? .ipv4 : .ipv6, default: []].append(builder.table())
        }
        return byFamily.keys.sorted().map { Ruleset(family: $0, tables: byFamily[$0]!) }
    }
}

/// The statement reader for both forms, over one token stream.
private struct Reader {
    var cursor: NFTCursor
    var tables: [NFTTableBuilder] = []
    private var tableIndex: [String: Int] = [:]

    init(cursor: NFTCursor) {
        self.cursor = cursor
    }

    typealias Failure = NFTCursor.Failure

    mutating func read() throws(Failure) {
        while true {
            skipSeparators()
            guard let token = cursor.peek else { return }
            if token.isWord("table") {
                try listedTable()
            } else if token.isWord("add") || token.isWord("create") {
                _ = cursor.next()
                try command()
            } else {
                throw cursor.fail("expected a table block or an add command")
            }
        }
    }

    private mutating func skipSeparators() {
        while cursor.take(.newline) || cursor.take(.semicolon) {}
    }

    private mutating func endOfStatement() throws(Failure) {
        guard cursor.atEnd || cursor.take(.newline) || cursor.take(.semicolon) else {
            throw cursor.fail("unexpected text after the statement")
        }
    }

    // MARK: Tables

    /// `FAMILY NAME`: the table, created on first mention.
    private mutating func tableReference(create: Bool) throws(Failure) -> Int {
        let familyText = try cursor.word("a table family")
        guard let family = TableFamily(rawValue: familyText) else {
            cursor.position -= 1
            throw cursor.fail("unknown table family")
        }
        guard family == .ip || family == .ip6 else {
            cursor.position -= 1
            throw cursor.fail("only ip and ip6 tables are read (kube-proxy's families)")
        }
        let name = try cursor.word("a table name")
        let key = familyText + " " + name
        if let index = tableIndex[key] { return index }
        guard create else {
            cursor.position -= 1
            throw cursor.fail("table \(key) was not added before")
        }
        tableIndex[key] = tables.count
        tables.append(NFTTableBuilder(family: family, name: name))
        return tables.count - 1
    }

    // MARK: Script form

    private mutating func command() throws(Failure) {
        let object = try cursor.word("table, chain, set, map, rule or element")
        switch object {
        case "table":
            let table = try tableReference(create: true)
            if cursor.take(.open) {
                while true {
                    skipSeparators()
                    if cursor.take(.close) { break }
                    try cursor.expect("comment")
                    tables[table].comment = try cursor.string("a table comment")
                }
            }
        case "chain":
            let table = try tableReference(create: false)
            let name = ChainName(try cursor.word("a chain name"))
            var chain = Chain(name)
            if cursor.take(.open) { try chainBody(&chain, table: table, rulesAllowed: false) }
            tables[table].declare(chain)
        case "set", "map":
            let table = try tableReference(create: false)
            let name = ChainName(try cursor.word("a \(object) name"))
            try cursor.expect(.open, "{")
            try containerBody(name: name, isMap: object == "map", table: table)
        case "rule":
            let table = try tableReference(create: false)
            let chainToken = cursor.peek
            let chain = ChainName(try cursor.word("a chain name"))
            let start = cursor.position
            while let token = cursor.peek, token.kind != .newline { _ = cursor.next() }
            let rule = try ruleFrom(start..<cursor.position, table: table)
            guard tables[table].append(rule, to: chain) else {
                throw Failure(line: chainToken?.line ?? cursor.line, message: "rule for a chain not added before",
                              token: chainToken?.text)
            }
        case "element":
            let table = try tableReference(create: false)
            let name = ChainName(try cursor.word("a set or map name"))
            try cursor.expect(.open, "{")
            try elements(of: name, table: table)
        default:
            cursor.position -= 1
            throw cursor.fail("unsupported command")
        }
        try endOfStatement()
    }

    // MARK: Listing form

    private mutating func listedTable() throws(Failure) {
        try cursor.expect("table")
        let table = try tableReference(create: true)
        try cursor.expect(.open, "{")
        while true {
            skipSeparators()
            if cursor.take(.close) { return }
            let word = try cursor.word("comment, set, map or chain")
            switch word {
            case "comment":
                tables[table].comment = try cursor.string("a table comment")
            case "set", "map":
                let name = ChainName(try cursor.word("a \(word) name"))
                try cursor.expect(.open, "{")
                try containerBody(name: name, isMap: word == "map", table: table)
            case "chain":
                var chain = Chain(ChainName(try cursor.word("a chain name")))
                try cursor.expect(.open, "{")
                try chainBody(&chain, table: table, rulesAllowed: true)
                tables[table].declare(Chain(chain.name, attachment: chain.attachment, comment: chain.comment))
                for rule in chain.rules { _ = tables[table].append(rule, to: chain.name) }
            default:
                cursor.position -= 1
                throw cursor.fail("unsupported table item")
            }
        }
    }

    // MARK: Bodies

    /// After `{`: base-chain header (`type … hook … priority …; policy …;`), comment, and in a
    /// listing the rules, one a line; through the closing `}`.
    private mutating func chainBody(_ chain: inout Chain, table: Int, rulesAllowed: Bool) throws(Failure) {
        while true {
            skipSeparators()
            if cursor.take(.close) { return }
            guard let token = cursor.peek else { throw cursor.fail("expected }") }
            if token.isWord("type") {
                _ = cursor.next()
                chain.attachment = try attachment()
            } else if token.isWord("policy") {
                _ = cursor.next()
                let policy = try cursor.word("accept or drop")
                guard policy == "accept" || policy == "drop", chain.attachment != nil else {
                    cursor.position -= 1
                    throw cursor.fail("a policy needs a base chain and is accept or drop")
                }
                chain.attachment!.policyAccepts = policy == "accept"
            } else if token.isWord("comment"), cursor.peek(1)?.kind == .string,
                      [.newline, .semicolon, .close].contains(cursor.peek(2)?.kind) {
                _ = cursor.next()
                chain.comment = try cursor.string("a chain comment")
            } else if rulesAllowed {
                let start = cursor.position
                var depth = 0
                while let next = cursor.peek, next.kind != .newline, !(depth == 0 && next.kind == .close) {
                    if next.kind == .open { depth += 1 }
                    if next.kind == .close { depth -= 1 }
                    _ = cursor.next()
                }
                chain.rules.append(try ruleFrom(start..<cursor.position, table: table))
            } else {
                throw cursor.fail("expected type, policy or comment")
            }
        }
    }

    /// `TYPE hook HOOK [device DEV] priority PRIORITY`.
    private mutating func attachment() throws(Failure) -> BaseChainAttachment {
        let typeText = try cursor.word("a chain type")
        guard let type = ChainType(rawValue: typeText) else {
            cursor.position -= 1
            throw cursor.fail("unknown chain type")
        }
        try cursor.expect("hook")
        let hookText = try cursor.word("a hook")
        guard let hook = Hook.allCases.first(where: { $0.nftKeyword == hookText }) else {
            cursor.position -= 1
            throw cursor.fail("unknown hook")
        }
        if cursor.take("device") { _ = try cursor.word("a device") }
        try cursor.expect("priority")
        let priority = try self.priority()
        return BaseChainAttachment(hook: hook, priority: priority, type: type)
    }

    /// A number, or a standard name with an optional `+ N` / `- N`.
    private mutating func priority() throws(Failure) -> ChainPriority {
        let text = try cursor.word("a priority")
        if let value = Int32(text) { return ChainPriority(absolute: value) }
        guard let base = StandardPriority(rawValue: text) else {
            cursor.position -= 1
            throw cursor.fail("unknown priority")
        }
        for (sign, factor) in [("+", Int32(1)), ("-", Int32(-1))] where cursor.take(sign) {
            let offsetText = try cursor.word("a priority offset")
            guard let offset = Int32(offsetText) else {
                cursor.position -= 1
                throw cursor.fail("not a priority offset")
            }
            return ChainPriority(base, offset: factor * offset)
        }
        return ChainPriority(base)
    }

    /// After `{` of a set or map: its clauses through `}`. `size` is read and dropped (the
    /// kernel reports a default size for dynamic sets; the model keeps none).
    private mutating func containerBody(name: ChainName, isMap: Bool, table: Int) throws(Failure) {
        var types: [SetDataType] = []
        var flags: SetFlags = []
        var timeout: UInt32? = nil
        var comment: String? = nil
        var elements: ([SetElement], [VerdictMap.Entry]) = ([], [])
        while true {
            skipSeparators()
            if cursor.take(.close) { break }
            let clause = try cursor.word("a set or map clause")
            switch clause {
            case "type":
                types = []
                repeat {
                    let text = try cursor.word("a data type")
                    guard let type = SetDataType(rawValue: text) else { throw typeFailure("unsupported data type", text) }
                    types.append(type)
                } while cursor.take(".")
                if isMap {
                    try cursor.expect(":")
                    try cursor.expect("verdict")
                }
            case "flags":
                repeat {
                    let text = try cursor.word("a flag")
                    switch text {
                    case "constant": flags.insert(.constant)
                    case "interval": flags.insert(.interval)
                    case "timeout": flags.insert(.timeout)
                    case "dynamic": flags.insert(.dynamic)
                    default: throw typeFailure("unsupported flag", text)
                    }
                } while cursor.take(.comma)
            case "timeout":
                let text = try cursor.word("a duration")
                guard let seconds = NFTValues.seconds(text) else { throw typeFailure("not a duration", text) }
                timeout = seconds
            case "size", "gc-interval":
                _ = try cursor.word("a number")
            case "policy":
                _ = try cursor.word("a set policy")
            case "comment":
                comment = try cursor.string("a comment")
            case "elements":
                try cursor.expect("=")
                try cursor.expect(.open, "{")
                elements = try self.elements(types: types, isMap: isMap, family: tables[table].family)
            default:
                cursor.position -= 1
                throw cursor.fail("unsupported set or map clause")
            }
        }
        if isMap {
            tables[table].declare(VerdictMap(name: name, fields: [], keyTypes: types, entries: elements.1, comment: comment))
        } else {
            tables[table].declare(NamedSet(name: name, fields: [], keyTypes: types, elements: elements.0, flags: flags,
                                           timeoutSeconds: timeout, comment: comment))
        }
    }

    private func typeFailure(_ message: String, _ token: String) -> Failure {
        Failure(line: cursor.tokens[max(0, cursor.position - 1)].line, message: message, token: token)
    }

    /// `add element FAMILY TABLE NAME { … }`: the elements go to the declared set or map.
    private mutating func elements(of name: ChainName, table: Int) throws(Failure) {
        guard let (types, isMap) = tables[table].container(name) else {
            cursor.position -= 1
            throw cursor.fail("elements for a set or map not added before")
        }
        let (elements, entries) = try self.elements(types: types, isMap: isMap, family: tables[table].family)
        for element in elements { tables[table].add(element, to: name) }
        for entry in entries { tables[table].add(entry, to: name) }
    }

    /// After `{`: elements `KEY [comment "…"] [timeout …] [expires …] [: VERDICT]`, separated by
    /// commas (line ends allowed), through `}`. Timeouts of dynamic elements are dropped.
    private mutating func elements(types: [SetDataType], isMap: Bool, family: TableFamily)
        throws(Failure) -> ([SetElement], [VerdictMap.Entry])
    {
        var elements: [SetElement] = []
        var entries: [VerdictMap.Entry] = []
        cursor.skipNewlines()
        if cursor.take(.close) { return ([], []) }
        guard !types.isEmpty else { throw cursor.fail("elements before the type is declared") }
        let rules = NFTRuleParser(family: family)
        repeat {
            cursor.skipNewlines()
            var key: [KeyComponent] = []
            for (position, type) in types.enumerated() {
                if position > 0 { try cursor.expect(".") }
                let text = try cursor.word("a key value")
                guard let component = NFTValues.keyComponent(text, type: type) else { throw typeFailure("not a \(type.rawValue)", text) }
                key.append(component)
            }
            var comment: String? = nil
            while true {
                if cursor.take("comment") { comment = try cursor.string("an element comment") }
                else if cursor.take("timeout") || cursor.take("expires") { _ = try cursor.word("a duration") }
                else { break }
            }
            if isMap {
                try cursor.expect(":")
                entries.append(VerdictMap.Entry(key: key, verdict: try rules.plainVerdict(&cursor), comment: comment))
            } else {
                elements.append(SetElement(key, comment: comment))
            }
            cursor.skipNewlines()
        } while cursor.take(.comma)
        cursor.skipNewlines()
        try cursor.expect(.close, "}")
        return (elements, entries)
    }

    private mutating func ruleFrom(_ range: Range<Int>, table: Int) throws(Failure) -> Rule {
        guard !range.isEmpty else { throw cursor.fail("empty rule") }
        var ruleCursor = NFTCursor(cursor.tokens[range], line: cursor.tokens[range.lowerBound].line)
        return try NFTRuleParser(family: tables[table].family).rule(&ruleCursor)
    }
}
