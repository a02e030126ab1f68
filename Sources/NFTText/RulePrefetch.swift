import CPrefetch
import RuleModel

/// Rules are printed chain by chain in name order, which is not the order the chains (and
/// their rule and match arrays) were allocated in: nearly every chain starts with cache
/// misses. Hints issued a few chains ahead let those loads overlap the printing.
enum RulePrefetch {
    /// How far ahead, in chains of the print order: the chain itself, its rule array, and
    /// (closest) its rules' match arrays.
    static let chainDistance = 12
    static let rulesDistance = 8
    static let matchesDistance = 4

    // Computed, so they fold to constants (stored ones pay a lazy-initialization check).
    private static var rulesOffset: Int { MemoryLayout<Chain>.offset(of: \Chain.rules)! }
    private static var matchesOffset: Int { MemoryLayout<Rule>.offset(of: \Rule.matches)! }

    /// Hints for the chains `position` is followed by in `order`.
    static func ahead(of position: Int, in order: ArraySlice<Int>, chains: UnsafeBufferPointer<Chain>) {
        let base = UnsafeRawPointer(chains.baseAddress!)
        if position + chainDistance < order.endIndex {
            pp_prefetch(base + order[position + chainDistance] * MemoryLayout<Chain>.stride)
        }
        if position + rulesDistance < order.endIndex {
            // The bits of the array reference, used only as a hint, which never faults.
            let chain = base + order[position + rulesDistance] * MemoryLayout<Chain>.stride
            hint(chain.load(fromByteOffset: rulesOffset, as: UnsafeRawPointer?.self))
        }
        if position + matchesDistance < order.endIndex {
            (chains.baseAddress! + order[position + matchesDistance]).pointee.rules.span.withUnsafeBufferPointer { rules in
                guard let first = rules.baseAddress else { return }
                for index in rules.indices {
                    hint(UnsafeRawPointer(first + index).load(fromByteOffset: matchesOffset, as: UnsafeRawPointer?.self))
                }
            }
        }
    }

    /// Hint for the chain (only) `chainDistance` after `position` in `order`.
    static func chain(ahead position: Int, in order: ArraySlice<Int>, chains: UnsafeBufferPointer<Chain>) {
        if position + chainDistance < order.endIndex {
            pp_prefetch(UnsafeRawPointer(chains.baseAddress! + order[position + chainDistance]))
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
