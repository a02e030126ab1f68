import RuleModel

/// Chains that jump or go to each other in a circle. The kernel refuses such a ruleset
/// (nf_tables checks every jump it is given for a way back, ELOOP), so rules holding one
/// cannot be what a node runs and a trace through them would mean nothing.
public struct JumpLoop: Error, Sendable, Equatable, CustomStringConvertible {
    public let table: String
    /// The chains of the loop in jump order; the last one jumps back to the first.
    public let chains: [ChainName]

    public var description: String {
        let circle = (chains + [chains[0]]).map(\.description).joined(separator: " -> ")
        return "the kernel refuses these rules: chains of table \(table) jump in a loop (\(circle))"
    }

    /// The first loop among the chains of any table of `ruleset`, nil when there is none.
    public static func find(in ruleset: Ruleset) -> JumpLoop? {
        for table in ruleset.tables {
            if let chains = find(in: table) { return JumpLoop(table: table.name, chains: chains) }
        }
        return nil
    }

    /// Depth-first search with an explicit stack (tables can hold tens of thousands of chains);
    /// a jump to a chain still on the stack closes a loop.
    static func find(in table: Table) -> [ChainName]? {
        let index = table.chainIndex()
        let targets: [[Int]] = table.chains.map { chain in
            var found: [Int] = []
            for rule in chain.rules {
                var names = rule.verdict?.targetChains ?? []
                if case .verdictMap(_, let mapName)? = rule.verdict, let map = table.maps.first(where: { $0.name == mapName }) {
                    names += map.entries.flatMap(\.verdict.targetChains)
                }
                found += names.compactMap { index[$0] }
            }
            return found
        }
        enum Mark { case unvisited, onStack, done }
        var marks = [Mark](repeating: .unvisited, count: table.chains.count)
        for root in table.chains.indices where marks[root] == .unvisited {
            var stack: [(chain: Int, next: Int)] = [(root, 0)]
            marks[root] = .onStack
            while let top = stack.last {
                guard top.next < targets[top.chain].count else {
                    marks[top.chain] = .done
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let target = targets[top.chain][top.next]
                switch marks[target] {
                case .onStack:
                    let start = stack.firstIndex { $0.chain == target }!
                    return stack[start...].map { table.chains[$0.chain].name }
                case .unvisited:
                    marks[target] = .onStack
                    stack.append((target, 0))
                case .done:
                    continue
                }
            }
        }
        return nil
    }
}
