import NetfilterNetlink
import RuleModel

/// `--sport`/`--dport` read back from native expressions, the inverse of `PortEncoding`:
/// `payload` of the transport header's first four bytes + `cmp` or `range`.
enum PortDecoding {
    struct Option {
        let isSource: Bool
        let range: PortRange
        let negated: Bool
    }

    static func decode(_ payload: Payload, at index: Int, reader: inout ExpressionReader) throws(ExpressionProblem) -> [Option] {
        switch (payload.offset, payload.length) {
        case (0, 4):
            // Source and destination port compared in one go (`--sport A --dport B`).
            let (cmpIndex, cmp) = try reader.compare(after: index, register: payload.destination, what: "both ports")
            guard cmp.op == .eq || cmp.op == .neq, cmp.data.count == 4 else {
                throw ExpressionProblem("compares both ports with \"\(cmp.op)\" against \(cmp.data.count) bytes", at: cmpIndex)
            }
            let bytes = cmp.data.bytes
            let negated = cmp.op == .neq
            return [Option(isSource: true, range: PortRange(port(bytes[0], bytes[1])), negated: negated),
                    Option(isSource: false, range: PortRange(port(bytes[2], bytes[3])), negated: negated)]
        case (0, 2), (2, 2):
            return [try single(payload, at: index, isSource: payload.offset == 0, reader: &reader)]
        default:
            throw ExpressionProblem("loads \(payload.length) transport header bytes at offset \(payload.offset), which are not ports", at: index)
        }
    }

    private static func single(_ payload: Payload, at index: Int, isSource: Bool,
                               reader: inout ExpressionReader) throws(ExpressionProblem) -> Option {
        let what = isSource ? "the source port" : "the destination port"
        guard let (next, expression) = reader.next() else {
            throw ExpressionProblem("the rule ends after loading \(what) without comparing it", at: index)
        }
        switch expression {
        case .cmp(let cmp) where cmp.source == payload.destination && cmp.data.count == 2 && (cmp.op == .eq || cmp.op == .neq):
            let bytes = cmp.data.bytes
            return Option(isSource: isSource, range: PortRange(port(bytes[0], bytes[1])), negated: cmp.op == .neq)
        case .cmp(let cmp) where cmp.source == payload.destination && cmp.data.count == 2:
            // iptables-nft writes 0:N as `<= N` and its negation as `> N`, which iptables-save
            // prints as N+1:65535; the other two orders are read the same way.
            let bytes = cmp.data.bytes
            let value = port(bytes[0], bytes[1])
            let range: PortRange?
            switch cmp.op {
            case .lte: range = PortRange(first: 0, last: value)
            case .lt: range = value == 0 ? nil : PortRange(first: 0, last: value - 1)
            case .gt: range = value == .max ? nil : PortRange(first: value + 1, last: .max)
            case .gte: range = PortRange(first: value, last: .max)
            case .eq, .neq: range = nil
            }
            guard let range else { throw ExpressionProblem("compares \(what) so that no port matches", at: next) }
            return Option(isSource: isSource, range: range, negated: false)
        case .range(let range) where range.source == payload.destination && range.from.count == 2 && range.to.count == 2
            && (range.op == .eq || range.op == .neq):
            let (from, to) = (range.from.bytes, range.to.bytes)
            guard let ports = PortRange(first: port(from[0], from[1]), last: port(to[0], to[1])) else {
                throw ExpressionProblem("compares \(what) with an empty range", at: next)
            }
            return Option(isSource: isSource, range: ports, negated: range.op == .neq)
        default:
            throw ExpressionProblem("\(what) is loaded but not compared for (in)equality or a range in \(payload.destination)", at: next)
        }
    }

    private static func port(_ high: UInt8, _ low: UInt8) -> UInt16 {
        UInt16(high) << 8 | UInt16(low)
    }
}
