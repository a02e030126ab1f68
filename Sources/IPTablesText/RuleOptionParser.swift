import NetworkAddresses
import RuleModel

/// What is wrong with one rule; the document parser adds the file and line.
struct RuleSyntaxError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Turns the words of one rule (everything after `-A CHAIN`) into a `Rule`.
///
/// Accepts both spellings of a rule: kube-proxy's restore text (`-m tcp -p tcp -d 10.96.0.1
/// --dport 80`, options in emission order) and iptables-save's (`-d 10.96.0.1/32 -p tcp -m tcp
/// --dport 80`, header options first). Anything the rule model cannot hold is an error rather
/// than being dropped, so a diff never silently ignores part of a rule.
struct RuleOptionParser {
    private var matches: [Match] = []
    private var verdict: Verdict?
    private var l4: L4Protocol?
    /// Whether `-p` itself was given (a `-m tcp` alone is not enough for iptables).
    private var protocolOptionSeen = false
    private var context: Context = .none
    private var statistic = PendingStatistic()
    private var recent = PendingRecent()
    private var target = PendingTarget()
    /// Families of the addresses in the rule, for the caller's consistency check.
    private(set) var families: Set<IPFamily> = []

    private enum Context: Equatable {
        case none
        case module(String)
        case target(String)
    }

    static let l4Modules: [String: L4Protocol] = ["tcp": .tcp, "udp": .udp, "sctp": .sctp]
    private static let modules: Set<String> = ["comment", "tcp", "udp", "sctp", "addrtype", "conntrack",
                                               "mark", "statistic", "recent"]

    static func parse(_ words: ArraySlice<String>) throws -> (Rule, Set<IPFamily>) {
        var parser = RuleOptionParser()
        try parser.run(words)
        return (Rule(parser.matches, parser.verdict), parser.families)
    }

    private mutating func run(_ words: ArraySlice<String>) throws {
        var index = words.startIndex
        var negated = false
        func value(after option: String) throws -> String {
            index += 1
            guard index < words.endIndex else { throw RuleSyntaxError("option \(option) needs a value") }
            return words[index]
        }
        while index < words.endIndex {
            let word = words[index]
            if word == "!" {
                if negated { throw RuleSyntaxError("'!' given twice") }
                negated = true
                index += 1
                continue
            }
            switch word {
            case "-s", "--source", "--src":
                matches.append(.source(try address(try value(after: word)), negated: negated))
            case "-d", "--destination", "--dst":
                matches.append(.destination(try address(try value(after: word)), negated: negated))
            case "-p", "--protocol":
                if negated { throw RuleSyntaxError("a negated protocol (! -p) is not supported by the rule model") }
                try useProtocol(try protocolValue(try value(after: word)), option: true)
            case "-m", "--match":
                if negated { throw RuleSyntaxError("'!' cannot precede -m") }
                try enterModule(try value(after: word))
            case "-j", "--jump":
                if negated { throw RuleSyntaxError("'!' cannot precede -j") }
                try enterTarget(try value(after: word), goto: false)
            case "-g", "--goto":
                if negated { throw RuleSyntaxError("'!' cannot precede -g") }
                try enterTarget(try value(after: word), goto: true)
            case "-i", "--in-interface", "-o", "--out-interface":
                throw RuleSyntaxError("interface matches (\(word)) are not supported by the rule model")
            case "-f", "--fragment":
                throw RuleSyntaxError("fragment matches (\(word)) are not supported by the rule model")
            default:
                guard word.hasPrefix("--") else { throw RuleSyntaxError("unexpected word '\(word)'") }
                try option(word, negated: negated) { try value(after: word) }
            }
            negated = false
            index += 1
        }
        if negated { throw RuleSyntaxError("'!' at the end of the rule") }
        try leaveContext()
        if l4 != nil && !protocolOptionSeen {
            throw RuleSyntaxError("-m \(l4!.rawValue) needs -p \(l4!.rawValue)")
        }
    }

    // MARK: header options

