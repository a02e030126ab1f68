import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Encodes rule-model rules into nf_tables expressions exactly as iptables-nft 1.8.9 does, so
/// that `iptables-save` prints them back as iptables rules:
///
/// 1. the "IP header" part first — input and output interface (`meta iifname`/`oifname` +
///    `cmp`), protocol (`meta l4proto` + `cmp`), then source, then destination address
///    (`payload` [+ `bitwise`] + `cmp`);
/// 2. then every other match in rule order: native `payload`/`cmp`/`range` for tcp/udp ports,
///    native `meta mark` for marks, xt `match`es for comment, sctp, addrtype, conntrack,
///    statistic, recent (and bare tcp/udp);
/// 3. a `counter`;
/// 4. the verdict: `immediate` for ACCEPT/DROP/RETURN/jump/goto, xt `target` for REJECT, DNAT,
///    MASQUERADE and MARK.
///
/// The encoder keeps scratch buffers between rules, so encoding a large ruleset allocates
/// little; use one encoder per thread.
public struct IPTablesNFTEncoder {
    public let family: IPFamily
    private var probabilities: [Probability: UInt32] = [:]

    public init(family: IPFamily) {
        self.family = family
    }

    /// Replaces `out` with the expressions of `rule`, and returns the protocol the xt
    /// compatibility layer must be told about.
    public mutating func encode(_ rule: Rule, into out: inout [Expression]) throws -> NetfilterBatch.Compat {
        out.removeAll(keepingCapacity: true)
        var proto: L4Protocol?
        var source: (AddressMatch, Bool)?
        var destination: (AddressMatch, Bool)?
        var interfaces: [InterfaceDirection: (InterfaceName, Bool)] = [:]
        for match in rule.matches {
            switch match {
            case .interface(let direction, let name, let negated):
                if interfaces.updateValue((name, negated), forKey: direction) != nil {
                    throw EncodingError("more than one \(direction.option) in one rule")
                }
            case .l4Protocol(let value):
                if proto != nil { throw EncodingError("more than one protocol (-p) in one rule") }
                proto = value
            case .source(let address, let negated):
                if source != nil { throw EncodingError("more than one source address (-s) in one rule") }
                source = (address, negated)
            case .destination(let address, let negated):
                if destination != nil { throw EncodingError("more than one destination address (-d) in one rule") }
                destination = (address, negated)
            default:
                break
            }
        }

        for direction in [InterfaceDirection.input, .output] {
            if let (name, negated) = interfaces[direction] {
                try InterfaceEncoding.append(direction, name, negated: negated, to: &out)
            }
        }
        if let proto {
            out.append(.meta(Meta(key: .l4proto)))
            out.append(.cmp(Cmp(.eq, .byte(proto.number))))
        }
        if let (address, negated) = source {
            try AddressEncoding.append(address, source: true, negated: negated, family: family, to: &out)
        }
        if let (address, negated) = destination {
            try AddressEncoding.append(address, source: false, negated: negated, family: family, to: &out)
        }

        try appendMatches(rule.matches, proto: proto, to: &out)
        out.append(.counter(Counter()))
        if let verdict = rule.verdict {
            try append(verdict, to: &out)
        }
        return NetfilterBatch.Compat(protocolNumber: UInt32(proto?.number ?? 0))
    }

    private mutating func appendMatches(_ matches: [Match], proto: L4Protocol?, to out: inout [Expression]) throws {
        // Port options belong to the protocol's match (`-m tcp … --dport 80`) wherever they
        // stand in the rule, as iptables assigns them; that match sits where the protocol is.
        var ports = PortEncoding.Ports()
        for match in matches {
            switch match {
            case .destinationPort(let range, let negated):
                if ports.destination != nil { throw EncodingError("more than one --dport in one rule") }
                ports.destination = (range, negated)
            case .sourcePort(let range, let negated):
                if ports.source != nil { throw EncodingError("more than one --sport in one rule") }
                ports.source = (range, negated)
            default:
                continue
            }
            if proto == nil { throw EncodingError("a port match needs a protocol (-p tcp, udp or sctp)") }
        }
        try PortEncoding.check(ports)
        for match in matches {
            switch match {
            case .source, .destination, .destinationPort, .sourcePort, .interface:
                continue
            case .l4Protocol(let value):
                PortEncoding.append(value, ports, to: &out)
            case .comment(let comment):
                let value = XTComment(comment.head, comment.middle, comment.tail)
                guard value.byteCount <= XTComment.maximumLength else {
                    throw EncodingError("comment longer than \(XTComment.maximumLength) bytes")
                }
                out.append(.match(.comment(value)))
            case .addressType(let direction, .local, let negated):
                out.append(.match(.addrType(direction == .source
                    ? XTAddrType(sourceTypes: XTAddrType.local, invertSource: negated)
                    : XTAddrType(destinationTypes: XTAddrType.local, invertDestination: negated))))
            case .conntrackState(let states, let negated):
                out.append(.match(.conntrack(XTConntrack(stateMask: Self.stateMask(states), inverted: negated))))
            case .mark(let value, let mask, let negated):
                out.append(.meta(Meta(key: .mark)))
                if mask.value != .max {
                    out.append(.bitwise(Bitwise(mask: .hostOrder(mask.value), xor: .hostOrder(0))))
                }
                out.append(.cmp(Cmp(negated ? .neq : .eq, .hostOrder(value.value))))
            case .statistic(let probability):
                out.append(.match(.statistic(XTStatistic(probability: fixedPoint(probability)))))
            case .recent(let name, let operation):
                let listName = ObjectName(name)
                guard listName.withUTF8({ $0.count }) <= XTRecent.maximumNameLength else {
                    throw EncodingError("recent list name \(name) is longer than \(XTRecent.maximumNameLength) bytes")
                }
                switch operation {
                case .set:
                    out.append(.match(.recent(XTRecent(name: listName, operation: .set))))
                case .check(let seconds, let reap):
                    out.append(.match(.recent(XTRecent(name: listName, operation: .check(seconds: seconds, reap: reap)))))
                }
            case .inSet, .inAnonymousSet:
                throw EncodingError("set lookups have no iptables form")
            case .updateSet:
                throw EncodingError("set updates have no iptables form")
            case .unrecognized(let text):
                throw EncodingError("a match the rule model does not know (\(text)) cannot be encoded")
            }
        }
    }

