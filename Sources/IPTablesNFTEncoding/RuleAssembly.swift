import RuleModel

/// The parts of a rule as the decoder finds them, put back in the order iptables-save prints
/// them and the iptables-save parser builds them: `-s`, `-d`, `-i`, `-o`, then the other matches in
/// expression order, with `-p` standing where its port match (`-m tcp --sport … --dport …`)
/// is, or right after the addresses when the rule has none. The decoded rule then equals the
/// parse of the live dump, whatever order the rule was first written in.
struct RuleAssembly {
    private enum Item {
        case match(Match)
        /// The protocol's port match: `.l4Protocol` followed by its port options.
        case portMatch
    }

    private var source: Match?
    private var destination: Match?
    private var interfaces: [Match] = []
    private(set) var proto: L4Protocol?
    private var items: [Item] = []
    /// Whether the port match came from native expressions (which merge) or an xt match.
    private var portMatchIsNative: Bool?
    private var sourcePort: Match?
    private var destinationPort: Match?

    mutating func setAddress(_ decoded: AddressDecoding.Decoded, at index: Int) throws(ExpressionProblem) {
        let match: Match = decoded.isSource ? .source(decoded.match, negated: decoded.negated)
            : .destination(decoded.match, negated: decoded.negated)
        if decoded.isSource {
            guard source == nil else { throw ExpressionProblem("a second source address (-s) in one rule", at: index) }
            source = match
        } else {
            guard destination == nil else { throw ExpressionProblem("a second destination address (-d) in one rule", at: index) }
            destination = match
        }
    }

    mutating func setInterface(_ match: Match, at index: Int) throws(ExpressionProblem) {
        guard case .interface(let direction, _, _) = match else { return }
        if interfaces.contains(where: { if case .interface(direction, _, _) = $0 { return true } else { return false } }) {
            throw ExpressionProblem("a second \(direction.option) in one rule", at: index)
        }
        // -i before -o, as iptables-save prints them.
        if direction == .input { interfaces.insert(match, at: 0) } else { interfaces.append(match) }
    }

    mutating func setProtocol(_ value: L4Protocol, at index: Int) throws(ExpressionProblem) {
        // (Ports before it are already refused: a port match needs the protocol first.)
        guard proto == nil else { throw ExpressionProblem("a second protocol (-p) in one rule", at: index) }
        proto = value
    }

    mutating func append(_ match: Match) {
        items.append(.match(match))
    }

    /// A protocol's port match: native port comparisons merge into one (iptables-nft writes
    /// one per option); an xt `tcp`/`udp`/`sctp` match is the whole port match on its own.
    mutating func addPortMatch(_ module: L4Protocol, _ options: [PortDecoding.Option], native: Bool,
                               at index: Int) throws(ExpressionProblem) {
        guard let proto else {
            throw ExpressionProblem("a \(module.rawValue) port match without the protocol match (-p \(module.rawValue)) before it", at: index)
        }
        guard proto == module else {
            throw ExpressionProblem("a \(module.rawValue) port match in a rule for protocol \(proto.rawValue)", at: index)
        }
        switch portMatchIsNative {
        case nil:
            portMatchIsNative = native
            items.append(.portMatch)
        case true? where native:
            break
        default:
            throw ExpressionProblem("a second \(module.rawValue) port match in one rule", at: index)
        }
        for option in options {
            if option.isSource {
                guard sourcePort == nil else { throw ExpressionProblem("a second source port (--sport) in one rule", at: index) }
                sourcePort = .sourcePort(option.range, negated: option.negated)
            } else {
                guard destinationPort == nil else { throw ExpressionProblem("a second destination port (--dport) in one rule", at: index) }
                destinationPort = .destinationPort(option.range, negated: option.negated)
            }
        }
    }

    func rule(_ verdict: Verdict?) -> Rule {
        var matches: [Match] = []
        matches.reserveCapacity(items.count + 5)
        if let source { matches.append(source) }
        if let destination { matches.append(destination) }
        matches += interfaces
        if let proto, portMatchIsNative == nil { matches.append(.l4Protocol(proto)) }
        for item in items {
            switch item {
            case .match(let match):
                matches.append(match)
            case .portMatch:
                matches.append(.l4Protocol(proto!))
                if let sourcePort { matches.append(sourcePort) }
                if let destinationPort { matches.append(destinationPort) }
            }
        }
        return Rule(matches, verdict)
    }
}
