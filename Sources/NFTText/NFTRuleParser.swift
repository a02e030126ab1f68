import NetworkAddresses
import RuleModel

/// Reads one rule's statements into a `Rule`, accepting both spellings: the one kube-proxy
/// writes (`mark and 0x4000 == 0`, `ip saddr != { … }`) and the one `nft list` prints back
/// (`meta mark & 0x00004000 == 0x00000000`, a one-element set as a plain comparison).
/// A comment goes last among the matches, as the layout places it. Counters are skipped:
/// the model has none.
struct NFTRuleParser {
    let family: TableFamily

    func rule(_ cursor: inout NFTCursor) throws(NFTCursor.Failure) -> Rule {
        var matches: [Match] = []
        var comment: Comment? = nil
        var verdict: Verdict? = nil
        while !cursor.atEnd {
            guard verdict == nil || cursor.peek?.isWord("comment") == true else {
                throw cursor.fail("nothing may follow the verdict but a comment")
            }
            guard let token = cursor.peek, token.kind == .word else { throw cursor.fail("expected a statement") }
            switch token.text {
            case "comment":
                _ = cursor.next()
                comment = Comment(try cursor.string("a comment"))
            case "counter":
                _ = cursor.next()
                while cursor.take("packets") || cursor.take("bytes") { _ = try cursor.word("a count") }
            case "ip", "ip6", "meta", "th":
                if cursor.peek(1)?.isWord("mark") == true {
                    _ = cursor.next()
                    try mark(&cursor, matches: &matches, verdict: &verdict)
                } else {
                    try fieldStatement(&cursor, matches: &matches, verdict: &verdict)
                }
            case "mark":
                try mark(&cursor, matches: &matches, verdict: &verdict)
            case "tcp", "udp", "sctp":
                let proto = NFTValues.l4Protocol(token.text)!
                _ = cursor.next()
                let source: Bool
                if cursor.take("dport") { source = false } else if cursor.take("sport") { source = true } else {
                    throw cursor.fail("expected dport or sport")
                }
                let negated = cursor.take("!=")
                let text = try cursor.word("a port")
                guard let range = NFTValues.portRange(text) else { throw failure(cursor, "not a port or port range", text) }
                matches.append(.l4Protocol(proto))
                matches.append(source ? .sourcePort(range, negated: negated) : .destinationPort(range, negated: negated))
            case "fib":
                _ = cursor.next()
                let direction: PacketDirection
                if cursor.take("saddr") { direction = .source } else if cursor.take("daddr") { direction = .destination } else {
                    throw cursor.fail("expected saddr or daddr")
                }
                try cursor.expect("type")
                let negated = cursor.take("!=")
                try cursor.expect("local")
                matches.append(.addressType(direction, .local, negated: negated))
            case "ct":
                _ = cursor.next()
                try cursor.expect("state")
                let negated = cursor.take("!=")
                var states: [ConntrackState] = []
                repeat {
                    let text = try cursor.word("a conntrack state")
                    guard let state = ConntrackState(rawValue: text.uppercased()) else {
                        throw failure(cursor, "unknown conntrack state", text)
                    }
                    states.append(state)
                } while cursor.take(.comma)
                matches.append(.conntrackState(states, negated: negated))
            case "update", "add":
                _ = cursor.next()
                let name = try setReference(&cursor)
                try cursor.expect(.open, "{")
                let fields = try self.fields(&cursor)
                try cursor.expect(.close, "}")
                matches.append(.updateSet(fields: fields, set: name))
            case "numgen":
                verdict = try randomChoice(&cursor)
            default:
                verdict = try plainVerdict(&cursor)
            }
        }
        if let comment { matches.append(.comment(comment)) }
        return Rule(matches, verdict)
    }

    // MARK: Fields and what follows them