    private mutating func address(_ text: String) throws -> AddressMatch {
        guard let slash = text.firstIndex(of: "/") else {
            guard let address = IPAddress(text) else { throw RuleSyntaxError("'\(text)' is not an IP address") }
            families.insert(address.family)
            return .host(address)
        }
        guard let address = IPAddress(text[..<slash]) else { throw RuleSyntaxError("'\(text)' is not an address/prefix") }
        families.insert(address.family)
        let maskText = text[text.index(after: slash)...]
        if let length = Int(maskText), String(length) == maskText, let prefix = IPPrefix(address: address, length: length) {
            return .prefix(prefix)
        }
        // A netmask written as an address (`/255.255.0.0`) must be contiguous ones.
        if let mask = IPAddress(maskText), mask.family == address.family {
            var bits: [Bool] = []
            for byte in mask.bytes {
                for bit in 0..<8 { bits.append(byte & (UInt8(0x80) >> UInt8(bit)) != 0) }
            }
            let length = bits.firstIndex(of: false) ?? bits.count
            if !bits[length...].contains(true), let prefix = IPPrefix(address: address, length: length) {
                return .prefix(prefix)
            }
        }
        throw RuleSyntaxError("'\(text)' has an invalid prefix length or mask")
    }

    private func protocolValue(_ text: String) throws -> L4Protocol {
        switch text.lowercased() {
        case "tcp", "6": return .tcp
        case "udp", "17": return .udp
        case "sctp", "132": return .sctp
        default: throw RuleSyntaxError("protocol '\(text)' is not supported by the rule model (tcp, udp, sctp)")
        }
    }

    /// `-p P` and `-m P` together are one `.l4Protocol` match, placed where the first of them appears.
    private mutating func useProtocol(_ proto: L4Protocol, option: Bool) throws {
        if let l4, l4 != proto {
            throw RuleSyntaxError("-m \(option ? l4.rawValue : proto.rawValue) contradicts -p \(option ? proto.rawValue : l4.rawValue)")
        }
        if option {
            if protocolOptionSeen { throw RuleSyntaxError("-p given twice") }
            protocolOptionSeen = true
        }
        if l4 == nil {
            l4 = proto
            matches.append(.l4Protocol(proto))
        } else if !option, let index = matches.firstIndex(of: .l4Protocol(proto)) {
            // iptables-save puts `-p` up front but the protocol's module where it was loaded;
            // the model keeps the module's position, which is what both printers need.
            matches.append(matches.remove(at: index))
        }
    }

    // MARK: modules

    private mutating func enterModule(_ name: String) throws {
        try leaveContext()
        guard RuleOptionParser.modules.contains(name) else {
            throw RuleSyntaxError("match module -m \(name) is not supported by the rule model")
        }
        if let proto = RuleOptionParser.l4Modules[name] { try useProtocol(proto, option: false) }
        context = .module(name)
    }

    private mutating func option(_ option: String, negated: Bool, value: () throws -> String) throws {
        switch context {
        case .module(let module):
            if try moduleOption(module, option, negated: negated, value: value) { return }
        case .target(let name):
            if try targetOption(name, option, negated: negated, value: value) { return }
        case .none:
            break
        }
        // iptables loads the protocol's match implicitly for port options (`-p tcp --dport 80`).
        if l4 != nil, try portOption(option, negated: negated, value: value) { return }
        switch context {
        case .module(let module): throw RuleSyntaxError("unknown option \(option) for -m \(module)")
        case .target(let name): throw RuleSyntaxError("unknown option \(option) for -j \(name)")
        case .none: throw RuleSyntaxError("unknown option \(option)")
        }
    }

    /// Returns false when `option` is not one of `module`'s.
    private mutating func moduleOption(_ module: String, _ option: String, negated: Bool,
                                       value: () throws -> String) throws -> Bool {
        func noNegation() throws {
            if negated { throw RuleSyntaxError("\(option) cannot be negated") }
        }
        switch (module, option) {
        case ("comment", "--comment"):
            try noNegation()
            matches.append(.comment(Comment(try value())))
        case ("tcp", _), ("udp", _), ("sctp", _):
            return try portOption(option, negated: negated, value: value)
        case ("addrtype", "--src-type"), ("addrtype", "--dst-type"):
            let text = try value()
            guard let type = AddressType(rawValue: text) else {
                throw RuleSyntaxError("address type \(text) is not supported by the rule model (LOCAL)")
            }
            matches.append(.addressType(option == "--src-type" ? .source : .destination, type, negated: negated))
        case ("conntrack", "--ctstate"):
            let states = try value().split(separator: ",").map { name -> ConntrackState in
                guard let state = ConntrackState(rawValue: String(name)) else {
                    throw RuleSyntaxError("unknown conntrack state \(name)")
                }
                return state
            }
            matches.append(.conntrackState(states, negated: negated))
        case ("mark", "--mark"):
            let text = try value()
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            let mark = try markValue(parts[0])
            let mask = parts.count == 2 ? try markValue(parts[1]) : MarkValue(UInt32.max)
            matches.append(.mark(mark, mask: mask, negated: negated))
        case ("statistic", "--mode"):
            try noNegation()
            let mode = try value()
            guard mode == "random" else { throw RuleSyntaxError("statistic mode \(mode) is not supported by the rule model (random)") }
            statistic.randomMode = true
        case ("statistic", "--probability"):
            try noNegation()
            let text = try value()
            guard let probability = StatisticProbability.parse(text) else {
                throw RuleSyntaxError("'\(text)' is not a probability between 0 and 1")
            }
            statistic.probability = probability
        case ("recent", _):
            try noNegation()
            try recent.take(option, value: value)
        default:
            return false
        }
        return true
    }

