import Dispatch
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
    static func sorted(count: Int, threads: Int = 1, _ name: (Int) -> UnsafeBufferPointer<UInt8>) -> [Int] {
        var keys = (0..<count).map { index in Key(words: NameOrder.words(name(index)), index: index) }
        // Equal names keep their order (index last), and the order is total.
        func precedes(_ lhs: Key, _ rhs: Key) -> Bool {
            if lhs.words != rhs.words { return lhs.words < rhs.words }
            let order = NameOrder.compare(name(lhs.index), name(rhs.index))
            return order != 0 ? order < 0 : lhs.index < rhs.index
        }
        guard threads > 1, count >= parallelThreshold else {
            keys.sort()
            keys.withUnsafeMutableBufferPointer { orderTies($0, by: precedes) }
            return keys.map(\.index)
        }
        let half = count / 2
        return keys.withUnsafeMutableBufferPointer { keys in
            nonisolated(unsafe) let halves = [UnsafeMutableBufferPointer(rebasing: keys[..<half]),
                                              UnsafeMutableBufferPointer(rebasing: keys[half...])]
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                var keys = halves[part]
                keys.sort()
            }
            orderTies(halves[0], by: precedes)
            orderTies(halves[1], by: precedes)
            var merged: [Int] = []
            merged.reserveCapacity(count)
            var (left, right) = (0, half)
            while left < half && right < count {
                if precedes(keys[right], keys[left]) {
                    merged.append(keys[right].index)
                    right += 1
                } else {
                    merged.append(keys[left].index)
                    left += 1
                }
            }
            for position in left..<half { merged.append(keys[position].index) }
            for position in right..<count { merged.append(keys[position].index) }
            return merged
        }
    }

    /// Keys sorted by words and index, with runs of equal words put in full-name order.
    private static func orderTies(_ keys: UnsafeMutableBufferPointer<Key>, by precedes: (Key, Key) -> Bool) {
        var start = 0
        while start < keys.count {
            var end = start + 1
            while end < keys.count && keys[end].words == keys[start].words { end += 1 }
            if end - start > 1 {
                var run = UnsafeMutableBufferPointer(rebasing: keys[start..<end])
                run.sort(by: precedes)
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

    /// memcmp-style comparison: negative, zero or positive.
    static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        for position in 0..<common where left[position] != right[position] {
            return Int(left[position]) - Int(right[position])
        }
        return left.count - right.count
    }
}