    private mutating func append(_ verdict: Verdict, to out: inout [Expression]) throws {
        switch verdict {
        case .accept:
            out.append(.immediate(Immediate(verdict: .accept)))
        case .drop:
            out.append(.immediate(Immediate(verdict: .drop)))
        case .return:
            out.append(.immediate(Immediate(verdict: .return)))
        case .jump(let chain):
            out.append(.immediate(Immediate(verdict: .jump(ObjectName(chain)))))
        case .goto(let chain):
            out.append(.immediate(Immediate(verdict: .goto(ObjectName(chain)))))
        case .reject(let kind):
            out.append(.target(Self.rejectTarget(kind ?? .portUnreachable, family: family)))
        case .dnat(let address, let port):
            guard address.family == family else {
                throw EncodingError("DNAT to \(address) in an \(family) ruleset")
            }
            let bytes = AddressEncoding.bytes(of: address, count: family == .ipv4 ? 4 : 16)
            out.append(.target(.dnat(XTDNAT(address: bytes, port: port))))
        case .masquerade(let randomFully):
            out.append(.target(family == .ipv4
                ? .masqueradeIPv4(XTMasqueradeIPv4(randomFully: randomFully))
                : .masqueradeIPv6(XTMasqueradeIPv6(randomFully: randomFully))))
        case .setMark(.or(let value)):
            out.append(.target(.mark(XTMark(value: value.value, mask: value.value))))
        case .setMark(.xor(let value)):
            out.append(.target(.mark(XTMark(value: value.value, mask: 0))))
        case .setMark(.set(let value, let mask)):
            out.append(.target(.mark(XTMark(value: value.value, mask: mask.value))))
        case .verdictMap:
            throw EncodingError("verdict maps have no iptables form")
        case .randomChoice:
            throw EncodingError("numgen random choices have no iptables form")
        case .unrecognized(let text):
            throw EncodingError("a target the rule model does not know (\(text)) cannot be encoded")
        }
    }

    static func rejectTarget(_ kind: RejectKind, family: IPFamily) -> XTTarget {
        switch family {
        case .ipv4:
            switch kind {
            case .portUnreachable: return .rejectIPv4(XTRejectIPv4(with: XTRejectIPv4.portUnreachable))
            case .tcpReset: return .rejectIPv4(XTRejectIPv4(with: XTRejectIPv4.tcpReset))
            case .adminProhibited: return .rejectIPv4(XTRejectIPv4(with: XTRejectIPv4.adminProhibited))
            }
        case .ipv6:
            switch kind {
            case .portUnreachable: return .rejectIPv6(XTRejectIPv6(with: XTRejectIPv6.portUnreachable))
            case .tcpReset: return .rejectIPv6(XTRejectIPv6(with: XTRejectIPv6.tcpReset))
            case .adminProhibited: return .rejectIPv6(XTRejectIPv6(with: XTRejectIPv6.adminProhibited))
            }
        }
    }

    private static func stateMask(_ states: [ConntrackState]) -> UInt16 {
        states.reduce(0) { mask, state in
            let bits = XTConntrack.StateBit.self
            switch state {
            case .invalid: return mask | bits.invalid
            case .new: return mask | bits.new
            case .established: return mask | bits.established
            case .related: return mask | bits.related
            case .untracked: return mask | bits.untracked
            case .snat: return mask | bits.snat
            case .dnat: return mask | bits.dnat
            }
        }
    }

    private mutating func fixedPoint(_ probability: Probability) -> UInt32 {
        if let known = probabilities[probability] { return known }
        let value = ProbabilityEncoding.fixedPoint(probability)
        probabilities[probability] = value
        return value
    }

}

extension ObjectName {
    /// The same name; inline chain names convert word by word, without touching the heap.
    public init(_ name: ChainName) {
        if let (a, b, c, d) = name.sortKey {
            // ChainName keeps byte i as the (i % 8)-th most significant byte of word i / 8;
            // ObjectName keeps bytes in memory order.
            self.init(memoryOrderWords: (a.bigEndian, b.bigEndian, c.bigEndian, d.bigEndian))
        } else {
            self = name.utf8.withUnsafeBufferPointer { ObjectName(utf8: $0) }
        }
    }
}