    private mutating func portOption(_ option: String, negated: Bool, value: () throws -> String) throws -> Bool {
        switch option {
        case "--dport", "--destination-port":
            matches.append(.destinationPort(try portRange(try value()), negated: negated))
        case "--sport", "--source-port":
            matches.append(.sourcePort(try portRange(try value()), negated: negated))
        default:
            return false
        }
        return true
    }

    private func portRange(_ text: String) throws -> PortRange {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = UInt16(parts[0]) else { throw RuleSyntaxError("'\(text)' is not a port or port range") }
        guard parts.count == 2 else { return PortRange(first) }
        guard let last = UInt16(parts[1]), let range = PortRange(first: first, last: last) else {
            throw RuleSyntaxError("'\(text)' is not a port or port range")
        }
        return range
    }

    // MARK: targets

    private mutating func enterTarget(_ name: String, goto: Bool) throws {
        try leaveContext()
        if verdict != nil || target.name != nil { throw RuleSyntaxError("more than one target (-j/-g)") }
        if goto {
            verdict = .goto(ChainName(name))
            return
        }
        if PendingTarget.unsupported.contains(name) {
            throw RuleSyntaxError("target -j \(name) is not supported by the rule model")
        }
        target = PendingTarget(name: name)
        context = .target(name)
    }

    private mutating func targetOption(_ name: String, _ option: String, negated: Bool,
                                       value: () throws -> String) throws -> Bool {
        if negated { throw RuleSyntaxError("\(option) cannot be negated") }
        switch (name, option) {
        case ("REJECT", "--reject-with"):
            let text = try value()
            guard let kind = RejectSpelling.kind(text) else {
                throw RuleSyntaxError("REJECT --reject-with \(text) is not supported by the rule model")
            }
            if let family = RejectSpelling.family(of: text) { families.insert(family) }
            target.reject = kind
        case ("DNAT", "--to-destination"):
            target.dnat = try dnatDestination(try value())
        case ("MASQUERADE", "--random-fully"):
            target.randomFully = true
        case ("MARK", "--or-mark"):
            target.mark = .or(try markValue(try value()))
        case ("MARK", "--xor-mark"):
            target.mark = .xor(try markValue(try value()))
        case ("MARK", "--set-xmark"):
            // value/mask: mark = (mark & ~mask) ^ value; iptables-save prints OR and XOR this way too.
            let text = try value()
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            let mark = try markValue(parts[0])
            target.mark = .set(mark, mask: parts.count == 2 ? try markValue(parts[1]) : MarkValue(UInt32.max))
        default:
            return false
        }
        return true
    }

    private mutating func dnatDestination(_ text: String) throws -> (IPAddress, UInt16?) {
        var hostText = Substring(text)
        var portText: Substring?
        if hostText.hasPrefix("[") {
            guard let close = hostText.firstIndex(of: "]") else { throw RuleSyntaxError("'\(text)' is not a DNAT destination") }
            let rest = hostText[hostText.index(after: close)...]
            hostText = hostText[hostText.index(after: hostText.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw RuleSyntaxError("'\(text)' is not a DNAT destination") }
                portText = rest.dropFirst()
            }
        } else if hostText.filter({ $0 == ":" }).count == 1, let colon = hostText.firstIndex(of: ":") {
            portText = hostText[hostText.index(after: colon)...]
            hostText = hostText[..<colon]
        }
        guard let address = IPAddress(hostText) else {
            throw RuleSyntaxError("DNAT destination '\(text)' is not an address[:port] (ranges are not supported)")
        }
        families.insert(address.family)
        guard let portText else { return (address, nil) }
        guard let port = UInt16(portText), port > 0 else {
            throw RuleSyntaxError("DNAT destination '\(text)' has an invalid port (ranges are not supported)")
        }
        return (address, port)
    }

