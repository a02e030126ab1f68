extension Table {
    /// Puts chains in the order iptables-save style dumps use: base chains first (by hook),
    /// then `leading` chains in the given order, then chains starting with `groupPrefix` in
    /// byte order, then all others in byte order. Rules inside chains keep their order.
    public mutating func sortChains(leading: [ChainName], groupPrefix: String) {
        let prefix = Array(groupPrefix.utf8)
        let hooks = Hook.allCases
        // Sort plain keys, then permute the chains in place: moving chains around by swaps
        // never retains their rule arrays, and the keys compare as integers.
        var keys: [OrderKey] = []
        keys.reserveCapacity(chains.count)
        var allInline = true
        // Read through a buffer pointer: iterating the array would copy every chain.
        chains.withUnsafeBufferPointer { chains in
            for index in chains.indices {
                let group: Int
                var rank = 0
                if let attachment = chains[index].attachment {
                    group = 0
                    rank = hooks.firstIndex(of: attachment.hook)!
                } else if let position = leading.firstIndex(of: chains[index].name) {
                    group = 1
                    rank = position
                } else {
                    group = chains[index].name.hasPrefix(bytes: prefix) ? 2 : 3
                }
                let words = chains[index].name.sortKey
                if words == nil { allInline = false }
                keys.append(OrderKey(group: group, rank: rank, words: words ?? (0, 0, 0, 0), index: index))
            }
        }
        if allInline {
            keys.sort()
        } else {
            keys.sort { lhs, rhs in
                if (lhs.group, lhs.rank) != (rhs.group, rhs.rank) { return (lhs.group, lhs.rank) < (rhs.group, rhs.rank) }
                return chains[lhs.index].name < chains[rhs.index].name
            }
        }
        chains.applyPermutation(keys.map(\.index))
    }
}

extension Array where Element == Chain {
    /// Sorts chains by name in byte order, moving them (never copying) into place.
    public mutating func sortByName() {
        var keys: [OrderKey] = []
        keys.reserveCapacity(count)
        var allInline = true
        withUnsafeBufferPointer { chains in
            for index in chains.indices {
                let words = chains[index].name.sortKey
                if words == nil { allInline = false }
                keys.append(OrderKey(group: 0, rank: 0, words: words ?? (0, 0, 0, 0), index: index))
            }
        }
        if allInline {
            keys.sort()
        } else {
            keys.sort { self[$0.index].name < self[$1.index].name }
        }
        applyPermutation(keys.map(\.index))
    }
}

private struct OrderKey: Comparable {
    let group: Int
    let rank: Int
    let words: (UInt64, UInt64, UInt64, UInt64)
    let index: Int

    static func == (lhs: OrderKey, rhs: OrderKey) -> Bool { lhs.index == rhs.index }

    static func < (lhs: OrderKey, rhs: OrderKey) -> Bool {
        if lhs.group != rhs.group { return lhs.group < rhs.group }
        if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
        return lhs.words < rhs.words
    }
}

extension Array {
    /// Reorders so that the element at position i is the one that was at `order[i]`,
    /// following each cycle of the permutation and moving (never copying) elements.
    mutating func applyPermutation(_ order: [Int]) {
        var placed = [Bool](repeating: false, count: count)
        withUnsafeMutableBufferPointer { elements in
            guard let base = elements.baseAddress else { return }
            for start in elements.indices where !placed[start] {
                let held = (base + start).move()
                var position = start
                while true {
                    placed[position] = true
                    let source = order[position]
                    if source == start {
                        (base + position).initialize(to: held)
                        break
                    }
                    (base + position).moveInitialize(from: base + source, count: 1)
                    position = source
                }
            }
        }
    }
}
