#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetworkAddresses
import RuleModel
import TextOutput

/// Writes single rules in kube-proxy's restore-text spelling.
///
/// Rules and matches are read through pointers into the ruleset's arrays, and the writer is
/// immutable (its probability cache is an object): passing them by value made the compiler
/// retain each rule's match array around every call, an atomic write per rule on memory
/// that is otherwise only read.
struct RuleWriter {
    let family: IPFamily
    private let probabilityTexts = ProbabilityTextCache()

    init(family: IPFamily) {
        self.family = family
    }

    func write(_ rule: UnsafePointer<Rule>, chain: ChainName, table: String, to out: inout ByteBuffer) throws {
        out.append("-A " as StaticString)
        chain.write(to: &out)
        try rule.pointee.matches.span.withUnsafeBufferPointer { matches in
            for index in matches.indices {
                try write(matches.baseAddress! + index, chain: chain, table: table, to: &out)
            }
        }
        if let verdict = rule.pointee.verdict {
            try write(verdict, chain: chain, table: table, to: &out)
        }
        out.append(UInt8(ascii: "\n"))
    }

    private func write(_ match: UnsafePointer<Match>, chain: ChainName, table: String, to out: inout ByteBuffer) throws {
        switch match.pointee {
        case .comment(let comment):
            out.append(" -m comment --comment " as StaticString)
            writeQuoted(comment, to: &out)
        case .l4Protocol(let proto):
            out.append(" -m " as StaticString)
            out.append(proto.name)
            out.append(" -p " as StaticString)
            out.append(proto.name)
        case .source(let address, let negated):
            out.append(negated ? " ! -s " as StaticString : " -s ")
            writeAddress(address, to: &out)
        case .destination(let address, let negated):
            out.append(negated ? " ! -d " as StaticString : " -d ")
            writeAddress(address, to: &out)
        case .destinationPort(let range, let negated):
            out.append(negated ? " ! --dport " as StaticString : " --dport ")
            writePorts(range, to: &out)
        case .sourcePort(let range, let negated):
            out.append(negated ? " ! --sport " as StaticString : " --sport ")
            writePorts(range, to: &out)
        case .addressType(let direction, let type, let negated):
            SharedSpelling.addressType(direction, type, negated: negated, to: &out)
        case .conntrackState(let states, let negated):
            SharedSpelling.conntrack(states, negated: negated, to: &out)
        case .mark(let value, let mask, let negated):
            out.append(" -m mark" as StaticString)
            if negated { out.append(" !" as StaticString) }
            out.append(" --mark " as StaticString)
            out.append(value.spelling)
            if mask.value != UInt32.max {
                out.append(UInt8(ascii: "/"))
                out.append(mask.spelling)
            }
        case .statistic(let probability):
            out.append(" -m statistic --mode random --probability " as StaticString)
            writeProbability(probability, to: &out)
        case .recent(let name, let operation):
            out.append(" -m recent --name " as StaticString)
            name.write(to: &out)
            switch operation {
            case .set:
                out.append(" --set" as StaticString)
            case .check(let seconds, let reap):
                out.append(" --rcheck --seconds " as StaticString)
                out.appendDecimal(UInt64(seconds))
                if reap { out.append(" --reap" as StaticString) }
            }
        case .inSet:
            throw UnrepresentableRule(table: table, chain: chain, reason: "a set lookup")
        case .inAnonymousSet:
            throw UnrepresentableRule(table: table, chain: chain, reason: "an anonymous set lookup")
        case .updateSet:
            throw UnrepresentableRule(table: table, chain: chain, reason: "a set update")
        case .interface(let direction, let name, let negated):
            SharedSpelling.interface(direction, name, negated: negated, to: &out)
        case .unrecognized(let text):
            out.append(UInt8(ascii: " "))
            out.append(text)
        }
    }

