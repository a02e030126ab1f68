import NetworkAddresses
import RuleModel
import TextOutput

/// Prints a ruleset the way `iptables-save` v1.8.9 (nf_tables) prints it back from the kernel,
/// without the `#` lines: built-in chains first with their policy, user chains sorted by name,
/// rules grouped by chain in that order, each rule in kernel option order (LAYOUT.md §12).
///
/// Tables without base chains in the model (a parsed restore payload) get the table's built-in
/// chains with policy ACCEPT, as a fresh namespace has them. This is the canonical spelling the
/// review tools show rules in: two rules print the same exactly when the kernel holds the same.
public struct IPTablesSaveWriter {
    public init() {}

    public func text(_ ruleset: Ruleset) throws -> String {
        var output = ByteBuffer(capacity: 65536)
        for table in ruleset.tables {
            output.append(UInt8(ascii: "*"))
            output.append(table.name)
            output.append(UInt8(ascii: "\n"))
            let chains = IPTablesSaveWriter.chainsInSaveOrder(table)
            for chain in chains {
                output.append(UInt8(ascii: ":"))
                chain.name.write(to: &output)
                if let attachment = chain.attachment {
                    output.append(attachment.policyAccepts ? " ACCEPT [0:0]\n" as StaticString : " DROP [0:0]\n")
                } else {
                    output.append(" - [0:0]\n" as StaticString)
                }
            }
            for chain in chains {
                for rule in chain.rules {
                    output.append("-A " as StaticString)
                    chain.name.write(to: &output)
                    try LiveRuleSpelling(family: ruleset.family).write(rule, chain: chain.name, table: table.name, to: &output)
                    output.append(UInt8(ascii: "\n"))
                }
            }
            output.append("COMMIT\n" as StaticString)
        }
        return String(decoding: output.bytes, as: UTF8.self)
    }

    /// Built-in chains in iptables' order (added with policy ACCEPT when missing), then the
    /// other chains by name.
    static func chainsInSaveOrder(_ table: Table) -> [Chain] {
        var builtins: [Chain] = []
        for hook in BuiltinChains.hooks(of: table.name) {
            builtins.append(table.chain(named: ChainName(hook.rawValue)) ?? BuiltinChains.emptyChain(table: table.name, hook: hook))
        }
        let builtinNames = Set(builtins.map(\.name))
        let others = table.chains.filter { !builtinNames.contains($0.name) }.sorted { $0.name < $1.name }
        return builtins + others
    }

    /// One rule as iptables-save prints it, without `-A CHAIN` (for reports).
    public static func ruleText(_ rule: Rule, family: IPFamily) throws -> String {
        var output = ByteBuffer(capacity: 256)
        try LiveRuleSpelling(family: family).write(rule, chain: "", table: "", to: &output)
        return String(decoding: output.bytes.drop { $0 == UInt8(ascii: " ") }, as: UTF8.self)
    }
}

/// The kernel's spelling of one rule: header options (`-s`, `-d`, `-p`), then the match
/// modules in rule order — the protocol's module where the protocol match stands, holding all
/// port options —, then the target with the options the kernel reports.
struct LiveRuleSpelling {
    let family: IPFamily

    func write(_ rule: Rule, chain: ChainName, table: String, to out: inout ByteBuffer) throws {
        var proto: L4Protocol?
        for match in rule.matches {
            if case .source(let address, let negated) = match { writeAddress("-s", address, negated, to: &out) }
        }
        for match in rule.matches {
            if case .destination(let address, let negated) = match { writeAddress("-d", address, negated, to: &out) }
        }
        for match in rule.matches {
            if case .interface(.input, let name, let negated) = match { SharedSpelling.interface(.input, name, negated: negated, to: &out) }
        }
        for match in rule.matches {
            if case .interface(.output, let name, let negated) = match { SharedSpelling.interface(.output, name, negated: negated, to: &out) }
        }
        for match in rule.matches {
            if case .l4Protocol(let value) = match {
                proto = value
                out.append(" -p " as StaticString)
                out.append(value.rawValue)
            }
        }
        // iptables prints a fragment test after the protocol.
        for match in rule.matches {
            if case .unrecognized(let text) = match, SharedSpelling.isHeader(text) {
                out.append(UInt8(ascii: " "))
                out.append(text)
            }
        }
        for match in rule.matches {
            switch match {
            case .source, .destination, .interface:
                continue
            case .unrecognized(let text):
                if !SharedSpelling.isHeader(text) && !(proto.map { text.hasPrefix(LiveRuleSpelling.moduleText($0)) } ?? false) {
                    out.append(UInt8(ascii: " "))
                    out.append(text)
                }
            case .destinationPort, .sourcePort:
                if proto == nil { throw UnrepresentableRule(table: table, chain: chain, reason: "a port match without a protocol") }
            case .l4Protocol(let value):
                out.append(" -m " as StaticString)
                out.append(value.rawValue)
                writePorts(of: rule, native: value != .sctp, to: &out)
                // Options of the protocol's module the model keeps verbatim print inside it.
                for case .unrecognized(let text) in rule.matches where text.hasPrefix(LiveRuleSpelling.moduleText(value)) {
                    out.append(String(text.dropFirst(LiveRuleSpelling.moduleText(value).count - 1)))
                }
            case .comment(let comment):
                out.append(" -m comment --comment " as StaticString)
                writeSaveString(comment.description, to: &out)
            case .addressType(let direction, let type, let negated):
                SharedSpelling.addressType(direction, type, negated: negated, to: &out)
            case .conntrackState(let states, let negated):
                SharedSpelling.conntrack(LiveRuleSpelling.stateOrder.filter(states.contains), negated: negated, to: &out)
            case .mark(let value, let mask, let negated):
                out.append(" -m mark" as StaticString)
                if negated { out.append(" !" as StaticString) }
                out.append(" --mark " as StaticString)
                writeHex(value.value, to: &out)
                if mask.value != UInt32.max {
                    out.append(UInt8(ascii: "/"))
                    writeHex(mask.value, to: &out)
                }
            case .statistic(let probability):
                out.append(" -m statistic --mode random --probability " as StaticString)
                out.append(StatisticProbability.liveText(probability))
            case .recent(let name, let operation):
                out.append(" -m recent" as StaticString)
                switch operation {
                case .set:
                    out.append(" --set" as StaticString)
                case .check(let seconds, let reap):
                    out.append(" --rcheck --seconds " as StaticString)
                    out.appendDecimal(UInt64(seconds))
                    if reap { out.append(" --reap" as StaticString) }
                }
                out.append(" --name " as StaticString)
                name.write(to: &out)
                out.append(family == .ipv4 ? " --mask 255.255.255.255 --rsource" as StaticString
                    : " --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource")
            case .inSet:
                throw UnrepresentableRule(table: table, chain: chain, reason: "a set lookup")
            case .inAnonymousSet:
                throw UnrepresentableRule(table: table, chain: chain, reason: "an anonymous set lookup")
            case .updateSet:
                throw UnrepresentableRule(table: table, chain: chain, reason: "a set update")
            }
        }
        if let verdict = rule.verdict { try write(verdict, chain: chain, table: table, to: &out) }
    }

