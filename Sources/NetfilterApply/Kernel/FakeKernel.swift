import NetfilterNetlink
#if canImport(Glibc)
import Glibc
#endif

/// An in-memory nf_tables that keeps the kernel's contract, for tests without root:
/// a transaction commits all or nothing and only on the generation it was planned against;
/// each commit moves the generation; rules get handles (one counter per table, as the kernel
/// does); a jump to a missing chain is ENOENT, a jump that closes a loop ELOOP; a chain that
/// has rules or is referenced cannot be deleted (EBUSY); deleting what is not there is ENOENT.
/// Sets as nf_tables keeps them: a rule naming a missing set is ENOENT, a set a rule looks up
/// or updates cannot be deleted (EBUSY), an anonymous set goes with the rule bound to it, an
/// element added again with other data is EBUSY (delete it first).
public final class FakeKernel: KernelConnection {
    struct Chain {
        var info: ChainInfo
        var rules: [RuleInfo] = []
    }

    struct Table {
        var info: TableInfo
        var chainOrder: [ObjectName] = []
        var chains: [ObjectName: Chain] = [:]
        var sets: [ObjectName: (set: NetfilterSet, elements: [SetElement])] = [:]
        var setOrder: [ObjectName] = []
        /// The kernel numbers anonymous sets per table; within a batch, rules and elements
        /// name them by set ID.
        var nextAnonymous = 0
        /// The sets this batch created, by set ID (the kernel's `nft_set_lookup_byid`).
        var newSetsByID: [UInt32: ObjectName] = [:]
        var nextHandle: UInt64 = 1

        mutating func takeHandle() -> UInt64 {
            defer { nextHandle += 1 }
            return nextHandle
        }
    }

    struct State {
        var generation: UInt32 = 1
        var tableOrder: [TableKey] = []
        var tables: [TableKey: Table] = [:]
    }

    private var state = State()
    /// Commits so far, and the last committed transaction (for asserting on what was sent).
    public private(set) var commits = 0
    public private(set) var lastTransaction: Transaction?
    /// Chains whose rules were listed, in order (to check what an apply had to read).
    public private(set) var chainsRead: [ChainKey] = []
    /// Sets whose elements were listed, in order.
    public private(set) var setsRead: [ObjectName] = []
    /// Runs once at the start of the next commit, before the generation check: another
    /// writer committing between a plan and its commit.
    public var beforeNextCommit: ((FakeKernel) throws -> Void)?
    /// What `iptables-legacy` left in the namespace (netlink cannot see it; the fake is told).
    public var legacy: [LegacyIPTable] = []

    public init() {}

    // MARK: Reading

    public func generation() throws -> UInt32 { state.generation }

    /// With the kernel's object count: chains and named sets (not the anonymous ones).
    public func tables(family: NetfilterFamily) throws -> [TableInfo] {
        state.tableOrder.filter { $0.family == family }.compactMap { key in
            state.tables[key].map { table in
                let info = table.info
                return TableInfo(family: info.family, name: info.name, handle: info.handle, flags: info.flags,
                                 comment: info.comment, userData: info.userData,
                                 objectCount: UInt32(table.chains.count + table.sets.values.filter { !$0.set.flags.contains(.anonymous) }.count))
            }
        }
    }

    public func chains(family: NetfilterFamily) throws -> [ChainInfo] {
        state.tableOrder.filter { $0.family == family }.flatMap { key -> [ChainInfo] in
            let table = state.tables[key]!
            return table.chainOrder.compactMap { table.chains[$0]?.info }
        }
    }

    public func rules(of chain: ChainKey) throws -> [RuleInfo] {
        chainsRead.append(chain)
        guard let found = state.tables[chain.table]?.chains[chain.name] else {
            throw NetfilterError.request(operation: "listing rules of \(chain)", errno: ENOENT)
        }
        return found.rules
    }

    public func sets(of table: TableKey) throws -> [NetfilterSet] {
        guard let found = state.tables[table] else {
            throw NetfilterError.request(operation: "listing sets of \(table)", errno: ENOENT)
        }
        return found.setOrder.compactMap { found.sets[$0]?.set }
    }

