/// A 128-bit hash that is the same in every process (Swift's Hasher is seeded per process),
/// for fingerprints stored in the kernel. Not cryptographic: it detects changes.
struct StableHasher {
    private var first: UInt64 = 0x9e37_79b9_7f4a_7c15
    private var second: UInt64 = 0xc2b2_ae3d_27d4_eb4f

    mutating func combine(_ value: UInt64) {
        first = (first ^ value) &* 0xff51_afd7_ed55_8ccd
        first ^= first >> 29
        second = (second ^ value ^ (first << 7)) &* 0xc4ce_b9fe_1a85_ec53
        second ^= second >> 32
    }

    mutating func combine(_ value: UInt32) { combine(UInt64(value)) }
    mutating func combine(_ value: Int) { combine(UInt64(bitPattern: Int64(value))) }
    mutating func combine(_ value: Bool) { combine(UInt64(value ? 1 : 0)) }

    /// Bytes packed eight to a word, then their count (so "ab" + "c" differs from "a" + "bc"
    /// only through the caller's separators; callers add one between fields).
    mutating func combine(bytes: UnsafeBufferPointer<UInt8>) {
        var word: UInt64 = 0
        var filled = 0
        for byte in bytes {
            word = word << 8 | UInt64(byte)
            filled += 1
            if filled == 8 {
                combine(word)
                word = 0
                filled = 0
            }
        }
        combine(word)
        combine(bytes.count)
    }

    mutating func combine(_ text: String) {
        var copy = text
        copy.withUTF8 { combine(bytes: $0) }
    }

    /// 64 bits of the hash.
    var value: UInt64 { first ^ (second &* 0x9e37_79b9_7f4a_7c15) }

    var hex: String {
        func pad(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return pad(first) + pad(second)
    }
}