    private func write(_ verdict: Verdict, chain: ChainName, table: String, to out: inout ByteBuffer) throws {
        if RuleWriter.writeSharedTarget(verdict, to: &out) { return }
        switch verdict {
        case .reject(let kind):
            out.append(" -j REJECT" as StaticString)
            if let kind {
                out.append(" --reject-with " as StaticString)
                out.append(RejectSpelling.text(kind, family: family))
            }
        case .setMark(.or(let mark)):
            out.append(" -j MARK --or-mark " as StaticString)
            out.append(mark.spelling)
        case .setMark(.xor(let mark)):
            out.append(" -j MARK --xor-mark " as StaticString)
            out.append(mark.spelling)
        case .setMark(.set(let value, let mask)):
            out.append(" -j MARK --set-xmark " as StaticString)
            out.append(value.spelling)
            out.append(UInt8(ascii: "/"))
            out.append(mask.spelling)
        case .verdictMap:
            throw UnrepresentableRule(table: table, chain: chain, reason: "a verdict map")
        case .randomChoice:
            throw UnrepresentableRule(table: table, chain: chain, reason: "a numgen random choice")
        case .unrecognized(let text):
            out.append(UInt8(ascii: " "))
            out.append(text)
        default:
            break
        }
    }

    /// The targets iptables-restore input and iptables-save output spell alike (ACCEPT, DROP,
    /// RETURN, jumps, gotos, DNAT, MASQUERADE); false, writing nothing, for the others.
    static func writeSharedTarget(_ verdict: Verdict, to out: inout ByteBuffer) -> Bool {
        switch verdict {
        case .accept: out.append(" -j ACCEPT" as StaticString)
        case .drop: out.append(" -j DROP" as StaticString)
        case .return: out.append(" -j RETURN" as StaticString)
        case .jump(let target):
            out.append(" -j " as StaticString)
            target.write(to: &out)
        case .goto(let target):
            out.append(" -g " as StaticString)
            target.write(to: &out)
        case .dnat(let address, let port):
            out.append(" -j DNAT --to-destination " as StaticString)
            if address.family == .ipv6 && port != nil {
                out.append(UInt8(ascii: "["))
                address.write(to: &out)
                out.append(UInt8(ascii: "]"))
            } else {
                address.write(to: &out)
            }
            if let port {
                out.append(UInt8(ascii: ":"))
                out.appendDecimal(UInt64(port))
            }
        case .masquerade(let randomFully):
            out.append(" -j MASQUERADE" as StaticString)
            if randomFully { out.append(" --random-fully" as StaticString) }
        default:
            return false
        }
        return true
    }

    /// Hosts print bare (`10.96.0.1`), prefixes with their length (`10.0.0.0/8`).
    private func writeAddress(_ address: AddressMatch, to out: inout ByteBuffer) {
        switch address {
        case .host(let host): host.write(to: &out)
        case .prefix(let prefix): prefix.write(to: &out)
        }
    }

    private func writePorts(_ range: PortRange, to out: inout ByteBuffer) {
        out.appendDecimal(UInt64(range.first))
        if range.last != range.first {
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(UInt64(range.last))
        }
    }

