/// Sorting packed chain names by a radix sort on eight bytes of each, then settling ties.
///
/// The names of one table share a long prefix (`KUBE-`), and the bytes after it are mostly
/// hash characters, so eight bytes past the common prefix order nearly every pair. An LSD
/// radix sort on those (passes over bytes that are all alike skipped) costs a few linear
/// passes where a comparison sort of 55,000 32-byte keys cost six milliseconds.
enum NameRadixSort {
    private struct Entry {
        var key: UInt64
        var position: Int
    }

    /// `keys` in name order; stable (equal names keep their order).
    static func sorted(_ keys: [RunKey]) -> [RunKey] {
        guard keys.count > 64 else { return keys.sorted() }
        let skip = commonPrefixBytes(keys)
        var entries = keys.indices.map { Entry(key: eightBytes(of: keys[$0].words, from: skip), position: $0) }
        radixSort(&entries)
        // Runs of equal eight-byte keys are put in full-name order (a stable sort: equal
        // names keep the radix sort's order, which is theirs).
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count && entries[end].key == entries[start].key { end += 1 }
            if end - start > 1 {
                entries[start..<end].sort { keys[$0.position].words < keys[$1.position].words }
            }
            start = end
        }
        return entries.map { keys[$0.position] }
    }

    /// How many leading bytes every name shares with the first.
    static func commonPrefixBytes(_ keys: [RunKey]) -> Int {
        guard let first = keys.first?.words else { return 0 }
        var shared = 32
        for key in keys {
            let words = key.words
            let (d0, d1, d2, d3) = (words.0 ^ first.0, words.1 ^ first.1, words.2 ^ first.2, words.3 ^ first.3)
            let same = d0 != 0 ? d0.leadingZeroBitCount / 8
                : d1 != 0 ? 8 + d1.leadingZeroBitCount / 8
                : d2 != 0 ? 16 + d2.leadingZeroBitCount / 8
                : d3 != 0 ? 24 + d3.leadingZeroBitCount / 8 : 32
            shared = min(shared, same)
        }
        return shared
    }

    /// Bytes `start ..< start + 8` of the name, zero past its end, as a big-endian word.
    @inline(__always)
    static func eightBytes(of words: (UInt64, UInt64, UInt64, UInt64), from start: Int) -> UInt64 {
        func word(_ index: Int) -> UInt64 {
            switch index {
            case 0: return words.0
            case 1: return words.1
            case 2: return words.2
            case 3: return words.3
            default: return 0
            }
        }
        let (index, byte) = (start / 8, start % 8)
        if byte == 0 { return word(index) }
        return word(index) << UInt64(8 * byte) | word(index + 1) >> UInt64(64 - 8 * byte)
    }

    /// LSD radix sort on the keys, a byte per pass, skipping passes whose byte never varies.
    private static func radixSort(_ entries: inout [Entry]) {
        let count = entries.count
        var counts = [Int](repeating: 0, count: 8 * 256)
        for entry in entries {
            for pass in 0..<8 { counts[pass * 256 + Int((entry.key >> UInt64(8 * pass)) & 0xFF)] += 1 }
        }
        var other = entries
        for pass in 0..<8 where !counts[(pass * 256)..<(pass * 256 + 256)].contains(count) {
            var next = 0
            for bucket in 0..<256 {
                let size = counts[pass * 256 + bucket]
                counts[pass * 256 + bucket] = next
                next += size
            }
            entries.withUnsafeBufferPointer { source in
                other.withUnsafeMutableBufferPointer { target in
                    for entry in source {
                        let bucket = pass * 256 + Int((entry.key >> UInt64(8 * pass)) & 0xFF)
                        target[counts[bucket]] = entry
                        counts[bucket] += 1
                    }
                }
            }
            swap(&entries, &other)
        }
    }
}
