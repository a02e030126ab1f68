import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Rule-model verdicts and statements as nft 1.0.6 generates them.
struct VerdictEncoder {
    let family: NetfilterFamily
    let anonymous: AnonymousSetEncoder

    func append(_ verdict: Verdict, to out: inout [Expression], sets: inout [NFTablesProgram.SetDefinition],
                nextID: inout UInt32) throws(NFTablesEncodingError) {
        switch verdict {
        case .unrecognized(let text):
            throw NFTablesEncodingError("an iptables target kept verbatim (\(text)) has no nftables form")
        case .accept: out.append(.immediate(Immediate(verdict: .accept)))
        case .drop: out.append(.immediate(Immediate(verdict: .drop)))
        case .return: out.append(.immediate(Immediate(verdict: .return)))
        case .jump(let chain): out.append(.immediate(Immediate(verdict: .jump(objectName(chain)))))
        case .goto(let chain): out.append(.immediate(Immediate(verdict: .goto(objectName(chain)))))
        case .reject(let kind):
            try appendReject(kind, to: &out)
        case .dnat(let address, let port):
            guard (address.family == .ipv6) == (family == .ipv6) else {
                throw NFTablesEncodingError("dnat to \(address) in a \(family) table")
            }
            out.append(.immediate(Immediate(data: RegisterData(address.bytes), destination: .r1)))
            if let port {
                out.append(.immediate(Immediate(data: .networkOrder(port), destination: .r2)))
                // NF_NAT_RANGE_PROTO_SPECIFIED
                out.append(.nat(Nat(kind: .dnat, family: family, addressMin: .r1, protoMin: .r2, flags: 0x2)))
            } else {
                out.append(.nat(Nat(kind: .dnat, family: family, addressMin: .r1)))
            }
        case .masquerade(let randomFully):
            // NF_NAT_RANGE_PROTO_RANDOM_FULLY
            out.append(.masq(Masq(flags: randomFully ? 0x10 : 0)))
        case .setMark(let operation):
            let mask: UInt32, xor: UInt32
            switch operation {
            case .or(let value): (mask, xor) = (~value.value, value.value)
            case .xor(let value): (mask, xor) = (.max, value.value)
            case .set(let value, let bits): (mask, xor) = (~bits.value, value.value)
            }
            out.append(.meta(Meta(key: .mark)))
            out.append(.bitwise(Bitwise(mask: .hostOrder(mask), xor: .hostOrder(xor))))
            out.append(.meta(Meta(key: .mark, destination: nil, source: .r1)))
        case .verdictMap(let fields, let map):
            out += Registers.load(fields, family: family)
            out.append(.lookup(Lookup(set: objectName(map), destination: .verdict)))
        case .randomChoice(let targets):
            let id = nextID
            nextID += 1
            sets.append(anonymous.randomChoiceMap(targets, id: id))
            out.append(.numgen(Numgen(kind: .random, modulus: UInt32(targets.count))))
            out.append(.lookup(Lookup(set: "__map%d", setID: id, destination: .verdict)))
        }
    }

    /// `reject` is ICMP port unreachable (ICMPv6 code 4 in ip6 tables); a TCP reset needs the
    /// protocol test nft adds in front of it.
    private func appendReject(_ kind: RejectKind?, to out: inout [Expression]) throws(NFTablesEncodingError) {
        let ipv6 = family == .ipv6
        switch kind {
        case nil, .portUnreachable?:
            out.append(.reject(Reject(kind: .icmpUnreachable, code: ipv6 ? 4 : 3)))
        case .adminProhibited?:
            out.append(.reject(Reject(kind: .icmpUnreachable, code: ipv6 ? 1 : 13)))
        case .tcpReset?:
            out.append(.meta(Meta(key: .l4proto)))
            out.append(.cmp(Cmp(.eq, .byte(L4Protocol.tcp.number))))
            out.append(.reject(Reject(kind: .tcpReset, code: 0)))
        }
    }
}