    private func markValue(_ text: String) throws -> MarkValue {
        let lower = text.lowercased()
        let value = lower.hasPrefix("0x") ? UInt32(lower.dropFirst(2), radix: 16) : UInt32(lower)
        guard let value else { throw RuleSyntaxError("'\(text)' is not a 32-bit mark value") }
        return MarkValue(value, spelling: text)
    }

    // MARK: finishing a module or target

    private mutating func leaveContext() throws {
        switch context {
        case .module("statistic"):
            guard statistic.randomMode, let probability = statistic.probability else {
                throw RuleSyntaxError("-m statistic needs --mode random --probability P")
            }
            matches.append(.statistic(probability))
            statistic = PendingStatistic()
        case .module("recent"):
            matches.append(try recent.match(families: families))
            recent = PendingRecent()
        case .target(let name):
            verdict = try target.verdict(name)
        default:
            break
        }
        context = .none
    }
}

/// `-m statistic` options seen so far.
private struct PendingStatistic {
    var randomMode = false
    var probability: Probability?
}

/// `-m recent` options seen so far (iptables-save adds `--mask` and `--rsource`).
private struct PendingRecent {
    var name: String?
    var set = false
    var check = false
    var seconds: UInt32?
    var reap = false
    var mask: String?

    mutating func take(_ option: String, value: () throws -> String) throws {
        switch option {
        case "--name": name = try value()
        case "--set": set = true
        case "--rcheck": check = true
        case "--seconds":
            let text = try value()
            guard let seconds = UInt32(text) else { throw RuleSyntaxError("'\(text)' is not a number of seconds") }
            self.seconds = seconds
        case "--reap": reap = true
        case "--mask": mask = try value()
        case "--rsource": break
        default:
            throw RuleSyntaxError("recent option \(option) is not supported by the rule model (--set, --rcheck --seconds --reap)")
        }
    }

    func match(families: Set<IPFamily>) throws -> Match {
        guard let name else { throw RuleSyntaxError("-m recent needs --name") }
        if let mask {
            // Only a full host mask keeps one entry per client address, which is all the model knows.
            guard let address = IPAddress(mask), address.bytes.allSatisfy({ $0 == 0xff }) else {
                throw RuleSyntaxError("recent --mask \(mask) is not supported by the rule model (full host mask only)")
            }
        }
        switch (set, check) {
        case (true, false):
            if seconds != nil || reap { throw RuleSyntaxError("recent --seconds/--reap need --rcheck") }
            return .recent(name: ChainName(name), .set)
        case (false, true):
            guard let seconds else { throw RuleSyntaxError("recent --rcheck without --seconds is not supported by the rule model") }
            return .recent(name: ChainName(name), .check(seconds: seconds, reap: reap))
        default:
            throw RuleSyntaxError("-m recent needs exactly one of --set and --rcheck")
        }
    }
}

/// `-j TARGET` and its options seen so far.
private struct PendingTarget {
    var name: String?
    var reject: RejectKind?
    var dnat: (IPAddress, UInt16?)?
    var randomFully = false
    var mark: MarkOperation?

    /// Targets iptables knows that the rule model has no form for.
    static let unsupported: Set<String> = [
        "LOG", "NFLOG", "ULOG", "SNAT", "REDIRECT", "NETMAP", "NOTRACK", "CT", "TPROXY", "TCPMSS",
        "CONNMARK", "CHECKSUM", "NFQUEUE", "QUEUE", "TRACE", "SET", "AUDIT", "CLASSIFY", "DSCP",
        "TOS", "TTL", "HL", "TEE", "CONNSECMARK", "SECMARK", "IDLETIMER", "LED", "RATEEST", "SYNPROXY",
    ]

    func verdict(_ name: String) throws -> Verdict {
        switch name {
        case "ACCEPT": return .accept
        case "DROP": return .drop
        case "RETURN": return .return
        case "REJECT": return .reject(reject)
        case "DNAT":
            guard let dnat else { throw RuleSyntaxError("-j DNAT needs --to-destination") }
            return .dnat(dnat.0, port: dnat.1)
        case "MASQUERADE": return .masquerade(randomFully: randomFully)
        case "MARK":
            guard let mark else { throw RuleSyntaxError("-j MARK needs --or-mark, --xor-mark or --set-xmark") }
            return .setMark(mark)
        default:
            return .jump(ChainName(name))
        }
    }
}
