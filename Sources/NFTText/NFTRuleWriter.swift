import NetworkAddresses
import RuleModel
import TextOutput

/// A rule or element the nft text form cannot express (iptables-only matches).
public struct UnrepresentableInNFT: Error, CustomStringConvertible {
    public let chain: ChainName
    public let reason: String

    public var description: String {
        "chain \(chain): \(reason) has no nftables form; use the iptables output"
    }
}

/// Writes rules, verdicts and keys in nft's syntax, as kube-proxy's nftables library spells
/// them: matches in rule order, a comment last, the verdict (or statement) at the end.
///
/// Rules and matches are read through pointers into the table's arrays: copying them retains
/// what they hold, an atomic write each, which dominated printing 350,000 rules.
struct NFTRuleWriter {
    /// The table's family: decides `ip` or `ip6` for address fields named without an address.
    let family: TableFamily

    /// Why a rule cannot be printed; the table printer adds the chain.
    struct Problem: Error {
        let reason: String
    }

    /// Where a rule's verdict lives, so that it is read in place rather than copied out
    /// (computed, so it folds to a constant: a stored one pays a lazy-initialization check).
    private static var verdictOffset: Int { MemoryLayout<Rule>.offset(of: \Rule.verdict)! }

    func write(_ rule: UnsafePointer<Rule>, to out: inout ByteBuffer) throws(Problem) {
        var separated = false
        try rule.pointee.matches.span.withUnsafeBufferPointer { (matches) throws(Problem) in
            var comment: UnsafePointer<Match>? = nil
            for index in matches.indices {
                let match = matches.baseAddress! + index
                if case .comment = match.pointee {
                    if comment == nil { comment = match }
                    continue
                }
                // `tcp dport 80` states the protocol itself.
                if case .l4Protocol = match.pointee, index + 1 < matches.count, (match + 1).pointee.isPortMatch { continue }
                if separated { out.append(UInt8(ascii: " ")) }
                separated = true
                try write(match, previous: index > 0 ? match - 1 : nil, to: &out)
            }
            let verdict = (UnsafeRawPointer(rule) + NFTRuleWriter.verdictOffset).assumingMemoryBound(to: Verdict?.self)
            // A tag test: comparing with nil copied the verdict (and released the copy).
            if case .some = verdict.pointee {
                if separated { out.append(UInt8(ascii: " ")) }
                try write(verdict, to: &out)
            }
            if let comment, case .comment(let text) = comment.pointee {
                out.append(" comment \"" as StaticString)
                text.write(to: &out)
                out.append(UInt8(ascii: "\""))
            }
        }
    }