    public func elements(of set: ObjectName, in table: TableKey) throws -> [SetElement] {
        setsRead.append(set)
        guard let found = state.tables[table]?.sets[set] else {
            throw NetfilterError.request(operation: "listing elements of \(table) \(set)", errno: ENOENT)
        }
        return found.elements
    }

    public func forEachElementKey(of set: ObjectName, in table: TableKey, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        for element in try elements(of: set, in: table) {
            element.key.withUnsafeBytes(body)
        }
    }

    public func legacyTables() throws -> [LegacyIPTable] { legacy }

    // MARK: Committing

    public func commit(_ transaction: Transaction, generation: UInt32) throws -> CommitStatistics {
        if let interference = beforeNextCommit {
            beforeNextCommit = nil
            try interference(self)
        }
        guard generation == state.generation else { throw NetfilterError.generationChanged }
        var next = state
        // Set IDs link messages of one batch only.
        for key in next.tableOrder { next.tables[key]!.newSetsByID = [:] }
        var encoder = Transaction.RuleEncoder(transaction)
        for (index, (operation, tag)) in zip(transaction.operations, transaction.tags).enumerated() {
            // One operation may stand for several messages (`appendRules`), each with its tag.
            var parts: [(KernelOperation, Int)] = [(operation, tag)]
            if case .appendRules(let chain, let rules) = operation {
                parts = rules.rules.map { (.addRule(chain, .desired(rules.rule($0)), .append), tag + $0) }
            }
            for (part, partTag) in parts {
                if let code = try Self.apply(part, to: &next, encoder: &encoder) {
                    // The kernel aborts the whole batch; nothing of `next` is kept.
                    throw NetfilterError.batchRejected([MessageFailure(sequence: UInt32(index + 1), tag: partTag, errno: code)],
                                                       repliesLost: false)
                }
            }
        }
        next.generation &+= 1
        if next.generation == 0 { next.generation = 1 }
        state = next
        commits += 1
        lastTransaction = transaction
        return CommitStatistics(messages: transaction.count, bytes: 0)
    }

    /// Commits `operations` as another writer would (no generation guard).
    public func commitForeign(_ operations: [KernelOperation]) throws {
        var transaction = Transaction()
        for operation in operations { transaction.append(operation, tag: 0) }
        let saved = (commits, lastTransaction)
        _ = try commit(transaction, generation: state.generation)
        (commits, lastTransaction) = saved
    }

