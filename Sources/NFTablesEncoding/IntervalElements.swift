import NetfilterNetlink
import NetworkAddresses

/// Prefixes as nft sends an interval set: ranges merged, each a start key and an end key
/// (one past the range, flagged INTERVAL_END), and a leading end at zero when the first
/// range does not start there. Anonymous and named interval sets are sent alike.
enum IntervalElements {
    /// nft's element user data flags record (type 1) with its "interval open" bit.
    static let openInterval: [UInt8] = [1, 4, 1, 0, 0, 0]

    /// `merge`: join overlapping and adjacent ranges, as nft does for sets it auto-merges
    /// (anonymous ones); a named set without `auto-merge` keeps touching ranges apart.
    static func elements(_ prefixes: [IPPrefix], merge: Bool = true) -> [KernelElement] {
        guard let first = prefixes.first else { return [] }
        let width = first.address.bytes.count
        // Ranges as big-endian byte arrays; `end` is exclusive, nil past the top.
        var ranges: [(start: [UInt8], end: [UInt8]?)] = prefixes.map { prefix in
            let start = prefix.address.bytes
            return (start, increment(lastAddress(start, prefixLength: prefix.length)))
        }
        ranges.sort { $0.start.lexicographicallyPrecedes($1.start) }
        var merged: [(start: [UInt8], end: [UInt8]?)] = []
        for range in ranges {
            if merge, let last = merged.last {
                guard let lastEnd = last.end else { continue }
                if !lastEnd.lexicographicallyPrecedes(range.start) {
                    if let end = range.end, end.lexicographicallyPrecedes(lastEnd) { continue }
                    merged[merged.count - 1].end = range.end
                    continue
                }
            }
            merged.append(range)
        }
        var out: [KernelElement] = []
        let zero = [UInt8](repeating: 0, count: width)
        if merged[0].start != zero { out.append(KernelElement(key: zero, intervalEnd: true)) }
        for range in merged {
            if let end = range.end {
                out.append(KernelElement(key: range.start))
                out.append(KernelElement(key: end, intervalEnd: true))
            } else {
                // Nothing past the top to close the range with: nft marks the start as open.
                out.append(KernelElement(key: range.start, userData: openInterval))
            }
        }
        return out
    }

    static func lastAddress(_ start: [UInt8], prefixLength: Int) -> [UInt8] {
        var bytes = start
        for index in bytes.indices {
            let bitsBefore = index * 8
            if bitsBefore >= prefixLength {
                bytes[index] = 0xff
            } else if bitsBefore + 8 > prefixLength {
                bytes[index] |= UInt8(0xff) >> UInt8(prefixLength - bitsBefore)
            }
        }
        return bytes
    }

    /// One more, or nil when `bytes` is all ones.
    static func increment(_ bytes: [UInt8]) -> [UInt8]? {
        var out = bytes
        for index in out.indices.reversed() {
            if out[index] == 0xff {
                out[index] = 0
            } else {
                out[index] += 1
                return out
            }
        }
        return nil
    }
}
