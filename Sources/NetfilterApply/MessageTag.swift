/// What a batch message is about, packed into the Int tag the batch keeps per message, so
/// that a rejection can be traced to its table, chain and rule without a per-message table.
struct MessageTag: Equatable {
    enum Kind: Int {
        case table = 1, chain, rule, kernelObject, stateRecord
    }

    let kind: Kind
    let family: Int
    let table: Int
    let chain: Int
    let rule: Int

    init(_ kind: Kind, family: Int, table: Int = 0, chain: Int = 0, rule: Int = 0) {
        self.kind = kind
        self.family = family
        self.table = table
        self.chain = chain
        self.rule = rule
    }

    var packed: Int {
        kind.rawValue << 60 | family << 56 | table << 48 | chain << 24 | rule
    }

    init?(packed: Int) {
        guard let kind = Kind(rawValue: packed >> 60) else { return nil }
        self.kind = kind
        family = (packed >> 56) & 0xf
        table = (packed >> 48) & 0xff
        chain = (packed >> 24) & 0xff_ffff
        rule = packed & 0xff_ffff
    }
}
