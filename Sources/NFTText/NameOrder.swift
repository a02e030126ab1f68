import Dispatch
import RuleModel

/// Byte order of names, as kube-proxy's nftables library sorts its dump.
///
/// Each name's first 24 bytes are read once into three big-endian words, so most of the
/// comparisons a sort makes are integer compares; nftables names share long prefixes
/// (`endpoint-`), which is why one word would not do.
enum NameOrder {
    private struct Key {
        let words: (UInt64, UInt64, UInt64)
        let index: Int
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
        let keys = (0..<count).map { index in Key(words: NameOrder.words(name(index)), index: index) }
        // Index last: equal names keep their order, and the order is total.
        func precedes(_ lhs: Key, _ rhs: Key) -> Bool {
            if lhs.words != rhs.words { return lhs.words < rhs.words }
            let order = NameOrder.compare(name(lhs.index), name(rhs.index))
            return order != 0 ? order < 0 : lhs.index < rhs.index
        }
        guard threads > 1, count >= parallelThreshold else { return keys.sorted(by: precedes).map(\.index) }
        return withoutActuallyEscaping(precedes) { precedes in
            nonisolated(unsafe) let precedes = precedes
            nonisolated(unsafe) var halves: [[Key]] = [Array(keys[..<(count / 2)]), Array(keys[(count / 2)...])]
            DispatchQueue.concurrentPerform(iterations: 2) { half in halves[half].sort(by: precedes) }
            var merged: [Int] = []
            merged.reserveCapacity(count)
            var (left, right) = (0, 0)
            let (first, second) = (halves[0], halves[1])
            while left < first.count && right < second.count {
                if precedes(second[right], first[left]) {
                    merged.append(second[right].index)
                    right += 1
                } else {
                    merged.append(first[left].index)
                    left += 1
                }
            }
            merged += first[left...].map(\.index)
            merged += second[right...].map(\.index)
            return merged
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
