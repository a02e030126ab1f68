#if canImport(Glibc)
import Glibc
#endif
import PairedThreads
import RuleModel

/// Byte order of names, as kube-proxy's nftables library sorts its dump.
///
/// Each name's first 24 bytes are read once into three big-endian words, and the keys are
/// sorted by those words (then index) with plain integer compares, which the sort inlines;
/// only runs of keys whose words tie are then ordered by their full names (rare: nftables
/// names share `endpoint-` but differ within the hash that follows).
enum NameOrder {
    private struct Key: Comparable {
        let words: (UInt64, UInt64, UInt64)
        let index: Int

        static func == (lhs: Key, rhs: Key) -> Bool { lhs.words == rhs.words && lhs.index == rhs.index }

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.words.0, lhs.words.1, lhs.words.2, lhs.index) < (rhs.words.0, rhs.words.1, rhs.words.2, rhs.index)
        }
    }

    /// Indices of `names` in byte order of the names (ties keep their input order).
    static func sorted(_ names: [ChainName]) -> [Int] {
        NameArena(names).sortedIndices()
    }

    /// From this many names on, the two halves are sorted on two threads and merged: the sort
    /// runs before the printing threads start, so it would otherwise hold both up.
    static let parallelThreshold = 20_000

    /// Indices `0..<count` in byte order of `name(index)`, whose buffers must stay valid.
    ///
    /// A large count is done on two threads throughout: each makes and sorts the keys of
    /// one half, then one merges the halves from their fronts into the first half of the
    /// result while the other merges from their backs into the second.
    static func sorted(count: Int, threads: Int = 1, _ name: @escaping @Sendable (Int) -> UnsafeBufferPointer<UInt8>)
        -> [Int] {
        let parts = threads > 1 && count >= parallelThreshold ? 2 : 1
        let half = parts == 2 ? count / 2 : count
        var keys = [Key](unsafeUninitializedCapacity: count) { keys, initialized in
            nonisolated(unsafe) let keys = keys
            let sortPart: @Sendable (Int) -> Void = { part in
                let range = part == 0 ? 0..<half : half..<count
                for index in range {
                    (keys.baseAddress! + index).initialize(to: Key(words: NameOrder.words(name(index)), index: index))
                }
                var run = UnsafeMutableBufferPointer(rebasing: keys[range])
                run.sort()
            }
            if parts == 2 { PairedThreads.run(sortPart) } else { sortPart(0) }
            initialized = count
        }
        return keys.withUnsafeMutableBufferPointer { keys in
            orderTies(UnsafeMutableBufferPointer(rebasing: keys[..<half]), name)
            orderTies(UnsafeMutableBufferPointer(rebasing: keys[half...]), name)
            guard parts == 2 else { return keys.map(\.index) }
            nonisolated(unsafe) let sortedKeys = UnsafeBufferPointer(keys)
            return [Int](unsafeUninitializedCapacity: count) { merged, initialized in
                nonisolated(unsafe) let merged = merged
                PairedThreads.run { part in
                    if part == 0 {
                        mergeFronts(sortedKeys, half, into: merged, name)
                    } else {
                        mergeBacks(sortedKeys, half, into: merged, name)
                    }
                }
                initialized = count
            }
        }
    }

    /// Whether `lhs` comes first: by words, then by the full names, then by index (equal names
    /// keep their order, and the order is total).
    private static func precedes(_ lhs: Key, _ rhs: Key, _ name: (Int) -> UnsafeBufferPointer<UInt8>) -> Bool {
        if lhs.words != rhs.words { return lhs.words < rhs.words }
        let order = NameOrder.compare(name(lhs.index), name(rhs.index))
        return order != 0 ? order < 0 : lhs.index < rhs.index
    }

    /// The first `half` indices of the merge of `keys[..<half]` and `keys[half...]`.
    private static func mergeFronts(_ keys: UnsafeBufferPointer<Key>, _ half: Int, into merged: UnsafeMutableBufferPointer<Int>,
                                    _ name: (Int) -> UnsafeBufferPointer<UInt8>) {
        var (left, right) = (0, half)
        for position in 0..<half {
            if right < keys.count && (left == half || precedes(keys[right], keys[left], name)) {
                (merged.baseAddress! + position).initialize(to: keys[right].index)
                right += 1
            } else {
                (merged.baseAddress! + position).initialize(to: keys[left].index)
                left += 1
            }
        }
    }

    /// The other indices of that merge, taken from the back (the larger key first).
    private static func mergeBacks(_ keys: UnsafeBufferPointer<Key>, _ half: Int, into merged: UnsafeMutableBufferPointer<Int>,
                                   _ name: (Int) -> UnsafeBufferPointer<UInt8>) {
        var (left, right) = (half - 1, keys.count - 1)
        for position in stride(from: keys.count - 1, through: half, by: -1) {
            if left >= 0 && (right < half || precedes(keys[right], keys[left], name)) {
                (merged.baseAddress! + position).initialize(to: keys[left].index)
                left -= 1
            } else {
                (merged.baseAddress! + position).initialize(to: keys[right].index)
                right -= 1
            }
        }
    }

    /// Keys sorted by words and index, with runs of equal words put in full-name order.
    private static func orderTies(_ keys: UnsafeMutableBufferPointer<Key>, _ name: (Int) -> UnsafeBufferPointer<UInt8>) {
        var start = 0
        while start < keys.count {
            var end = start + 1
            while end < keys.count && keys[end].words == keys[start].words { end += 1 }
            if end - start > 1 {
                var run = UnsafeMutableBufferPointer(rebasing: keys[start..<end])
                run.sort { precedes($0, $1, name) }
            }
            start = end
        }
    }

    static func words(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64) {
        var padded: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &padded) { raw in
            if let start = bytes.baseAddress { raw.baseAddress!.copyMemory(from: start, byteCount: min(bytes.count, 24)) }
        }
        return (UInt64(bigEndian: padded.0), UInt64(bigEndian: padded.1), UInt64(bigEndian: padded.2))
    }

    /// memcmp-style comparison: negative, zero or positive. Through libc's memcmp, which
    /// compares a vector at a time: the element sort compares 20,000 keys that share their
    /// first bytes (`172.16.`), and a byte loop spent most of its time on those.
    static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        if common > 0, let leftStart = left.baseAddress, let rightStart = right.baseAddress {
            let order = memcmp(leftStart, rightStart, common)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }
}