    /// `ip saddr …`, `ip daddr . meta l4proto . th dport vmap @m`, `meta l4proto tcp`, `th dport 80`.
    private func fieldStatement(_ cursor: inout NFTCursor, matches: inout [Match], verdict: inout Verdict?) throws(NFTCursor.Failure) {
        let fields = try self.fields(&cursor)
        if cursor.take("vmap") {
            verdict = .verdictMap(fields: fields, map: try setReference(&cursor))
            return
        }
        let negated = cursor.take("!=")
        if cursor.peek?.kind == .word, cursor.peek!.text.hasPrefix("@") {
            matches.append(.inSet(fields: fields, set: try setReference(&cursor), negated: negated))
            return
        }
        guard fields.count == 1, let field = fields.first else { throw cursor.fail("a concatenation needs @set or vmap") }
        if cursor.take(.open) {
            var elements: [KeyComponent] = []
            repeat {
                let text = try cursor.word("a set element")
                guard let element = NFTValues.keyComponent(text, type: keyType(of: field)) else {
                    throw failure(cursor, "not a value for this field", text)
                }
                elements.append(element)
            } while cursor.take(.comma)
            try cursor.expect(.close, "}")
            matches.append(.inAnonymousSet(field: field, elements: elements, negated: negated))
            return
        }
        let text = try cursor.word("a value")
        switch field {
        case .sourceAddress, .destinationAddress:
            guard let address = NFTValues.address(text) else { throw failure(cursor, "not an address or prefix", text) }
            matches.append(field == .sourceAddress ? .source(address, negated: negated) : .destination(address, negated: negated))
        case .l4Protocol:
            guard !negated, let proto = NFTValues.l4Protocol(text) else { throw failure(cursor, "not a protocol", text) }
            matches.append(.l4Protocol(proto))
        case .sourcePort, .destinationPort:
            guard let range = NFTValues.portRange(text) else { throw failure(cursor, "not a port or port range", text) }
            matches.append(field == .sourcePort ? .sourcePort(range, negated: negated) : .destinationPort(range, negated: negated))
        }
    }

    /// Fields joined by `.`.
    func fields(_ cursor: inout NFTCursor) throws(NFTCursor.Failure) -> [PacketField] {
        var fields: [PacketField] = []
        repeat {
            fields.append(try field(&cursor))
        } while cursor.take(".")
        return fields
    }

    private func field(_ cursor: inout NFTCursor) throws(NFTCursor.Failure) -> PacketField {
        let start = cursor
        let head = try cursor.word("a packet field")
        let name = try cursor.word("a packet field")
        switch (head, name) {
        case ("ip", "saddr") where family != .ip6, ("ip6", "saddr") where family != .ip: return .sourceAddress
        case ("ip", "daddr") where family != .ip6, ("ip6", "daddr") where family != .ip: return .destinationAddress
        case ("meta", "l4proto"): return .l4Protocol
        case ("th", "sport"): return .sourcePort
        case ("th", "dport"): return .destinationPort
        default: throw start.fail("unknown or wrong-family packet field \(head) \(name)")
        }
    }

    private func keyType(of field: PacketField) -> SetDataType {
        switch field {
        case .sourceAddress, .destinationAddress: return family == .ip6 ? .ipv6Address : .ipv4Address
        case .l4Protocol: return .inetProto
        case .sourcePort, .destinationPort: return .inetService
        }
    }

    private func setReference(_ cursor: inout NFTCursor) throws(NFTCursor.Failure) -> ChainName {
        let text = try cursor.word("@name")
        guard text.hasPrefix("@"), text.count > 1 else { throw failure(cursor, "expected @name", text) }
        return ChainName(String(text.dropFirst()))
    }

    // MARK: Marks

    /// After `mark` (or `meta mark`): a match (`mark and M == V`, `& M == V`, `!= V`, `V`) or
    /// the statement `mark set mark or|xor|and …` (`meta mark set meta mark | …`).
    private func mark(_ cursor: inout NFTCursor, matches: inout [Match], verdict: inout Verdict?) throws(NFTCursor.Failure) {
        try cursor.expect("mark")
        if cursor.take("set") {
            _ = cursor.take("meta")
            try cursor.expect("mark")
            var andMask: MarkValue? = nil
            if cursor.take("and") || cursor.take("&") {
                andMask = try markValue(&cursor)
            }
            if cursor.take("or") || cursor.take("|") {
                guard andMask == nil else { throw cursor.fail("unsupported mark expression") }
                verdict = .setMark(.or(try markValue(&cursor)))
            } else if cursor.take("xor") || cursor.take("^") {
                let value = try markValue(&cursor)
                if let andMask {
                    verdict = .setMark(.set(value, mask: MarkValue(~andMask.value)))
                } else {
                    verdict = .setMark(.xor(value))
                }
            } else {
                throw cursor.fail("expected or, xor, |, ^")
            }
            return
        }
        var mask = MarkValue(.max)
        if cursor.take("and") || cursor.take("&") {
            mask = try markValue(&cursor)
            let negated = cursor.take("!=")
            if !negated { _ = cursor.take("==") }
            matches.append(.mark(try markValue(&cursor), mask: mask, negated: negated))
            return
        }
        let negated = cursor.take("!=")
        matches.append(.mark(try markValue(&cursor), mask: mask, negated: negated))
    }