    /// One operation; the errno on failure.
    private static func apply(_ operation: KernelOperation, to state: inout State,
                              encoder: inout Transaction.RuleEncoder) throws -> Int32? {
        switch operation {
        case .addTable(let key, let comment):
            if state.tables[key] == nil {
                let handle = UInt64(state.tableOrder.count + 1)
                state.tables[key] = Table(info: TableInfo(family: key.family, name: key.name, handle: handle, comment: comment))
                state.tableOrder.append(key)
            }
        case .addNFTTable(let key, let comment, let userData):
            if state.tables[key] == nil {
                let handle = UInt64(state.tableOrder.count + 1)
                let info = TableInfo(family: key.family, name: key.name, handle: handle, comment: comment,
                                     userData: (comment.map(NetfilterUserData.comment) ?? []) + userData)
                state.tables[key] = Table(info: info)
                state.tableOrder.append(key)
            }
        case .deleteTable(let key):
            guard state.tables.removeValue(forKey: key) != nil else { return ENOENT }
            state.tableOrder.removeAll { $0 == key }
        case .addChain(let key, let base, let comment), .createChain(let key, let base, let comment):
            guard var table = state.tables[key.table] else { return ENOENT }
            if case .createChain = operation, table.chains[key.name] != nil { return EEXIST }
            if table.chains[key.name] == nil {
                let info = ChainInfo(family: key.family, table: key.table.name, name: key.name,
                                     handle: table.takeHandle(), base: base, comment: comment)
                table.chains[key.name] = Chain(info: info)
                table.chainOrder.append(key.name)
                state.tables[key.table] = table
            }
        case .flushChain(let key):
            guard let chain = state.tables[key.table]?.chains[key.name] else { return ENOENT }
            state.tables[key.table]!.chains[key.name]!.rules.removeAll()
            for rule in chain.rules { state.tables[key.table]!.unbind(rule) }
        case .deleteChain(let key):
            guard let table = state.tables[key.table], let chain = table.chains[key.name] else { return ENOENT }
            if !chain.rules.isEmpty || table.isReferenced(key.name) { return EBUSY }
            state.tables[key.table]!.chains[key.name] = nil
            state.tables[key.table]!.chainOrder.removeAll { $0 == key.name }
        case .addRule(let key, let source, let placement):
            guard var table = state.tables[key.table], var chain = table.chains[key.name] else { return ENOENT }
            var expressions = try encoder.withRule(source) { buffer, _ in buffer.map(KernelForm.of) }
            guard table.resolveSets(in: &expressions) else { return ENOENT }
            for target in JumpTargets.of(expressions) {
                guard table.chains[target] != nil else { return ENOENT }
                if target == key.name || table.reaches(from: target, to: key.name) { return ELOOP }
            }
            var userData: [UInt8]?
            if case .nft(_, let data) = source { userData = data }
            let rule = RuleInfo(handle: table.takeHandle(), expressions: expressions, userData: userData)
            switch placement {
            case .append: chain.rules.append(rule)
            case .prepend: chain.rules.insert(rule, at: 0)
            case .after(let handle), .before(let handle):
                guard let index = chain.rules.firstIndex(where: { $0.handle == handle }) else { return ENOENT }
                if case .after = placement { chain.rules.insert(rule, at: index + 1) } else { chain.rules.insert(rule, at: index) }
            }
            table.chains[key.name] = chain
            state.tables[key.table] = table
        case .appendRules:
            preconditionFailure("expanded by commit")
        case .deleteRule(let key, let handle):
            guard var chain = state.tables[key.table]?.chains[key.name],
                  let index = chain.rules.firstIndex(where: { $0.handle == handle }) else { return ENOENT }
            let removed = chain.rules.remove(at: index)
            state.tables[key.table]!.chains[key.name] = chain
            state.tables[key.table]!.unbind(removed)
        case .addSet(let key, var set):
            guard state.tables[key] != nil else { return ENOENT }
            set.name = state.tables[key]!.name(newSet: set)
            if state.tables[key]!.sets[set.name] == nil {
                state.tables[key]!.sets[set.name] = (set, [])
                state.tables[key]!.setOrder.append(set.name)
                if let id = set.id { state.tables[key]!.newSetsByID[id] = set.name }
            }
        case .deleteSet(let key, let name):
            guard let table = state.tables[key], table.sets[name] != nil else { return ENOENT }
            if table.isSetReferenced(name) { return EBUSY }
            state.tables[key]!.sets[name] = nil
            state.tables[key]!.setOrder.removeAll { $0 == name }
        case .addElements(let key, var set, let elements):
            if set.elementsByIDOnly {
                // The message carries no name: only a set this batch created is found.
                guard let id = set.id, let name = state.tables[key]?.newSetsByID[id] else { return ENOENT }
                set.name = name
            } else {
                set.name = state.tables[key]?.name(of: set.name, id: set.id) ?? set.name
            }
            guard var stored = state.tables[key]?.sets[set.name] else { return ENOENT }
            for element in elements {
                if let chain = element.verdict?.chain, state.tables[key]!.chains[chain] == nil { return ENOENT }
                if let index = stored.elements.firstIndex(where: { $0.key == element.key && $0.intervalEnd == element.intervalEnd }) {
                    if stored.elements[index].verdict != element.verdict || stored.elements[index].data != element.data {
                        return EBUSY
                    }
                    stored.elements[index] = element
                } else {
                    stored.elements.append(element)
                }
            }
            state.tables[key]!.sets[set.name] = stored
        case .deleteElements(let key, let set, let elements):
            guard var stored = state.tables[key]?.sets[set.name] else { return ENOENT }
            for element in elements {
                guard let index = stored.elements.firstIndex(where: { $0.key == element.key && $0.intervalEnd == element.intervalEnd })
                else { return ENOENT }
                stored.elements.remove(at: index)
            }
            state.tables[key]!.sets[set.name] = stored
        }
        return nil
    }

}

