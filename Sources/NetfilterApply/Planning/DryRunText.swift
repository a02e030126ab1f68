import NetfilterNetlink
import RuleModel

/// A transaction as `iptables-restore --noflush` input, for `--dry-run`: rule numbers are
/// worked out by replaying the transaction on the chains' current rule order.
enum DryRunText {
    static func render(_ transaction: Transaction, kernels: [KernelState]) throws -> String {
        var order: [TableKey] = []
        var lines: [TableKey: [String]] = [:]
        var notes: [String] = []
        var chains: [ChainKey: [UInt64]] = [:]
        var nextHandle: UInt64 = 1 << 62
        func current(_ key: ChainKey) -> [UInt64] {
            if let known = chains[key] { return known }
            let kernel = kernels.first { $0.family == key.family }
            let rules = kernel?.baseRules[key.table.name]?[key.name] ?? kernel?.regularRules[key.table.name]?[key.name] ?? []
            return rules.map(\.handle)
        }
        func emit(_ table: TableKey, _ line: String) {
            if lines[table] == nil { order.append(table) }
            lines[table, default: []].append(line)
        }
        var expanded: [KernelOperation] = []
        for operation in transaction.operations {
            if case .appendRules(let chain, let rules) = operation {
                expanded += rules.rules.map { .addRule(chain, .desired(rules.rule($0)), .append) }
            } else {
                expanded.append(operation)
            }
        }
        for operation in expanded {
            switch operation {
            case .addTable(let table, let comment):
                if table.name == Ownership.stateTable { notes.append("# \(table.family) table \(table.name): \(comment ?? "")") }
            case .addNFTTable(let table, _, _):
                notes.append("# \(table.family) table \(table.name) (nftables layout, replaced whole)")
            case .deleteTable(let table):
                if table.name != Ownership.stateTable && table.name != ChainDigests.table {
                    emit(table, "# delete table \(table) (PacketPath created it)")
                }
            // PacketPath's digest record is bookkeeping, not rules: left out of the text; set
            // operations on any other table get a note (below).
            case .addSet(let table, _) where table.name == ChainDigests.table,
                 .deleteSet(let table, _) where table.name == ChainDigests.table,
                 .addElements(let table, _, _) where table.name == ChainDigests.table,
                 .deleteElements(let table, _, _) where table.name == ChainDigests.table:
                continue
            case .addChain(let chain, let base, _), .createChain(let chain, let base, _):
                emit(chain.table, base == nil ? ":\(chain.name) - [0:0]" : ":\(chain.name) ACCEPT [0:0]")
                chains[chain] = []
            case .flushChain(let chain):
                emit(chain.table, "-F \(chain.name)")
                chains[chain] = []
            case .deleteChain(let chain):
                emit(chain.table, "-X \(chain.name)")
                chains[chain] = nil
            case .deleteRule(let chain, let handle):
                var handles = current(chain)
                let index = handles.firstIndex(of: handle) ?? 0
                emit(chain.table, "-D \(chain.name) \(index + 1)")
                if handles.indices.contains(index) { handles.remove(at: index) }
                chains[chain] = handles
            case .addRule(let chain, let source, let placement):
                var handles = current(chain)
                let text = ruleText(source, transaction: transaction, chain: chain)
                nextHandle += 1
                let index: Int
                switch placement {
                case .append: index = handles.count
                case .prepend: index = 0
                case .before(let handle): index = handles.firstIndex(of: handle) ?? handles.count
                case .after(let handle): index = (handles.firstIndex(of: handle) ?? handles.count - 1) + 1
                }
                emit(chain.table, index == handles.count ? "-A \(chain.name) \(text)" : "-I \(chain.name) \(index + 1) \(text)")
                handles.insert(nextHandle, at: index)
                chains[chain] = handles
            case .appendRules:
                continue
            case .addSet, .deleteSet, .addElements, .deleteElements:
                notes.append("# \(operation.kind.rawValue) (not expressible in iptables-restore input)")
            }
        }
        var text = ""
        for family in [NetfilterFamily.ipv4, .ipv6] {
            let tables = order.filter { $0.family == family }
            guard !tables.isEmpty else { continue }
            text += family == .ipv4 ? "# IPv4 (iptables-restore --noflush)\n" : "# IPv6 (ip6tables-restore --noflush)\n"
            for table in tables {
                text += "*\(table.name)\n" + lines[table]!.joined(separator: "\n") + "\nCOMMIT\n"
            }
        }
        return text + notes.map { $0 + "\n" }.joined()
    }

    private static func ruleText(_ source: RuleSource, transaction: Transaction, chain: ChainKey) -> String {
        switch source {
        case .expressions(let expressions, _), .nft(let expressions, _):
            return "# \(expressions.map(\.description).joined(separator: " "))"
        case .desired(let ref):
            let ruleset = transaction.rulesets[ref.family]
            let table = ruleset.tables[ref.table]
            let model = table.chains[ref.chain]
            let line = RulePrinter.text(model.rules[ref.rule], chain: model.name, table: table.name, family: ruleset.family)
            let prefix = "-A \(model.name) "
            return line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)) : line
        }
    }
}