    private func markValue(_ cursor: inout NFTCursor) throws(NFTCursor.Failure) -> MarkValue {
        let text = try cursor.word("a mark value")
        guard let value = MarkValue(parsing: text) else { throw failure(cursor, "not a mark value", text) }
        return value
    }

    // MARK: Verdicts

    /// `numgen random mod N vmap { 0 : goto A , 1 : goto B }`: targets must be 0 … N-1 in order.
    private func randomChoice(_ cursor: inout NFTCursor) throws(NFTCursor.Failure) -> Verdict {
        try cursor.expect("numgen")
        try cursor.expect("random")
        try cursor.expect("mod")
        let countText = try cursor.word("a modulus")
        guard let count = Int(countText), count > 0 else { throw failure(cursor, "not a modulus", countText) }
        try cursor.expect("vmap")
        try cursor.expect(.open, "{")
        var targets: [ChainName] = []
        repeat {
            let indexText = try cursor.word("an index")
            guard Int(indexText) == targets.count else { throw failure(cursor, "expected index \(targets.count)", indexText) }
            try cursor.expect(":")
            try cursor.expect("goto")
            targets.append(ChainName(try cursor.word("a chain name")))
        } while cursor.take(.comma)
        try cursor.expect(.close, "}")
        guard targets.count == count else { throw cursor.fail("numgen mod \(count) lists \(targets.count) targets") }
        return .randomChoice(targets)
    }

    /// Verdicts and the terminal statements (`dnat`, `masquerade`, `reject`).
    func plainVerdict(_ cursor: inout NFTCursor) throws(NFTCursor.Failure) -> Verdict {
        let text = try cursor.word("a verdict")
        switch text {
        case "accept": return .accept
        case "drop": return .drop
        case "return": return .return
        case "jump": return .jump(ChainName(try cursor.word("a chain name")))
        case "goto": return .goto(ChainName(try cursor.word("a chain name")))
        case "masquerade":
            if cursor.take("fully-random") || cursor.take("random-fully") { return .masquerade(randomFully: true) }
            return .masquerade(randomFully: false)
        case "dnat":
            if !cursor.take("to") {
                guard cursor.take("ip") || cursor.take("ip6") else { throw cursor.fail("expected to") }
                try cursor.expect("to")
            }
            let target = try cursor.word("a DNAT target")
            guard let (address, port) = NFTValues.dnatTarget(target) else { throw failure(cursor, "not a DNAT target", target) }
            return .dnat(address, port: port)
        case "reject":
            guard cursor.take("with") else { return .reject() }
            if cursor.take("tcp") {
                try cursor.expect("reset")
                return .reject(.tcpReset)
            }
            guard cursor.take("icmp") || cursor.take("icmpv6") || cursor.take("icmpx") else {
                throw cursor.fail("expected icmp, icmpv6 or tcp reset")
            }
            _ = cursor.take("type")
            let kind = try cursor.word("an ICMP type")
            switch kind {
            case "port-unreachable": return .reject(.portUnreachable)
            case "admin-prohibited": return .reject(.adminProhibited)
            default: throw failure(cursor, "unsupported reject type", kind)
            }
        default:
            cursor.position -= 1
            throw cursor.fail("unknown statement")
        }
    }

    private func failure(_ cursor: NFTCursor, _ message: String, _ token: String) -> NFTCursor.Failure {
        NFTCursor.Failure(line: cursor.tokens[max(0, cursor.position - 1)].line, message: message, token: token)
    }
}