extension FakeKernel.Table {
    /// Names the sets a new rule refers to as the kernel does (an anonymous set of the same
    /// batch by its ID); false when one does not exist.
    func resolveSets(in expressions: inout [Expression]) -> Bool {
        for index in expressions.indices {
            switch expressions[index] {
            case .lookup(var lookup):
                lookup.set = name(of: lookup.set, id: lookup.setID)
                lookup.setID = nil
                guard sets[lookup.set] != nil else { return false }
                expressions[index] = .lookup(lookup)
            case .dynset(let dynset):
                guard sets[dynset.set] != nil else { return false }
            default:
                continue
            }
        }
        return true
    }

    /// The sets a rule looks up or updates.
    static func sets(of rule: RuleInfo) -> [ObjectName] {
        rule.expressions.compactMap { expression in
            switch expression {
            case .lookup(let lookup): return lookup.set
            case .dynset(let dynset): return dynset.set
            default: return nil
            }
        }
    }

    /// A deleted rule's anonymous sets go with it, as the kernel releases them.
    mutating func unbind(_ rule: RuleInfo) {
        for name in Self.sets(of: rule) where sets[name]?.set.flags.contains(.anonymous) == true {
            sets[name] = nil
            setOrder.removeAll { $0 == name }
        }
    }

    func isSetReferenced(_ name: ObjectName) -> Bool {
        chains.values.contains { chain in chain.rules.contains { Self.sets(of: $0).contains(name) } }
    }

    func isReferenced(_ name: ObjectName) -> Bool {
        chains.values.contains { chain in chain.rules.contains { JumpTargets.of($0.expressions).contains(name) } }
            || sets.values.contains { $0.elements.contains { $0.verdict?.chain == name } }
    }

    /// Whether `to` can be reached from `from` through jumps and gotos.
    func reaches(from: ObjectName, to: ObjectName) -> Bool {
        var seen: Set<ObjectName> = [from]
        var pending = [from]
        while let name = pending.popLast() {
            for rule in chains[name]?.rules ?? [] {
                for target in JumpTargets.of(rule.expressions) {
                    if target == to { return true }
                    if seen.insert(target).inserted { pending.append(target) }
                }
            }
        }
        return false
    }
}

/// The chains a rule jumps or goes to (the kernel's view of references, for EBUSY and ELOOP).
enum JumpTargets {
    static func of(_ expressions: [Expression]) -> [ObjectName] {
        expressions.compactMap { expression in
            guard case .immediate(let immediate) = expression, case .verdict(let verdict) = immediate.value else { return nil }
            return verdict.chain
        }
    }
}

extension NetfilterVerdict {
    /// The chain of a jump or goto.
    var chain: ObjectName? {
        switch self {
        case .jump(let chain), .goto(let chain): return chain
        default: return nil
        }
    }
}

extension FakeKernel.Table {
    /// The kernel names an anonymous set (`__map%d`) with a free number of its table (a number an
    /// explicitly named `__map7` holds is taken).
    mutating func name(newSet set: NetfilterSet) -> ObjectName {
        let name = set.name.description
        guard name.hasSuffix("%d"), set.id != nil else { return set.name }
        var assigned = ObjectName(String(name.dropLast(2)) + String(nextAnonymous))
        while sets[assigned] != nil {
            nextAnonymous += 1
            assigned = ObjectName(String(name.dropLast(2)) + String(nextAnonymous))
        }
        nextAnonymous += 1
        return assigned
    }

    /// A set named as a message of the batch names it (a template and set ID for a new anonymous one).
    func name(of name: ObjectName, id: UInt32?) -> ObjectName {
        guard name.description.hasSuffix("%d"), let id else { return name }
        return newSetsByID[id] ?? name
    }
}
