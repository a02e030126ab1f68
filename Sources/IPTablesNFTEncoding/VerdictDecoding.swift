import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// A rule's verdict read back: `immediate` verdicts and the xt targets the encoder writes.
enum VerdictDecoding {
    static func verdict(_ immediate: Immediate, at index: Int) throws(ExpressionProblem) -> Verdict {
        guard immediate.destination == .verdict, case .verdict(let verdict) = immediate.value else {
            throw ExpressionProblem("loads a constant into \(immediate.destination); iptables-nft uses immediate only for verdicts", at: index)
        }
        switch verdict {
        case .accept: return .accept
        case .drop: return .drop
        case .return: return .return
        case .jump(let chain): return .jump(ChainName(chain.description))
        case .goto(let chain): return .goto(ChainName(chain.description))
        case .continue, .break:
            throw ExpressionProblem("verdict \(verdict) is not in the rule model", at: index)
        }
    }

    static func verdict(_ target: XTTarget, at index: Int, family: IPFamily) throws(ExpressionProblem) -> Verdict {
        switch target {
        case .dnat(let info):
            let bytes = info.address.bytes
            // An IPv6 address whose last 12 bytes are zero reads back in its 4-byte form.
            guard bytes.count == 4 || (family == .ipv6 && bytes.count == 16) else {
                throw ExpressionProblem("DNAT to a \(bytes.count)-byte address in an \(family.rawValue) rule", at: index)
            }
            return .dnat(IPAddress(networkOrder: bytes, family: family), port: info.port)
        case .masqueradeIPv4(let info):
            guard family == .ipv4 else { throw ExpressionProblem("an IPv4 MASQUERADE in an \(family.rawValue) rule", at: index) }
            return .masquerade(randomFully: info.randomFully)
        case .masqueradeIPv6(let info):
            guard family == .ipv6 else { throw ExpressionProblem("an IPv6 MASQUERADE in an \(family.rawValue) rule", at: index) }
            return .masquerade(randomFully: info.randomFully)
        case .mark(let info):
            // --or-mark V is stored as V/V and --xor-mark V as V/0: the kernel keeps only
            // --set-xmark, which is also how iptables-save prints all three.
            return .setMark(.set(MarkValue(info.value), mask: MarkValue(info.mask)))
        case .rejectIPv4 where family != .ipv4, .rejectIPv6 where family != .ipv6:
            throw ExpressionProblem("a REJECT for the other IP family in an \(family.rawValue) rule", at: index)
        case .rejectIPv4, .rejectIPv6:
            // The kind whose encoding this is: the encoder's mapping, inverted.
            let kinds: [RejectKind] = [.portUnreachable, .tcpReset, .adminProhibited]
            guard let kind = kinds.first(where: { IPTablesNFTEncoder.rejectTarget($0, family: family) == target }) else {
                throw ExpressionProblem("REJECT with an ICMP error the rule model does not have", at: index)
            }
            return .reject(kind)
        case .other(let name, let revision, _):
            throw ExpressionProblem("xt target \(name) (revision \(revision)) is not in the rule model, or uses options it cannot hold", at: index)
        }
    }
}
