import NetfilterNetlink
import NFTablesEncoding
import RuleModel

/// PacketPath's nftables tables as its own last commit left them, known from what it sent.
/// While the ruleset generation is still the one that commit produced, nobody else has
/// changed anything, so the next plan can start from this instead of dumping 110,000 chains
/// and 10,000 maps back (at 10,000 Services) — the kernel is read only when someone else wrote.
///
/// It keeps the typed tables committed (when the apply had them): the next change is then
/// found by comparing typed chains, sets and maps (`NFTablesTypedChange`), and only what
/// differs is encoded. The read-back's form (`tables()`) is derived only when a plan needs it;
/// it holds what `NFTablesReadBack` would read, but for what the kernel itself decides: rule
/// handles (the nftables plans never address a rule by handle), the numbers of anonymous sets
/// (plans compare those by contents), and the elements of dynamic sets, which the data path
/// adds and no plan touches.
struct NFTablesRemembered: Sendable {
    struct Table: Sendable {
        var chains: [NFTablesTableState.Chain]
        var sets: [NFTablesTableState.SetContents]
    }

    /// The generation PacketPath's commit produced.
    let generation: UInt32
    /// The typed tables committed, when the apply was given them.
    let rulesets: [Ruleset]?
    /// Their encoding, when the apply made it (derived from `rulesets` otherwise).
    private let programs: [NFTablesProgram]?
    /// The digest record of `rulesets` the same commit left, when it is known to be exactly so.
    let recorded: NFTablesRecorded?

    init(generation: UInt32, programs: [NFTablesProgram]?, rulesets: [Ruleset]?, recorded: NFTablesRecorded? = nil) {
        self.generation = generation
        self.programs = programs
        self.rulesets = rulesets
        self.recorded = recorded
    }

    /// Each table committed, in the read-back's form.
    func tables() throws -> [TableKey: Table] {
        let programs = try programs ?? NFTablesApplier.programs(rulesets ?? [])
        var tables: [TableKey: Table] = [:]
        for program in programs { tables[TableKey(program.family, program.table)] = Self.expected(program) }
        return tables
    }

    /// The state of `table` (as just listed by the kernel), when `tables` covers it.
    static func state(of table: TableInfo, in tables: [TableKey: Table]) -> NFTablesTableState? {
        guard let remembered = tables[TableKey(table.family, table.name)] else { return nil }
        return NFTablesTableState(table: table, chains: remembered.chains, sets: remembered.sets)
    }

    /// What the kernel holds after `program` was committed, in the read-back's form.
    static func expected(_ program: NFTablesProgram) -> Table {
        var rulesByChain: [ObjectName: [NFTablesTableState.Rule]] = [:]
        for rule in program.rules {
            let anonymous = rule.anonymousSets.map { NFTablesTableState.SetContents(set: $0.set, elements: $0.elements) }
            rulesByChain[rule.chain, default: []].append(
                NFTablesTableState.Rule(handle: 0, expressions: rule.expressions.map(KernelForm.of),
                                        userData: rule.userData, anonymousSets: anonymous))
        }
        let chains = program.chains.map { chain in
            NFTablesTableState.Chain(info: ChainInfo(family: program.family, table: program.table, name: chain.name, handle: 0,
                                                     base: chain.base, comment: chain.comment),
                                     rules: rulesByChain[chain.name] ?? [])
        }
        let sets = program.sets.map { definition in
            NFTablesTableState.SetContents(set: definition.set,
                                           elements: definition.set.flags.contains(.dynamic) ? [] : definition.elements)
        }
        return Table(chains: chains, sets: sets)
    }
}
