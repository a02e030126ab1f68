import NetfilterNetlink
import RuleModel

/// `-i`/`-o` as iptables-nft 1.8.9 stores them: `meta load iifname|oifname` and a `cmp` of the
/// name with its terminating NUL, or of the stem alone for a `+` wildcard (a shorter compare
/// tests a prefix). A lone `+` is the load without a compare: any interface.
enum InterfaceEncoding {
    static func append(_ direction: InterfaceDirection, _ name: InterfaceName, negated: Bool,
                       to out: inout [Expression]) throws {
        out.append(.meta(Meta(key: direction == .input ? .iifname : .oifname)))
        if name.isWildcard {
            guard !name.stem.isEmpty else {
                if negated { throw EncodingError("! \(direction.option) + matches no packet; iptables-nft writes it with a placeholder name") }
                return
            }
            out.append(.cmp(Cmp(negated ? .neq : .eq, RegisterData(Array(name.stem.utf8)))))
        } else {
            out.append(.cmp(Cmp(negated ? .neq : .eq, RegisterData(Array(name.text.utf8) + [0]))))
        }
    }

    /// The inverse: the compare after a name load at `index`.
    static func decode(_ meta: Meta, at index: Int, reader: inout ExpressionReader) throws(ExpressionProblem) -> Match {
        let direction: InterfaceDirection = meta.key == .iifname ? .input : .output
        let register = meta.destination ?? .r1
        guard case .cmp(let next)? = reader.peek(), next.source == register else {
            return .interface(direction, InterfaceName("+")!)
        }
        let (cmpIndex, cmp) = try reader.compare(after: index, register: register, what: "the interface name")
        guard cmp.op == .eq || cmp.op == .neq else {
            throw ExpressionProblem("compares the interface name with \"\(cmp.op)\"", at: cmpIndex)
        }
        var bytes = cmp.data.bytes
        let exact = bytes.last == 0
        if exact { bytes.removeLast() }
        let text = String(decoding: bytes, as: UTF8.self) + (exact ? "" : "+")
        guard !bytes.contains(0), let name = InterfaceName(text) else {
            throw ExpressionProblem("compares the interface name with bytes that are no interface name", at: cmpIndex)
        }
        return .interface(direction, name, negated: cmp.op == .neq)
    }
}
