import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Rule-model matches as the expressions nft 1.0.6 generates for kube-proxy's rule text.
struct MatchEncoder {
    let family: NetfilterFamily
    let anonymous: AnonymousSetEncoder

    /// Appends the match's expressions; anonymous sets it needs go to `sets` (IDs from `nextID`).
    func append(_ match: Match, to out: inout [Expression], sets: inout [NFTablesProgram.SetDefinition],
                nextID: inout UInt32) throws(NFTablesEncodingError) {
        switch match {
        case .comment:
            break
        case .source(let address, let negated):
            try appendAddress(address, source: true, negated: negated, to: &out)
        case .destination(let address, let negated):
            try appendAddress(address, source: false, negated: negated, to: &out)
        case .l4Protocol(let proto):
            out.append(.meta(Meta(key: .l4proto)))
            out.append(.cmp(Cmp(.eq, .byte(proto.number))))
        case .destinationPort(let range, let negated):
            try appendPort(range, offset: 2, negated: negated, to: &out)
        case .sourcePort(let range, let negated):
            try appendPort(range, offset: 0, negated: negated, to: &out)
        case .addressType(let direction, .local, let negated):
            out.append(.fib(Fib(flags: direction == .source ? .sourceAddress : .destinationAddress, result: .addressType)))
            // RTN_LOCAL, in host order.
            out.append(.cmp(Cmp(negated ? .neq : .eq, .hostOrder(2))))
        case .conntrackState(let states, let negated):
            var bits: UInt32 = 0
            for state in states { bits |= try Self.stateBit(state) }
            out.append(.ct(Ct(key: .state)))
            out.append(.bitwise(Bitwise(mask: .hostOrder(bits), xor: .hostOrder(0))))
            out.append(.cmp(Cmp(negated ? .eq : .neq, .hostOrder(0))))
        case .mark(let value, let mask, let negated):
            out.append(.meta(Meta(key: .mark)))
            if mask.value != .max {
                out.append(.bitwise(Bitwise(mask: .hostOrder(mask.value), xor: .hostOrder(0))))
            }
            out.append(.cmp(Cmp(negated ? .neq : .eq, .hostOrder(value.value))))
        case .inSet(let fields, let set, let negated):
            out += Registers.load(fields, family: family)
            out.append(.lookup(Lookup(set: objectName(set), inverted: negated)))
        case .inAnonymousSet(let field, let elements, let negated)
            where elements.count == 1 && (field == .sourceAddress || field == .destinationAddress):
            // nft compares a one-element set directly (and lists it without braces).
            let address: AddressMatch
            switch elements[0] {
            case .address(let host): address = .host(host)
            case .prefix(let prefix): address = .prefix(prefix)
            default: throw NFTablesEncodingError("anonymous address set holds \(elements[0])")
            }
            try appendAddress(address, source: field == .sourceAddress, negated: negated, to: &out)
        case .inAnonymousSet(let field, let elements, let negated):
            let id = nextID
            nextID += 1
            sets.append(try anonymous.addressSet(field: field, elements, id: id))
            out += Registers.load([field], family: family)
            out.append(.lookup(Lookup(set: "__set%d", setID: id, inverted: negated)))
        case .updateSet(let fields, let set):
            out += Registers.load(fields, family: family)
            out.append(.dynset(Dynset(operation: .update, set: objectName(set))))
        case .statistic:
            throw NFTablesEncodingError("a statistic match has no nftables form (use numgen)")
        case .recent:
            throw NFTablesEncodingError("a recent match has no nftables form (use a set)")
        case .interface:
            // Neither nftables layout writes one; they come only from iptables dumps.
            throw NFTablesEncodingError("interface matches are not encoded natively yet")
        case .unrecognized(let text):
            throw NFTablesEncodingError("an iptables match kept verbatim (\(text)) has no nftables form")
        }
    }

    /// `ip saddr 10.0.0.1`, `ip saddr != 10.0.0.0/8`: nft loads only the prefix's bytes, and
    /// masks the last one when the prefix ends inside it.
    private func appendAddress(_ address: AddressMatch, source: Bool, negated: Bool,
                               to out: inout [Expression]) throws(NFTablesEncodingError) {
        let prefix = address.asPrefix
        let ipv6 = prefix.family == .ipv6
        guard ipv6 == (family == .ipv6) else {
            throw NFTablesEncodingError("address \(prefix) does not belong to a \(family) table")
        }
        guard prefix.length > 0 else { return }
        let offset: UInt32 = source ? (ipv6 ? 8 : 12) : (ipv6 ? 24 : 16)
        let count = (prefix.length + 7) / 8
        out.append(.payload(Payload(base: .network, offset: offset, length: UInt32(count))))
        let network = Array(prefix.network.address.bytes.prefix(count))
        if prefix.length % 8 != 0 {
            var mask = [UInt8](repeating: 0xff, count: count)
            mask[count - 1] = UInt8(0xff) << UInt8(8 - prefix.length % 8)
            out.append(.bitwise(Bitwise(mask: RegisterData(mask), xor: RegisterData([UInt8](repeating: 0, count: count)))))
        }
        out.append(.cmp(Cmp(negated ? .neq : .eq, RegisterData(network))))
    }

    private func appendPort(_ range: PortRange, offset: UInt32, negated: Bool,
                            to out: inout [Expression]) throws(NFTablesEncodingError) {
        out.append(.payload(Payload(base: .transport, offset: offset, length: 2)))
        if range.first == range.last {
            out.append(.cmp(Cmp(negated ? .neq : .eq, .networkOrder(range.first))))
        } else if !negated {
            out.append(.cmp(Cmp(.gte, .networkOrder(range.first))))
            out.append(.cmp(Cmp(.lte, .networkOrder(range.last))))
        } else {
            out.append(.range(RangeExpression(.neq, from: .networkOrder(range.first), to: .networkOrder(range.last))))
        }
    }

    /// nf_conntrack's state bits (`NF_CT_STATE_BIT`).
    static func stateBit(_ state: ConntrackState) throws(NFTablesEncodingError) -> UInt32 {
        switch state {
        case .invalid: return 1
        case .established: return 2
        case .related: return 4
        case .new: return 8
        case .untracked: return 64
        case .snat, .dnat: throw NFTablesEncodingError("ct state \(state) is a ct status in nftables")
        }
    }
}
