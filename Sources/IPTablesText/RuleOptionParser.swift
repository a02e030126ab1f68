import NetworkAddresses
import RuleModel

/// What is wrong with one rule; the document parser adds the file and line.
struct RuleSyntaxError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Valid iptables the rule model has no form for: the option is kept verbatim instead.
struct Unmodelled: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Turns the words of one rule (everything after `-A CHAIN`) into a `Rule`.
///
/// Accepts both spellings of a rule: kube-proxy's restore text (`-m tcp -p tcp -d 10.96.0.1
/// --dport 80`, options in emission order) and iptables-save's (`-d 10.96.0.1/32 -p tcp -m tcp
/// --dport 80`, header options first). Valid iptables the rule model cannot hold (another
/// match module or option, another target, a fragment or protocol test) is kept verbatim as
/// an `unrecognized` match or verdict, never dropped, so a diff still compares it and a trace
/// can say it met it; malformed text is an error.
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
    /// The words of the open module or target, for keeping it verbatim.
    private var contextWords: [String] = []
    /// The open module is kept verbatim as a whole (an unknown module, or a statistic or
    /// recent match with options the model lacks).
    private var moduleOpaque = false
    /// Index in `matches` of the verbatim part of the open known module, to extend.
    private var opaquePart: Int?
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
                let text = try value(after: word)
                if !negated, let proto = RuleOptionParser.protocolValue(text) {
                    try useProtocol(proto, option: true)
                } else {
                    matches.append(.unrecognized(RuleOptionParser.verbatim((negated ? ["!"] : []) + ["-p", text])))
                }
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
                let text = try value(after: word)
                guard let name = InterfaceName(text) else { throw RuleSyntaxError("'\(text)' is not an interface name") }
                matches.append(.interface(word == "-i" || word == "--in-interface" ? .input : .output, name, negated: negated))
            case "-f", "--fragment":
                matches.append(.unrecognized(negated ? "! -f" : "-f"))
            default:
                guard word.hasPrefix("--") else { throw RuleSyntaxError("unexpected word '\(word)'") }
                let start = index
                do {
                    try option(word, negated: negated) { try value(after: word) }
                } catch let problem as Unmodelled {
                    // Its values are the words up to the next option.
                    while index + 1 < words.endIndex, !words[index + 1].hasPrefix("-"), words[index + 1] != "!" { index += 1 }
                    try keepVerbatim((negated ? ["!"] : []) + Array(words[start...index]), problem)
                    negated = false
                    index += 1
                    continue
                }
                if context != .none { contextWords += (negated ? ["!"] : []) + Array(words[start...index]) }
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

    private static func protocolValue(_ text: String) -> L4Protocol? {
        switch text.lowercased() {
        case "tcp", "6": return .tcp
        case "udp", "17": return .udp
        case "sctp", "132": return .sctp
        default: return nil
        }
    }

    /// Words joined as iptables-save prints them: quoted when they hold blanks or quotes.
    static func verbatim(_ words: [String]) -> String {
        words.map { word in
            let plain = !word.isEmpty && !word.contains { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "\\" }
            if plain { return word }
            var quoted = "\""
            for character in word {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return quoted + "\""
        }.joined(separator: " ")
    }

    /// An option (with its values) the model cannot hold: the open module or target is kept
    /// verbatim, in whole (unknown modules, statistic, recent, targets) or as this part.
    private mutating func keepVerbatim(_ words: [String], _ problem: Unmodelled) throws {
        switch context {
        case .module(let module):
            contextWords += words
            if moduleOpaque || module == "statistic" || module == "recent" {
                moduleOpaque = true
            } else if let part = opaquePart, case .unrecognized(let text) = matches[part] {
                matches[part] = .unrecognized(text + " " + RuleOptionParser.verbatim(words))
            } else {
                opaquePart = matches.count
                matches.append(.unrecognized(RuleOptionParser.verbatim(["-m", module] + words)))
            }
        case .target:
            contextWords += words
            target.opaque = true
        case .none:
            // After -p, iptables hands unknown options to the protocol's module; with no
            // module at all it refuses them, so no dump holds one.
            guard let l4 else { throw RuleSyntaxError(problem.message) }
            matches.append(.unrecognized(RuleOptionParser.verbatim(["-m", l4.rawValue] + words)))
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
        context = .module(name)
        contextWords = ["-m", name]
        // A module the model does not know is kept whole, options and all.
        moduleOpaque = !RuleOptionParser.modules.contains(name)
        if let proto = RuleOptionParser.l4Modules[name] { try useProtocol(proto, option: false) }
    }

    private mutating func option(_ option: String, negated: Bool, value: () throws -> String) throws {
        if moduleOpaque { throw Unmodelled("kept with its module") }
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
        case .module(let module): throw Unmodelled("unknown option \(option) for -m \(module)")
        case .target(let name): throw Unmodelled("unknown option \(option) for -j \(name)")
        case .none: throw Unmodelled("unknown option \(option)")
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
                throw Unmodelled("address type \(text) is not in the rule model (LOCAL)")
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
            guard mode == "random" else { throw Unmodelled("statistic mode \(mode) is not in the rule model (random)") }
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
        target = PendingTarget(name: name)
        target.opaque = PendingTarget.unsupported.contains(name)
        context = .target(name)
        contextWords = ["-j", name]
    }

    private mutating func targetOption(_ name: String, _ option: String, negated: Bool,
                                       value: () throws -> String) throws -> Bool {
        if target.opaque { throw Unmodelled("kept with its target") }
        if negated { throw RuleSyntaxError("\(option) cannot be negated") }
        switch (name, option) {
        case ("REJECT", "--reject-with"):
            let text = try value()
            guard let kind = RejectSpelling.kind(text) else {
                throw Unmodelled("REJECT --reject-with \(text) is not in the rule model")
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
            throw Unmodelled("DNAT destination '\(text)' is not an address[:port] (ranges are not in the rule model)")
        }
        families.insert(address.family)
        guard let portText else { return (address, nil) }
        guard let port = UInt16(portText), port > 0 else {
            throw Unmodelled("DNAT destination '\(text)' has a port range or an invalid port")
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
        defer {
            contextWords = []
            moduleOpaque = false
            opaquePart = nil
        }
        if case .module = context, moduleOpaque {
            matches.append(.unrecognized(RuleOptionParser.verbatim(contextWords)))
            statistic = PendingStatistic()
            recent = PendingRecent()
            context = .none
            return
        }
        if case .target = context, target.opaque {
            verdict = .unrecognized(RuleOptionParser.verbatim(contextWords))
            context = .none
            return
        }
        switch context {
        case .module("statistic"):
            guard statistic.randomMode, let probability = statistic.probability else {
                throw RuleSyntaxError("-m statistic needs --mode random --probability P")
            }
            matches.append(.statistic(probability))
            statistic = PendingStatistic()
        case .module("recent"):
            do {
                matches.append(try recent.match(families: families))
            } catch is Unmodelled {
                matches.append(.unrecognized(RuleOptionParser.verbatim(contextWords)))
            }
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
            throw Unmodelled("recent option \(option) is not in the rule model (--set, --rcheck --seconds --reap)")
        }
    }

    func match(families: Set<IPFamily>) throws -> Match {
        guard let name else { throw RuleSyntaxError("-m recent needs --name") }
        if let mask {
            // Only a full host mask keeps one entry per client address, which is all the model knows.
            guard let address = IPAddress(mask), address.bytes.allSatisfy({ $0 == 0xff }) else {
                throw Unmodelled("recent --mask \(mask) is not in the rule model (full host mask only)")
            }
        }
        switch (set, check) {
        case (true, false):
            if seconds != nil || reap { throw RuleSyntaxError("recent --seconds/--reap need --rcheck") }
            return .recent(name: ChainName(name), .set)
        case (false, true):
            guard let seconds else { throw Unmodelled("recent --rcheck without --seconds is not in the rule model") }
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
    /// Kept verbatim: a target the model lacks, or options of one it has that it cannot hold.
    var opaque = false

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
