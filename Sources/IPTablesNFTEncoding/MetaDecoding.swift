import NetfilterNetlink
import RuleModel

/// `-p` and `-m mark` read back from `meta` loads, the inverse of the encoder's native forms.
enum MetaDecoding {
    /// `meta load l4proto` + `cmp eq` of one byte.
    static func l4Protocol(_ meta: Meta, at index: Int, reader: inout ExpressionReader) throws(ExpressionProblem) -> L4Protocol {
        let register = meta.destination ?? .r1
        let (cmpIndex, cmp) = try reader.compare(after: index, register: register, what: "the layer-4 protocol")
        guard cmp.data.count == 1 else {
            throw ExpressionProblem("compares \(cmp.data.count) bytes against the one-byte layer-4 protocol", at: cmpIndex)
        }
        guard cmp.op == .eq else {
            throw ExpressionProblem("compares the layer-4 protocol with \"\(cmp.op)\"; the rule model has only -p PROTO (no ! -p)", at: cmpIndex)
        }
        guard let proto = L4Protocol.allCases.first(where: { $0.number == cmp.data[0] }) else {
            throw ExpressionProblem("matches IP protocol \(cmp.data[0]), which the rule model does not have (tcp, udp, sctp)", at: cmpIndex)
        }
        return proto
    }

    /// `meta load mark` [+ `bitwise` mask] + `cmp eq|neq`: `-m mark [!] --mark VALUE[/MASK]`.
    static func mark(_ meta: Meta, at index: Int, reader: inout ExpressionReader) throws(ExpressionProblem) -> Match {
        let register = meta.destination ?? .r1
        var mask = UInt32.max
        if let (_, data) = try reader.mask(on: register, length: 4, what: "the packet mark") {
            mask = data.hostOrderValue
        }
        let (cmpIndex, cmp) = try reader.compare(after: index, register: register, what: "the packet mark")
        guard cmp.data.count == 4, cmp.op == .eq || cmp.op == .neq else {
            throw ExpressionProblem("compares the packet mark with \"\(cmp.op)\" against \(cmp.data.count) bytes", at: cmpIndex)
        }
        return .mark(MarkValue(cmp.data.hostOrderValue), mask: MarkValue(mask), negated: cmp.op == .neq)
    }
}
