import NetfilterNetlink
import NFTablesEncoding

/// Explicit names for the anonymous sets of a table created whole.
///
/// The encoder names an anonymous set with nft's template (`__map%d`), and the kernel then
/// picks the number by scanning every set of the table with sscanf, so creating 10,000 of them
/// costs O(N²). In a table the same transaction creates, no other set exists but the
/// program's own, whose set IDs are unique in the batch: `__map<ID>` is the name the kernel's
/// scheme could have picked, needs no scan, and later template-named sets in the same table
/// still skip it (the kernel parses it as used). The anonymous flag makes `nft list` print the
/// set inline whatever its name, so the listing is unchanged.
extension NFTablesProgram.Rule {
    func namingAnonymousSets() -> NFTablesProgram.Rule {
        guard !anonymousSets.isEmpty else { return self }
        var names: [UInt32: ObjectName] = [:]
        var rule = self
        for index in rule.anonymousSets.indices {
            let set = rule.anonymousSets[index].set
            guard let id = set.id, let name = Self.explicitName(set.name, id: id) else { continue }
            names[id] = name
            rule.anonymousSets[index].set.name = name
        }
        rule.expressions = rule.expressions.map { expression in
            guard case .lookup(var lookup) = expression, let id = lookup.setID, let name = names[id] else { return expression }
            lookup.set = name
            return .lookup(lookup)
        }
        return rule
    }

    /// `__map%d` with ID 7 → `__map7`; nil for a name that is no template.
    private static func explicitName(_ template: ObjectName, id: UInt32) -> ObjectName? {
        let text = template.description
        guard text.hasSuffix("%d") else { return nil }
        return ObjectName(String(text.dropLast(2)) + String(id))
    }
}
