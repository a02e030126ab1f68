import RuleModel

/// What the kernel changes when nft text is loaded and listed back, undone, so a parsed
/// listing and the parsed script it came from compare equal:
///
/// - order: the listing's chains, sets and maps are grouped by kind; set and map elements come
///   back in the kernel's order (hash or interval order), not the script's;
/// - an anonymous set's elements come back in the kernel's interval order
///   (`{ 203.0.113.0/25, 198.51.100.0/24 }` is listed `{ 198.51.100.0/24, 203.0.113.0/25 }`);
/// - a one-element anonymous set (`ip saddr != { 203.0.113.0/25 }`) is listed as a plain
///   comparison (`ip saddr != 203.0.113.0/25`);
/// - spellings the model already treats as equal: `timeout 3600s` ≡ `1h`, `priority -110` ≡
///   `dstnat - 10`, `mark and 0x4000 == 0` ≡ `meta mark & 0x00004000 == 0x00000000`,
///   `mark set mark or` ≡ `meta mark set meta mark |`, `{ a , b }` ≡ `{ a, b }`;
/// - additions the model does not keep: `size 65535` on dynamic sets, `policy accept;` on
///   base chains (accept is the default), `elements = { … }` inside the declaration instead
///   of `add element` lines.
public enum NFTCanonicalForm {
    public static func normalized(_ rulesets: [Ruleset]) -> [Ruleset] {
        rulesets.map { ruleset in
            var ruleset = ruleset
            ruleset.tables = ruleset.tables.map(normalized)
            return ruleset
        }
    }

    static func normalized(_ table: Table) -> Table {
        var table = table
        table.chains = table.chains.sorted { $0.name < $1.name }.map { chain in
            var chain = chain
            chain.rules = chain.rules.map { rule in
                var rule = rule
                rule.matches = rule.matches.map(collapsed)
                return rule
            }
            return chain
        }
        table.sets = table.sets.sorted { $0.name < $1.name }.map { set in
            var set = set
            set.elements.sort { String(describing: $0) < String(describing: $1) }
            return set
        }
        table.maps = table.maps.sorted { $0.name < $1.name }.map { map in
            var map = map
            map.entries.sort { String(describing: $0) < String(describing: $1) }
            return map
        }
        return table
    }

    /// A one-element anonymous address set as the comparison the kernel lists it as; a larger
    /// one with its elements in a fixed order.
    private static func collapsed(_ match: Match) -> Match {
        guard case .inAnonymousSet(let field, let elements, let negated) = match else { return match }
        guard elements.count == 1 else {
            return .inAnonymousSet(field: field, elements: elements.sorted { String(describing: $0) < String(describing: $1) },
                                   negated: negated)
        }
        guard
              field == .sourceAddress || field == .destinationAddress else { return match }
        let address: AddressMatch
        switch elements[0] {
        case .address(let host): address = .host(host)
        case .prefix(let prefix): address = .prefix(prefix)
        default: return match
        }
        return field == .sourceAddress ? .source(address, negated: negated) : .destination(address, negated: negated)
    }
}