    /// `-m tcp ` (with the blank): how a verbatim option of the protocol's module begins.
    static func moduleText(_ proto: L4Protocol) -> String { "-m \(proto.rawValue) " }

    /// Kernel bit order of conntrack states, which is the order iptables prints them in.
    static let stateOrder: [ConntrackState] = [.invalid, .new, .related, .established, .untracked, .snat, .dnat]

    private func writeAddress(_ option: StaticString, _ address: AddressMatch, _ negated: Bool, to out: inout ByteBuffer) {
        // iptables stores no test for a /0 address (it matches everything), so the dump has none.
        if address.asPrefix.length == 0 && !negated { return }
        out.append(negated ? " ! " as StaticString : " ")
        out.append(option)
        out.append(UInt8(ascii: " "))
        address.asPrefix.network.write(to: &out)
    }

    /// The protocol module prints source ports before destination ports. `native`: tcp and
    /// udp ports, which iptables-nft stores as nf_tables comparisons rather than an xt match.
    private func writePorts(of rule: Rule, native: Bool, to out: inout ByteBuffer) {
        for match in rule.matches {
            if case .sourcePort(let range, let negated) = match { writePortOption(" --sport ", range, negated, native, to: &out) }
        }
        for match in rule.matches {
            if case .destinationPort(let range, let negated) = match { writePortOption(" --dport ", range, negated, native, to: &out) }
        }
    }

    private func writePortOption(_ option: StaticString, _ range: PortRange, _ negated: Bool, _ native: Bool,
                                 to out: inout ByteBuffer) {
        var range = range
        var negated = negated
        // Likewise the full port range: iptables drops it.
        if range.first == 0 && range.last == .max && !negated { return }
        // A native `! 0:N` is stored as `> N`, which iptables-save prints as N+1:65535.
        if native && negated && range.first == 0 && range.last < .max {
            range = PortRange(first: range.last + 1, last: .max)!
            negated = false
        }
        if negated { out.append(" !" as StaticString) }
        out.append(option)
        out.appendDecimal(UInt64(range.first))
        if range.last != range.first {
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(UInt64(range.last))
        }
    }

    private func write(_ verdict: Verdict, chain: ChainName, table: String, to out: inout ByteBuffer) throws {
        if RuleWriter.writeSharedTarget(verdict, to: &out) { return }
        switch verdict {
        case .reject(let kind):
            out.append(" -j REJECT --reject-with " as StaticString)
            out.append(RejectSpelling.text(kind ?? .portUnreachable, family: family))
        case .setMark(let operation):
            // nf_tables stores all three as value/mask: OR is v/v, XOR is v/0.
            out.append(" -j MARK --set-xmark " as StaticString)
            switch operation {
            case .or(let mark):
                writeHex(mark.value, to: &out)
                out.append(UInt8(ascii: "/"))
                writeHex(mark.value, to: &out)
            case .xor(let mark):
                writeHex(mark.value, to: &out)
                out.append("/0x0" as StaticString)
            case .set(let value, let mask):
                writeHex(value.value, to: &out)
                out.append(UInt8(ascii: "/"))
                writeHex(mask.value, to: &out)
            }
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

    private func writeHex(_ value: UInt32, to out: inout ByteBuffer) {
        out.append("0x" as StaticString)
        out.appendHex(UInt64(value))
    }

    /// iptables-save leaves a word bare only when it is letters, digits, `-` and `_`.
    private func writeSaveString(_ text: String, to out: inout ByteBuffer) {
        let bare = !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        if bare {
            out.append(text)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == 0x22 || byte == 0x5c { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }
}
