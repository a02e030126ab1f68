import NetfilterNetlink
import NetworkAddresses
import NFTablesEncoding
import NFTText
import RuleModel

/// What an nftables-layout dry run planned: the batch, and the tables as they were read (or
/// remembered) when it was planned.
struct NFTablesPlannedChange: Sendable {
    var transaction: Transaction
    var current: [TableKey: NFTablesTableState]
}

/// A planned nftables-layout change as `nft -f` input that makes the same change: tables
/// removed or written whole, and in a table changed in place its flushed chains, deleted
/// elements, then the new and refilled chains, new sets and added elements (printed by
/// `NFTTextWriter`, as `compile --backend nftables` prints them), and last the stale sets,
/// maps and chains. Loaded with `nft -f` into the namespace as it was read, it leaves what
/// the native apply would — except PacketPath's ownership record in the user data of a table
/// written whole, which `nft` has no syntax for (such a table then needs `apply --take-over`).
enum NFTablesDryRunText {
    struct Unprintable: Error, CustomStringConvertible {
        let description: String
    }

    /// What the batch does to one table.
    private struct TableChange {
        var written = false
        var deleted = false
        var flushedChains: [ObjectName] = []
        var flushedSets: [ObjectName] = []
        var deletedElements: [(NetfilterSet, [NetfilterNetlink.SetElement])] = []
        var filledChains: Set<ObjectName> = []
        var newSets: Set<ObjectName> = []
        var addedElements: [ObjectName: [NetfilterNetlink.SetElement]] = [:]
        var deletedSets: [ObjectName] = []
        var deletedChains: [ObjectName] = []

        var changesInPlace: Bool {
            !(flushedChains.isEmpty && deletedElements.isEmpty && filledChains.isEmpty && newSets.isEmpty
              && addedElements.isEmpty && deletedSets.isEmpty && deletedChains.isEmpty)
        }
    }

