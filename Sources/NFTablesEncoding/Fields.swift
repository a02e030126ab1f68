import NetfilterNetlink
import RuleModel

/// How a packet field is loaded into registers, and how wide it is in a set key.
struct FieldLoad {
    let field: PacketField
    let family: NetfilterFamily

    private var addressLength: UInt32 { family == .ipv6 ? 16 : 4 }

    /// Bytes the field occupies on its own (a single-field key).
    var length: UInt32 {
        switch field {
        case .sourceAddress, .destinationAddress: return addressLength
        case .l4Protocol: return 1
        case .sourcePort, .destinationPort: return 2
        }
    }

    /// Bytes in a concatenated key: every field starts on a 32-bit register boundary.
    var paddedLength: UInt32 { (length + 3) / 4 * 4 }

    func expression(into register: Register) -> Expression {
        switch field {
        case .sourceAddress:
            return .payload(Payload(base: .network, offset: family == .ipv6 ? 8 : 12, length: length, destination: register))
        case .destinationAddress:
            return .payload(Payload(base: .network, offset: family == .ipv6 ? 24 : 16, length: length, destination: register))
        case .l4Protocol:
            return .meta(Meta(key: .l4proto, destination: register))
        case .sourcePort:
            return .payload(Payload(base: .transport, offset: 0, length: 2, destination: register))
        case .destinationPort:
            return .payload(Payload(base: .transport, offset: 2, length: 2, destination: register))
        }
    }
}

enum Registers {
    /// The register holding 32-bit word `index` of a concatenation. nft names it by the
    /// 16-byte register when the word starts one (`reg 1`, `reg 2`), by the 32-bit one
    /// otherwise (`reg 9`); the kernel accepts both, and read-back compares them as written.
    static func word(_ index: UInt32) -> Register {
        index % 4 == 0 ? Register(rawValue: index / 4 + 1) : .word(index)
    }

    /// Loads `fields` into consecutive registers from register 1; returns the expressions.
    static func load(_ fields: [PacketField], family: NetfilterFamily) -> [Expression] {
        var words: UInt32 = 0
        var out: [Expression] = []
        for field in fields {
            let load = FieldLoad(field: field, family: family)
            out.append(load.expression(into: word(words)))
            words += load.paddedLength / 4
        }
        return out
    }
}
