import CPrefetch
import RuleModel

/// Rules are printed chain by chain in name order, which is not the order the chains (and
/// their rule and match arrays) were allocated in: nearly every chain starts with cache
/// misses. Hints issued a few chains ahead let those loads overlap the printing.
enum RulePrefetch {
    /// How far ahead, in chains of the print order: the chain's entries in the name arena's
    /// compact arrays (its name offset, rule storage and rule count), then its name and rule
    /// array, then (closer, the array being in cache by then) its rules' match arrays. The
    /// chains themselves are not touched.
    static let entriesDistance = 16
    static let rulesDistance = 8
    static let matchesDistance = 4
    /// A `numgen` rule's targets (a Service's endpoint chains, each name a String allocated
    /// wherever the builder put it): their array at `matchesDistance`, their names here.
    /// Writing a name retains its String, an atomic operation that waits for the cache miss
    /// and lets no other load overlap it: ten misses in a row per Service without the hints.
    static let targetsDistance = 2
    /// A declaration reads only the name, and the chain when it has a hook or a comment.
    static let declarationDistance = 8

    // Computed, so they fold to constants (a stored one pays a lazy-initialization check).
    private static var matchesOffset: Int { MemoryLayout<Rule>.offset(of: \Rule.matches)! }
    private static var verdictOffset: Int { MemoryLayout<Rule>.offset(of: \Rule.verdict)! }

    /// Hints for the chains `position` is followed by in `order`.
    static func ahead(of position: Int, in order: ArraySlice<Int>, names: NameArena) {
        if position + entriesDistance < order.endIndex {
            names.prefetchEntries(order[position + entriesDistance])
        }
        if position + rulesDistance < order.endIndex {
            let index = order[position + rulesDistance]
            names.prefetchName(index)
            hint(UnsafeRawPointer(names.rules(index).baseAddress))
        }
        if position + matchesDistance < order.endIndex {
            let rules = names.rules(order[position + matchesDistance])
            for index in rules.indices {
                let first = rules.baseAddress!
                // The bits of the array reference, used only as a hint, which never faults.
                hint(UnsafeRawPointer(first + index).load(fromByteOffset: matchesOffset, as: UnsafeRawPointer?.self))
                if isRandomChoice(first + index) {
                    // The first bits of the verdict's payload, the targets' array reference: a hint too.
                    hint(UnsafeRawPointer(first + index).load(fromByteOffset: verdictOffset, as: UnsafeRawPointer?.self))
                }
            }
        }
        if position + targetsDistance < order.endIndex {
            let rules = names.rules(order[position + targetsDistance])
            for index in rules.indices where isRandomChoice(rules.baseAddress! + index) {
                guard case .some(.randomChoice(let targets)) = verdict(rules.baseAddress! + index).pointee else { continue }
                targets.withUnsafeBufferPointer { targets in
                    for target in targets.indices { hintName(targets.baseAddress! + target) }
                }
            }
        }
    }

    /// A tag test, which copies nothing.
    @inline(__always)
    private static func isRandomChoice(_ rule: UnsafePointer<Rule>) -> Bool {
        if case .some(.randomChoice) = verdict(rule).pointee { return true }
        return false
    }

    /// The rule's verdict in place (a property read through `pointee` copies it).
    @inline(__always)
    private static func verdict(_ rule: UnsafePointer<Rule>) -> UnsafePointer<Verdict?> {
        (UnsafeRawPointer(rule) + verdictOffset).assumingMemoryBound(to: Verdict?.self)
    }

    /// A hint for a long name's String storage (`NamePrefetch.storage(ofNameAt:)`).
    @inline(__always)
    private static func hintName(_ name: UnsafePointer<ChainName>) {
        hint(NamePrefetch.storage(ofNameAt: UnsafeRawPointer(name)))
    }

    /// Hints for the declaration `declarationDistance` after `position` in `order`.
    static func declaration(ahead position: Int, in order: ArraySlice<Int>, chains: UnsafeBufferPointer<Chain>,
                            names: NameArena) {
        if position + declarationDistance < order.endIndex {
            let index = order[position + declarationDistance]
            names.prefetchName(index)
            if !names.isPlain(index) { pp_prefetch(UnsafeRawPointer(chains.baseAddress! + index)) }
        }
    }

    /// An array's header and first elements span two cache lines.
    @inline(__always)
    private static func hint(_ storage: UnsafeRawPointer?) {
        guard let storage else { return }
        pp_prefetch(storage)
        pp_prefetch(storage + 64)
    }
}
