import CPrefetch
import PairedThreads

/// Chains whose order by name is worked out but not yet applied.
///
/// A compiler builds chains on several threads, one run each; each run sorts only small keys,
/// and merging the runs then moves every chain once, straight to its place in the table.
/// Sorting each run's chains and then merging them moved every chain twice, and the first
/// move (a gather from random positions) cost as much as the sort.
public struct NameOrderedChains: Sendable {
    fileprivate var chains: [Chain]
    /// Positions in `chains` in name order, with the names' words when every name packs.
    fileprivate let keys: [RunKey]
    fileprivate let packed: Bool

    public init(_ chains: consuming [Chain]) {
        var keys: [RunKey] = []
        keys.reserveCapacity(chains.count)
        // Chains are read through a buffer pointer: iterating the array copies every chain.
        let packed = chains.withUnsafeBufferPointer { chains in
            for index in chains.indices {
                guard let words = chains[index].name.sortKey else { return false }
                keys.append(RunKey(words: words, index: index))
            }
            return true
        }
        if packed {
            keys = NameRadixSort.sorted(keys)
        } else {
            keys = chains.withUnsafeBufferPointer { chains in
                chains.indices.sorted { chains[$0].name < chains[$1].name }.map { RunKey(words: (0, 0, 0, 0), index: $0) }
            }
        }
        self.chains = chains
        self.keys = keys
        self.packed = packed
    }

    public var count: Int { chains.count }
}

/// A name's words and its chain's position in the run.
struct RunKey: Comparable {
    let words: (UInt64, UInt64, UInt64, UInt64)
    let index: Int

    static func == (lhs: RunKey, rhs: RunKey) -> Bool { lhs.index == rhs.index }
    static func < (lhs: RunKey, rhs: RunKey) -> Bool { lhs.words < rhs.words }
}

extension Array where Element == Chain {
    /// `prefix`, then the chains of `runs` merged by name (on equal names, earlier runs
    /// first). Chains are moved out of the runs, never copied (a copy retains every rule
    /// array); the runs are left empty.
    ///
    /// Two large runs merge on two threads, each filling one half of the result: where the
    /// halves meet in each run is found by binary search (the "merge path").
    public static func mergingSorted(_ runs: inout [NameOrderedChains], after prefix: [Chain]) -> [Chain] {
        // More than two runs (the compilers make at most two) are merged pairwise first.
        while runs.count > 2 {
            var pair = [runs.removeFirst(), runs.removeFirst()]
            runs.insert(NameOrderedChains(mergingSorted(&pair, after: [])), at: 0)
        }
        let empty = NameOrderedChains([])
        var first = runs.first ?? empty
        var second = runs.count > 1 ? runs[1] : empty
        runs = []
        let total = first.count + second.count
        let halves = total >= 4_096 ? 2 : 1
        let (firstKeys, secondKeys) = (first.keys, second.keys)
        let bothPacked = first.packed && second.packed
        return [Chain](unsafeUninitializedCapacity: prefix.count + total) { output, initialized in
            _ = output.initialize(fromContentsOf: prefix)
            nonisolated(unsafe) let body = output.baseAddress! + prefix.count
            first.chains.withUnsafeMutableBufferPointer { firstChains in
                second.chains.withUnsafeMutableBufferPointer { secondChains in
                    firstKeys.withUnsafeBufferPointer { firstKeys in
                        secondKeys.withUnsafeBufferPointer { secondKeys in
                            nonisolated(unsafe) let merge = RunMerge(
                                first: (firstKeys, firstChains), second: (secondKeys, secondChains), packed: bothPacked)
                            let middle = halves == 2 ? total / 2 : total
                            let split = merge.takenFromFirst(amongFirst: middle)
                            // On the pair that built the runs (see PairedThreads); one half: here alone.
                            let moveHalf: @Sendable (Int) -> Void = { half in
                                if half == 0 {
                                    merge.move(first: 0..<split, second: 0..<(middle - split), into: body)
                                } else {
                                    merge.move(first: split..<merge.first.keys.count, second: (middle - split)..<merge.second.keys.count,
                                               into: body + middle)
                                }
                            }
                            if halves == 2 { PairedThreads.run(moveHalf) } else { moveHalf(0) }
                        }
                    }
                }
            }
            initialized = prefix.count + total
        }
    }
}

/// Two name-ordered runs being merged, read and moved through pointers.
private struct RunMerge {
    typealias Run = (keys: UnsafeBufferPointer<RunKey>, chains: UnsafeMutableBufferPointer<Chain>)
    let first: Run
    let second: Run
    let packed: Bool

    /// Whether the second run's i-th chain (in name order) goes before the first run's j-th.
    @inline(__always)
    func secondPrecedes(_ i: Int, _ j: Int) -> Bool {
        if packed { return second.keys[i].words < first.keys[j].words }
        return (second.chains.baseAddress! + second.keys[i].index).pointee.name
            < (first.chains.baseAddress! + first.keys[j].index).pointee.name
    }

    /// How many chains of the first run are among the first `k` chains of the merge: the
    /// smallest i for which the first run's i-th comes after the second run's (k - i - 1)-th
    /// (monotone in i, so a binary search finds it).
    func takenFromFirst(amongFirst k: Int) -> Int {
        var low = max(0, k - second.keys.count)
        var high = min(k, first.keys.count)
        while low < high {
            let i = (low + high) / 2
            if secondPrecedes(k - i - 1, i) { high = i } else { low = i + 1 }
        }
        return low
    }

    /// Merges the ranges (positions in name order) into uninitialized memory at `output`,
    /// moving each chain and leaving a placeholder (no heap storage) behind for its run's
    /// array to destroy. The chains are gathered from random positions: each is fetched a
    /// few steps before it is moved.
    func move(first firstRange: Range<Int>, second secondRange: Range<Int>, into output: UnsafeMutablePointer<Chain>) {
        let distance = 8
        var (i, j) = (firstRange.lowerBound, secondRange.lowerBound)
        var (aheadI, aheadJ) = (i, j)
        var next = output
        for _ in 0..<distance {
            if aheadI < firstRange.upperBound { pp_prefetch(first.chains.baseAddress! + first.keys[aheadI].index); aheadI += 1 }
            if aheadJ < secondRange.upperBound { pp_prefetch(second.chains.baseAddress! + second.keys[aheadJ].index); aheadJ += 1 }
        }
        while i < firstRange.upperBound || j < secondRange.upperBound {
            let source: UnsafeMutablePointer<Chain>
            if j < secondRange.upperBound && (i == firstRange.upperBound || secondPrecedes(j, i)) {
                source = second.chains.baseAddress! + second.keys[j].index
                j += 1
                if aheadJ < secondRange.upperBound {
                    pp_prefetch(second.chains.baseAddress! + second.keys[aheadJ].index)
                    aheadJ += 1
                }
            } else {
                source = first.chains.baseAddress! + first.keys[i].index
                i += 1
                if aheadI < firstRange.upperBound {
                    pp_prefetch(first.chains.baseAddress! + first.keys[aheadI].index)
                    aheadI += 1
                }
            }
            next.initialize(to: source.move())
            source.initialize(to: Chain.placeholder)
            next += 1
        }
    }
}