    /// `rulesets` and `programs` are the desired state the change was planned for (programs
    /// in the order `NFTablesApplier.programs` made them from the rulesets' tables).
    static func render(_ change: NFTablesPlannedChange, rulesets: [Ruleset], programs: [NFTablesProgram]) throws -> String {
        var changes: [TableKey: TableChange] = [:]
        var removedTables: [TableKey] = []
        for operation in change.transaction.operations {
            try record(operation, into: &changes, removedTables: &removedTables)
        }
        var lines: [String] = []
        let desired = Set(programs.map { TableKey($0.family, $0.table) })
        for key in removedTables where !desired.contains(key) {
            lines.append("delete table \(key.family) \(key.name)")
        }
        let tables = rulesets.flatMap { ruleset in ruleset.tables.map { (ruleset.family, $0) } }
        for ((family, table), program) in zip(tables, programs) {
            let key = TableKey(program.family, program.table)
            guard let tableChange = changes[key] else { continue }
            if tableChange.written {
                if tableChange.deleted { lines.append("delete table \(key.family) \(key.name)") }
                lines.append(try text(Ruleset(family: family, tables: [table])))
            } else if tableChange.changesInPlace {
                lines += try inPlace(tableChange, key: key, table: table, family: family, program: program,
                                     current: change.current[key])
            }
        }
        return lines.filter { !$0.isEmpty }.map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }.joined(separator: "\n")
            + (lines.isEmpty ? "" : "\n")
    }

    private static func record(_ operation: KernelOperation, into changes: inout [TableKey: TableChange],
                               removedTables: inout [TableKey]) throws {
        switch operation {
        case .addTable(let key, _), .addNFTTable(let key, _, _):
            changes[key, default: TableChange()].written = true
        case .deleteTable(let key):
            changes[key, default: TableChange()].deleted = true
            removedTables.append(key)
        case .flushChain(let chain):
            changes[chain.table, default: TableChange()].flushedChains.append(chain.name)
        case .addChain(let chain, _, _), .createChain(let chain, _, _), .addRule(let chain, _, _), .appendRules(let chain, _):
            changes[chain.table, default: TableChange()].filledChains.insert(chain.name)
        case .deleteChain(let chain):
            changes[chain.table, default: TableChange()].deletedChains.append(chain.name)
        case .addSet(let key, let set):
            // Anonymous sets are printed inside the rules that own them.
            if !set.flags.contains(.anonymous) { changes[key, default: TableChange()].newSets.insert(set.name) }
        case .deleteSet(let key, let name):
            changes[key, default: TableChange()].deletedSets.append(name)
        case .addElements(let key, let set, let elements):
            if !set.flags.contains(.anonymous) { changes[key, default: TableChange()].addedElements[set.name, default: []] += elements }
        case .deleteElements(let key, let set, let elements):
            if set.flags.contains(.interval) {
                // An interval set's ranges are rewritten whole: emptied here, every range added again.
                if !(changes[key]?.flushedSets.contains(set.name) ?? false) { changes[key, default: TableChange()].flushedSets.append(set.name) }
            } else {
                changes[key, default: TableChange()].deletedElements.append((set, elements))
            }
        case .deleteRule:
            throw Unprintable(description: "a rule deleted by handle, which the nftables layout's plans never do")
        }
    }

    private static func inPlace(_ change: TableChange, key: TableKey, table: Table, family: IPFamily,
                                program: NFTablesProgram, current: NFTablesTableState?) throws -> [String] {
        let prefix = "\(key.family) \(key.name)"
        var lines = change.flushedChains.map { "flush chain \(prefix) \($0)" }
        lines += change.flushedSets.map { "flush set \(prefix) \($0)" }
        let stale = Set(change.deletedSets)
        for (set, elements) in change.deletedElements where !stale.contains(set.name) {
            let keys = try elements.map { element -> String in
                guard let components = SetKeyDecoding.components(element.key, keyType: set.keyType) else {
                    throw Unprintable(description: "an element of \(set.name) whose key (type \(set.keyType)) cannot be printed")
                }
                return NFTTextWriter.keyText(components)
            }
            lines.append("delete element \(prefix) \(set.name) { \(keys.joined(separator: ", ")) }")
        }

        var delta = Table(table.name, chains: table.chains.filter { change.filledChains.contains(ObjectName("\($0.name)")) },
                          family: table.family, comment: table.comment)
        for set in table.sets {
            let name = ObjectName("\(set.name)")
            if let elements = try chosen(set.elements, name: name, change: change, program: program, interval: set.intervals) {
                var copy = set
                copy.elements = elements
                delta.sets.append(copy)
            }
        }
        for map in table.maps {
            if let entries = try chosen(map.entries, name: ObjectName("\(map.name)"), change: change, program: program, interval: false) {
                var copy = map
                copy.entries = entries
                delta.maps.append(copy)
            }
        }
        if !(delta.chains.isEmpty && delta.sets.isEmpty && delta.maps.isEmpty) {
            lines.append(try text(Ruleset(family: family, tables: [delta])))
        }
        for name in change.deletedSets {
            let isMap = current?.sets.first { $0.set.name == name }?.set.flags.contains(.map) ?? false
            lines.append("delete \(isMap ? "map" : "set") \(prefix) \(name)")
        }
        lines += change.deletedChains.map { "delete chain \(prefix) \($0)" }
        return lines
    }

    /// The elements of a set or map the change adds: all of a new set (or of a rewritten
    /// interval set), else those whose kernel form the batch adds; nil when it adds none.
    /// The encoder writes a set's elements one for one in the model's order.
    private static func chosen<Element>(_ elements: [Element], name: ObjectName, change: TableChange,
                                        program: NFTablesProgram, interval: Bool) throws -> [Element]? {
        if change.newSets.contains(name) { return elements }
        guard let added = change.addedElements[name], !added.isEmpty else { return nil }
        if interval { return elements }
        guard let definition = program.sets.first(where: { $0.set.name == name }), definition.elements.count == elements.count else {
            throw Unprintable(description: "the elements of \(name) do not match its encoding")
        }
        let keys = Set(added.map { $0.key })
        return zip(elements, definition.elements).filter { keys.contains($0.1.key) }.map(\.0)
    }

    private static func text(_ ruleset: Ruleset) throws -> String {
        try NFTTextWriter(threads: 1).text(ruleset)
    }
}