    /// One match (not a comment); `previous` supplies the protocol of a port match.
    private func write(_ match: UnsafePointer<Match>, previous: UnsafePointer<Match>?,
                       to out: inout ByteBuffer) throws(Problem) {
        var previousProtocol: L4Protocol? = nil
        if let previous, case .l4Protocol(let proto) = previous.pointee { previousProtocol = proto }
        switch match.pointee {
        case .comment:
            break
        case .l4Protocol(let proto):
            out.append("meta l4proto " as StaticString)
            out.append(proto.nftKeyword)
        case .destinationPort(let range, let negated):
            writePort(" dport ", range, negated, protocol: previousProtocol, to: &out)
        case .sourcePort(let range, let negated):
            writePort(" sport ", range, negated, protocol: previousProtocol, to: &out)
        case .source(let address, let negated):
            writeAddress(" saddr ", address, negated, to: &out)
        case .destination(let address, let negated):
            writeAddress(" daddr ", address, negated, to: &out)
        case .addressType(let direction, .local, let negated):
            out.append(direction == .source ? "fib saddr type " as StaticString : "fib daddr type ")
            if negated { out.append("!= " as StaticString) }
            out.append("local" as StaticString)
        case .conntrackState(let states, let negated):
            out.append("ct state " as StaticString)
            if negated { out.append("!= " as StaticString) }
            for (position, state) in states.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                out.append(state.nftKeyword)
            }
        case .mark(let value, let mask, let negated):
            out.append("mark " as StaticString)
            if mask.value != .max {
                out.append("and " as StaticString)
                out.append(mask.spelling)
                out.append(negated ? " != " as StaticString : " == ")
            } else if negated {
                out.append("!= " as StaticString)
            }
            out.append(value.spelling)
        case .inSet(let fields, let set, let negated):
            writeFields(fields, to: &out)
            out.append(negated ? " != @" as StaticString : " @")
            set.write(to: &out)
        case .inAnonymousSet(let field, let elements, let negated):
            writeFields([field], to: &out)
            out.append(negated ? " != { " as StaticString : " { ")
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(" , " as StaticString) }
                NFTRuleWriter.writeKey([element], to: &out)
            }
            out.append(" }" as StaticString)
        case .updateSet(let fields, let set):
            out.append("update @" as StaticString)
            set.write(to: &out)
            out.append(" { " as StaticString)
            writeFields(fields, to: &out)
            out.append(" }" as StaticString)
        case .interface(let direction, let name, let negated):
            // nft spells iptables' trailing `+` wildcard as `*`.
            out.append(direction == .input ? "iifname " as StaticString : "oifname ")
            if negated { out.append("!= " as StaticString) }
            out.append(UInt8(ascii: "\""))
            out.append(String(name.stem))
            if name.isWildcard { out.append(UInt8(ascii: "*")) }
            out.append(UInt8(ascii: "\""))
        case .unrecognized(let text):
            throw Problem(reason: "an iptables match kept verbatim (\(text))")
        case .statistic:
            throw Problem(reason: "a statistic match (use numgen)")
        case .recent:
            throw Problem(reason: "a recent match (use a set)")
        }
    }

    /// A rule's verdict, read in place (`verdict` holds one).
    private func write(_ verdict: UnsafePointer<Verdict?>, to out: inout ByteBuffer) throws(Problem) {
        switch verdict.pointee {
        case .some(.randomChoice(_)):
            try writeRandomChoice(verdict, to: &out)
        case .some(let value):
            try write(value, to: &out)
        case .none:
            break
        }
    }

    /// `numgen random mod N vmap { 0 : goto A , … }`, its targets read in place.
    private func writeRandomChoice(_ verdict: UnsafePointer<Verdict?>, to out: inout ByteBuffer) throws(Problem) {
        guard case .some(.randomChoice(let targets)) = verdict.pointee else { return }
        out.append("numgen random mod " as StaticString)
        out.appendDecimal(UInt64(targets.count))
        out.append(" vmap { " as StaticString)
        targets.withUnsafeBufferPointer { targets in
            for position in targets.indices {
                if position > 0 { out.append(" , " as StaticString) }
                out.appendDecimal(UInt64(position))
                out.append(" : goto " as StaticString)
                (targets.baseAddress! + position).pointee.write(to: &out)
            }
        }
        out.append(" }" as StaticString)
    }

    func write(_ verdict: Verdict, to out: inout ByteBuffer) throws(Problem) {
        switch verdict {
        case .accept: out.append("accept" as StaticString)
        case .drop: out.append("drop" as StaticString)
        case .return: out.append("return" as StaticString)
        case .jump(let target):
            out.append("jump " as StaticString)
            target.write(to: &out)
        case .goto(let target):
            out.append("goto " as StaticString)
            target.write(to: &out)
        case .reject(let kind):
            out.append("reject" as StaticString)
            guard let kind else { return }
            let icmp: StaticString = family == .ip6 ? " with icmpv6 type " : " with icmp type "
            switch kind {
            case .tcpReset: out.append(" with tcp reset" as StaticString)
            case .portUnreachable:
                out.append(icmp)
                out.append("port-unreachable" as StaticString)
            case .adminProhibited:
                out.append(icmp)
                out.append("admin-prohibited" as StaticString)
            }
        case .dnat(let address, let port):
            out.append("dnat to " as StaticString)
            let bracketed = address.family == .ipv6 && port != nil
            if bracketed { out.append(UInt8(ascii: "[")) }
            address.write(to: &out)
            if bracketed { out.append(UInt8(ascii: "]")) }
            if let port {
                out.append(UInt8(ascii: ":"))
                out.appendDecimal(UInt64(port))
            }
        case .masquerade(let randomFully):
            out.append(randomFully ? "masquerade fully-random" as StaticString : "masquerade")
        case .setMark(.or(let mark)):
            out.append("mark set mark or " as StaticString)
            out.append(mark.spelling)
        case .setMark(.xor(let mark)):
            out.append("mark set mark xor " as StaticString)
            out.append(mark.spelling)
        case .setMark(.set(let value, let mask)):
            // Keep the bits outside the mask, then set the value's.
            out.append("mark set mark and 0x" as StaticString)
            out.appendHex(UInt64(~mask.value))
            out.append(" xor " as StaticString)
            out.append(value.spelling)
        case .verdictMap(let fields, let map):
            writeFields(fields, to: &out)
            out.append(" vmap @" as StaticString)
            map.write(to: &out)
        case .randomChoice(let targets):
            out.append("numgen random mod " as StaticString)
            out.appendDecimal(UInt64(targets.count))
            out.append(" vmap { " as StaticString)
            for (position, target) in targets.enumerated() {
                if position > 0 { out.append(" , " as StaticString) }
                out.appendDecimal(UInt64(position))
                out.append(" : goto " as StaticString)
                target.write(to: &out)
            }
            out.append(" }" as StaticString)
        case .unrecognized(let text):
            throw Problem(reason: "an iptables target kept verbatim (\(text))")
        }
    }

    /// `ip saddr 10.0.0.0/8`, `ip6 daddr != fd00::1`: the keyword follows the address's family.
    private func writeAddress(_ field: StaticString, _ address: AddressMatch, _ negated: Bool,
                              to out: inout ByteBuffer) {
        out.append(address.family == .ipv4 ? "ip" as StaticString : "ip6")
        out.append(field)
        if negated { out.append("!= " as StaticString) }
        switch address {
        case .host(let host): host.write(to: &out)
        case .prefix(let prefix): prefix.write(to: &out)
        }
    }

    /// `tcp dport 80` after a protocol match, `th dport 80` without one.
    private func writePort(_ field: StaticString, _ range: PortRange, _ negated: Bool, protocol proto: L4Protocol?,
                           to out: inout ByteBuffer) {
        if let proto {
            out.append(proto.nftKeyword)
        } else {
            out.append("th" as StaticString)
        }
        out.append(field)
        if negated { out.append("!= " as StaticString) }
        out.appendDecimal(UInt64(range.first))
        if range.last != range.first {
            out.append(UInt8(ascii: "-"))
            out.appendDecimal(UInt64(range.last))
        }
    }

    /// Packet fields joined by ` . ` (a concatenation when there are several).
    func writeFields(_ fields: [PacketField], to out: inout ByteBuffer) {
        for (position, field) in fields.enumerated() {
            if position > 0 { out.append(" . " as StaticString) }
            switch field {
            case .sourceAddress:
                out.append(family == .ip6 ? "ip6 saddr" as StaticString : "ip saddr")
            case .destinationAddress:
                out.append(family == .ip6 ? "ip6 daddr" as StaticString : "ip daddr")
            case .l4Protocol: out.append("meta l4proto" as StaticString)
            case .sourcePort: out.append("th sport" as StaticString)
            case .destinationPort: out.append("th dport" as StaticString)
            }
        }
    }

    /// Key components joined by ` . `.
    static func writeKey(_ key: [KeyComponent], to out: inout ByteBuffer) {
        for (position, component) in key.enumerated() {
            if position > 0 { out.append(" . " as StaticString) }
            switch component {
            case .address(let address): address.write(to: &out)
            case .prefix(let prefix): prefix.write(to: &out)
            case .l4Protocol(let proto): out.append(proto.nftKeyword)
            case .port(let port): out.appendDecimal(UInt64(port))
            }
        }
    }
}

extension Match {
    var isPortMatch: Bool {
        switch self {
        case .destinationPort, .sourcePort: return true
        default: return false
        }
    }
}

extension L4Protocol {
    /// The protocol's nft keyword, as static text.
    var nftKeyword: StaticString {
        switch self {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }
}

extension ConntrackState {
    /// nft's lower-case state names.
    var nftKeyword: StaticString {
        switch self {
        case .invalid: return "invalid"
        case .new: return "new"
        case .established: return "established"
        case .related: return "related"
        case .untracked: return "untracked"
        case .snat: return "snat"
        case .dnat: return "dnat"
        }
    }
}
