import CPrefetch

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

extension Array where Element == Chain {
    /// Reorders so that the chain at position i is the one that was at `order[i]`.
    ///
    /// Chains are gathered into a new array in order, moved (never copied, which would retain
    /// their rule arrays), with a prefetch hint a few positions ahead: the reads jump around
    /// a large array, and waiting for each one dominated sorting 100,000 chains.
    mutating func applyPermutation(_ order: [Int]) {
        let count = self.count
        var result: [Chain] = []
        result.reserveCapacity(count)
        withUnsafeMutableBufferPointer { old in
            guard let base = old.baseAddress else { return }
            for position in 0..<count {
                if position + 8 < count { pp_prefetch(base + order[position + 8]) }
                result.append((base + order[position]).move())
                // Leave a cheap chain behind (no heap storage) for the old array to destroy.
                (base + order[position]).initialize(to: Chain.placeholder)
            }
        }
        self = result
    }
}

extension Array where Element == Chain {
    /// Appends `other`'s chains by moving them (appending copies would retain every rule
    /// array, and freeing `other` release them again); `other` is left empty.
    public mutating func moveAppending(_ other: inout [Chain]) {
        reserveCapacity(count + other.count)
        other.withUnsafeMutableBufferPointer { source in
            guard let base = source.baseAddress else { return }
            for index in source.indices {
                append((base + index).move())
                (base + index).initialize(to: Chain.placeholder)
            }
        }
        other = []
    }
}

extension Chain {
    /// An empty chain with an empty name: owns no heap memory.
    static let placeholder = Chain("")
}