    /// Comments with spaces (or nothing at all) go in double quotes, as iptables-restore reads them.
    private func writeQuoted(_ comment: Comment, to out: inout ByteBuffer) {
        if comment.isPlainWord {
            comment.write(to: &out)
            return
        }
        out.append(UInt8(ascii: "\""))
        RuleWriter.writeEscaped(comment.head, to: &out)
        RuleWriter.writeEscaped(comment.middle, to: &out)
        RuleWriter.writeEscaped(comment.tail, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    private static func writeEscaped(_ text: String, to out: inout ByteBuffer) {
        for byte in text.utf8 {
            if byte == 0x22 || byte == 0x5c { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
    }

    /// `%0.10f` of the probability as a binary double, as kube-proxy formats it.
    private func writeProbability(_ probability: Probability, to out: inout ByteBuffer) {
        probabilityTexts.write(probability, to: &out)
    }
}

/// Probability texts already formatted (kube-proxy's 1/k steps repeat across Services).
///
/// Slots of 16 bytes in one allocation: a length byte (0 until the text is made), then the
/// text. Handing out cached arrays instead cost a retain and a release per rule, and an
/// exclusivity check per access to the class's array.
final class ProbabilityTextCache {
    private static let slots = 4097
    private static let slotSize = 16
    private let storage: UnsafeMutablePointer<UInt8>

    init() {
        storage = .allocate(capacity: Self.slots * Self.slotSize)
        storage.initialize(repeating: 0, count: Self.slots * Self.slotSize)
    }

    deinit { storage.deallocate() }

    func write(_ probability: Probability, to out: inout ByteBuffer) {
        guard probability.numerator == 1, probability.denominator < UInt64(Self.slots) else {
            out.append(ProbabilityText.fixed10(probability.value))
            return
        }
        let slot = storage + Int(probability.denominator) * Self.slotSize
        if slot.pointee == 0 {
            let text = ProbabilityText.fixed10(probability.value)
            guard text.count < Self.slotSize else {
                out.append(text)
                return
            }
            (slot + 1).update(from: text, count: text.count)
            slot.pointee = UInt8(text.count)
        }
        out.append(UnsafeRawBufferPointer(start: slot + 1, count: Int(slot.pointee)))
    }
}

extension L4Protocol {
    /// The lower-case name iptables uses, as a static string (no String copy per rule).
    var name: StaticString {
        switch self {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }
}

extension Comment {
    /// True when the comment can be printed without quotes: non-empty, no space, quote,
    /// backslash or tab.
    var isPlainWord: Bool {
        !isEmpty && Comment.isPlain(head) && Comment.isPlain(middle) && Comment.isPlain(tail)
    }

    private static func isPlain(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 0x20 || $0 == 0x22 || $0 == 0x5c || $0 == 0x09 }
    }
}

/// Decimal spellings of probabilities.
public enum ProbabilityText {
    /// `printf("%.10f")`: glibc rounds the exact binary value, like Go's formatter.
    public static func fixed10(_ value: Double) -> [UInt8] {
        format(value, digits: 10)
    }

    public static func format(_ value: Double, digits: Int32) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            withVaList([digits, value]) { vsnprintf(pointer.baseAddress, 64, "%.*f", $0) }
        }
        return buffer[0..<Int(count)].map { UInt8(bitPattern: $0) }
    }
}

/// How iptables names ICMP errors per family.
enum RejectSpelling {
    static func text(_ kind: RejectKind, family: IPFamily) -> StaticString {
        switch (kind, family) {
        case (.portUnreachable, .ipv4): return "icmp-port-unreachable"
        case (.portUnreachable, .ipv6): return "icmp6-port-unreachable"
        case (.tcpReset, _): return "tcp-reset"
        case (.adminProhibited, .ipv4): return "icmp-admin-prohibited"
        case (.adminProhibited, .ipv6): return "icmp6-adm-prohibited"
        }
    }
}

/// Options both dump spellings (restore input and live iptables-save) write the same way.
enum SharedSpelling {
    static func interface(_ direction: InterfaceDirection, _ name: InterfaceName, negated: Bool, to out: inout ByteBuffer) {
        out.append(negated ? " ! " as StaticString : " ")
        out.append(direction == .input ? "-i " as StaticString : "-o ")
        out.append(name.text)
    }

    /// Verbatim matches iptables-save prints among the header options (`-p icmp`, `-f`).
    static func isHeader(_ text: String) -> Bool {
        text.hasPrefix("-p ") || text.hasPrefix("! -p ") || text == "-f" || text == "! -f"
    }

    static func addressType(_ direction: PacketDirection, _ type: AddressType, negated: Bool, to out: inout ByteBuffer) {
        out.append(" -m addrtype" as StaticString)
        if negated { out.append(" !" as StaticString) }
        out.append(direction == .source ? " --src-type " as StaticString : " --dst-type ")
        out.append(type.rawValue)
    }

    /// `states` in the order given (the live form orders them first).
    static func conntrack(_ states: [ConntrackState], negated: Bool, to out: inout ByteBuffer) {
        out.append(" -m conntrack" as StaticString)
        if negated { out.append(" !" as StaticString) }
        out.append(" --ctstate " as StaticString)
        for (index, state) in states.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(state.rawValue)
        }
    }
}
