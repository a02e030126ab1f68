import IPTablesText
import NetfilterNetlink
import RuleModel

/// xt `match` expressions read back into rule-model matches: the ones the encoder writes
/// (comment, bare tcp/udp, sctp, addrtype, conntrack, statistic, recent), and tcp/udp with
/// ports and mark, which other iptables builds write as xt matches.
enum XTMatchDecoding {
    static func decode(_ match: XTMatch, at index: Int, into assembly: inout RuleAssembly) throws(ExpressionProblem) {
        switch match {
        case .comment(let comment):
            assembly.append(.comment(Comment(comment.text)))
        case .tcp(let info):
            try assembly.addPortMatch(.tcp, options(info.ports), native: false, at: index)
        case .udp(let info):
            try assembly.addPortMatch(.udp, options(info.ports), native: false, at: index)
        case .sctp(let info):
            var options: [PortDecoding.Option] = []
            if let ports = info.sourcePorts {
                options.append(PortDecoding.Option(isSource: true, range: PortRange(ports), negated: info.invertSource))
            }
            if let ports = info.destinationPorts {
                options.append(PortDecoding.Option(isSource: false, range: PortRange(ports), negated: info.invertDestination))
            }
            try assembly.addPortMatch(.sctp, options, native: false, at: index)
        case .addrType(let info):
            try addressTypes(info, at: index, into: &assembly)
        case .conntrack(let info):
            assembly.append(.conntrackState(try states(info.stateMask, at: index), negated: info.inverted))
        case .statistic(let info):
            guard !info.inverted else {
                throw ExpressionProblem("an inverted statistic match (! --probability) is not in the rule model", at: index)
            }
            guard let probability = StatisticProbability.probability(kernelValue: info.probability) else {
                throw ExpressionProblem("statistic probability \(info.probability)/2^31 is above 1", at: index)
            }
            assembly.append(.statistic(probability))
        case .recent(let info):
            assembly.append(try recent(info, at: index))
        case .mark(let info):
            // iptables-nft 1.8.9 writes this test natively; other builds use the xt match.
            assembly.append(.mark(MarkValue(info.value), mask: MarkValue(info.mask), negated: info.inverted))
        case .other(let name, let revision, _):
            throw ExpressionProblem("xt match \(name) (revision \(revision)) is not in the rule model, or uses options it cannot hold", at: index)
        }
    }

    /// Port options of an xt tcp/udp match; the full range, not inverted, restricts nothing.
    private static func options(_ ports: XTPortMatch) -> [PortDecoding.Option] {
        var options: [PortDecoding.Option] = []
        if ports.sourcePorts != XTPortMatch.allPorts || ports.invertSource {
            options.append(PortDecoding.Option(isSource: true, range: PortRange(ports.sourcePorts), negated: ports.invertSource))
        }
        if ports.destinationPorts != XTPortMatch.allPorts || ports.invertDestination {
            options.append(PortDecoding.Option(isSource: false, range: PortRange(ports.destinationPorts),
                                               negated: ports.invertDestination))
        }
        return options
    }

    /// `--src-type LOCAL` and/or `--dst-type LOCAL`, source first as iptables-save prints them.
    private static func addressTypes(_ info: XTAddrType, at index: Int, into assembly: inout RuleAssembly) throws(ExpressionProblem) {
        guard info.sourceTypes != 0 || info.destinationTypes != 0 else {
            throw ExpressionProblem("an addrtype match that tests no address type", at: index)
        }
        for (direction, types, inverted) in [(PacketDirection.source, info.sourceTypes, info.invertSource),
                                             (.destination, info.destinationTypes, info.invertDestination)] where types != 0 {
            guard types == XTAddrType.local else {
                throw ExpressionProblem("addrtype \(direction) types 0x\(String(types, radix: 16)) are not in the rule model (LOCAL only)", at: index)
            }
            assembly.append(.addressType(direction, .local, negated: inverted))
        }
    }

    /// The states of a `--ctstate` mask in the order iptables-save lists them.
    private static func states(_ mask: UInt16, at index: Int) throws(ExpressionProblem) -> [ConntrackState] {
        let bits = XTConntrack.StateBit.self
        let order: [(UInt16, ConntrackState)] = [
            (bits.invalid, .invalid), (bits.new, .new), (bits.related, .related), (bits.established, .established),
            (bits.untracked, .untracked), (bits.snat, .snat), (bits.dnat, .dnat),
        ]
        let known = order.reduce(UInt16(0)) { $0 | $1.0 }
        guard mask != 0, mask & ~known == 0 else {
            throw ExpressionProblem("conntrack state mask 0x\(String(mask, radix: 16)) is not a list of states the rule model has", at: index)
        }
        return order.filter { mask & $0.0 != 0 }.map(\.1)
    }

    private static func recent(_ info: XTRecent, at index: Int) throws(ExpressionProblem) -> Match {
        guard !info.inverted else {
            throw ExpressionProblem("an inverted recent match is not in the rule model", at: index)
        }
        let name = ChainName(info.name.description)
        switch info.operation {
        case .set:
            return .recent(name: name, .set)
        case .check(let seconds, let reap):
            // Without --seconds, rcheck means "ever seen"; the model's check always has a window.
            guard seconds > 0 else {
                throw ExpressionProblem("recent --rcheck without --seconds is not in the rule model", at: index)
            }
            return .recent(name: name, .check(seconds: seconds, reap: reap))
        }
    }
}

extension PortRange {
    init(_ ports: ClosedRange<UInt16>) {
        self = PortRange(first: ports.lowerBound, last: ports.upperBound)!
    }
}
