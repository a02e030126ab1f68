import IPTablesNFTEncoding
import NetfilterNetlink

/// The fingerprint of one family's desired state: a hash of every table, chain and encoded
/// rule, plus the version of the encoding and ownership scheme. Computing it also checks that
/// every rule can be encoded, before anything is read or sent.
enum Fingerprint {
    static let scheme = "packetpath iptables-nft 1.8.9 v1"

    static func compute(_ family: DesiredState.Family) throws -> String {
        var hasher = StableHasher()
        hasher.combine(scheme)
        hasher.combine(UInt32(family.family.rawValue))
        var encoder = IPTablesNFTEncoder(family: family.ruleset.family)
        var scratch: [Expression] = []
        scratch.reserveCapacity(16)
        for table in family.tables {
            hasher.combine(table.name)
            for chain in table.chains {
                hasher.combine(chain.name)
                if let base = chain.base {
                    hasher.combine(base.type)
                    hasher.combine(base.hook.rawValue)
                    hasher.combine(UInt32(bitPattern: base.priority))
                    hasher.combine(base.policyAccepts)
                } else {
                    hasher.combine(UInt64.max)
                }
                try family.forEachEncodedRule(table, chain, encoder: &encoder, scratch: &scratch) { _, compat, expressions in
                    hasher.combine(compat.protocolNumber)
                    hasher.combine(expressions.count)
                    for expression in expressions { hasher.combine(expression) }
                }
                hasher.combine(UInt64(0xc4a1))
            }
        }
        return hasher.hex
    }
}

/// The comment of the state table: `packetpath v1 generation=N fingerprint=HEX`.
struct StateRecord: Equatable {
    let generation: UInt32
    let fingerprint: String

    var comment: String { "packetpath v1 generation=\(generation) fingerprint=\(fingerprint)" }

    init(generation: UInt32, fingerprint: String) {
        self.generation = generation
        self.fingerprint = fingerprint
    }

    init?(comment: String?) {
        guard let comment else { return nil }
        let fields = comment.split(separator: " ")
        guard fields.count == 4, fields[0] == "packetpath", fields[1] == "v1",
              fields[2].hasPrefix("generation="), fields[3].hasPrefix("fingerprint="),
              let generation = UInt32(fields[2].dropFirst("generation=".count)) else { return nil }
        self.generation = generation
        fingerprint = String(fields[3].dropFirst("fingerprint=".count))
    }
}
