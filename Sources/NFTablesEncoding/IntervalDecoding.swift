import NetfilterNetlink
import NetworkAddresses

/// Interval-set elements back into prefixes: the inverse of `IntervalElements`. The kernel
/// keeps each range as a start key and an end key one past it (flagged INTERVAL_END), or a
/// start marked open when the range runs to the top; it lists them in no useful order.
enum IntervalDecoding {
    /// Each range as the fewest prefixes covering exactly it, in address order; nil when
    /// starts and ends do not pair up.
    static func prefixes(_ elements: [NetfilterNetlink.SetElement], width: Int) -> [IPPrefix]? {
        let sorted = elements.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        var out: [IPPrefix] = []
        var index = 0
        while index < sorted.count {
            let element = sorted[index]
            index += 1
            guard element.key.count == width else { return nil }
            // An end with no start before it closes nothing (nft's leading end at zero).
            if element.intervalEnd { continue }
            if element.userData == IntervalElements.openInterval {
                out += covering(from: element.key, through: [UInt8](repeating: 0xff, count: width))
                continue
            }
            guard index < sorted.count, sorted[index].intervalEnd,
                  let last = decrement(sorted[index].key), !last.lexicographicallyPrecedes(element.key) else { return nil }
            index += 1
            out += covering(from: element.key, through: last)
        }
        return out
    }

    /// The prefixes that exactly cover `first` through `last` (inclusive, big-endian bytes):
    /// at each step the largest aligned block that starts at `first` and stays within `last`.
    static func covering(from first: [UInt8], through last: [UInt8]) -> [IPPrefix] {
        let bits = first.count * 8
        var start = first
        var out: [IPPrefix] = []
        while true {
            var hostBits = min(trailingZeroBits(start), bits)
            var blockLast = IntervalElements.lastAddress(start, prefixLength: bits - hostBits)
            while hostBits > 0, last.lexicographicallyPrecedes(blockLast) {
                hostBits -= 1
                blockLast = IntervalElements.lastAddress(start, prefixLength: bits - hostBits)
            }
            if let address = SetKeyDecoding.address(start), let prefix = IPPrefix(address: address, length: bits - hostBits) {
                out.append(prefix)
            }
            guard blockLast != last, let next = IntervalElements.increment(blockLast) else { return out }
            start = next
        }
    }

    private static func trailingZeroBits(_ bytes: [UInt8]) -> Int {
        var count = 0
        for byte in bytes.reversed() {
            if byte == 0 {
                count += 8
            } else {
                return count + byte.trailingZeroBitCount
            }
        }
        return count
    }

    /// One less, or nil at zero.
    private static func decrement(_ bytes: [UInt8]) -> [UInt8]? {
        var out = bytes
        for index in out.indices.reversed() {
            if out[index] == 0 {
                out[index] = 0xff
            } else {
                out[index] -= 1
                return out
            }
        }
        return nil
    }
}
