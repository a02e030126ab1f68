import NetworkAddresses

/// The name of a chain (or of a set, map or recent list).
///
/// Names of up to 32 ASCII bytes — every iptables chain name, since iptables caps them at 28 —
/// are stored inline as four big-endian words, so a ruleset with 100,000 chains creates no
/// heap strings for them, and comparing two names is byte order (what iptables-save sorts by)
/// at the cost of four integer compares. Longer names (nftables allows 256) fall back to a
/// String.
public struct ChainName: Sendable, Hashable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    @usableFromInline enum Storage: Sendable, Hashable {
        case inline(UInt64, UInt64, UInt64, UInt64)
        case long(String)
    }

    @usableFromInline let storage: Storage

    public init(_ name: String) {
        var name = name
        storage = name.withUTF8 { ChainName.storage(for: $0) } ?? .long(name)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// A name made of an ASCII prefix and suffix without building the joined String.
    public init(prefix: StaticString, suffix: UnsafeBufferPointer<UInt8>) {
        let prefixBytes = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        let total = prefixBytes.count + suffix.count
        if total <= 32 {
            let joined = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { buffer -> Storage? in
                _ = buffer.initialize(fromContentsOf: prefixBytes)
                _ = UnsafeMutableBufferPointer(rebasing: buffer[prefixBytes.count...]).initialize(fromContentsOf: suffix)
                return ChainName.storage(for: UnsafeBufferPointer(buffer))
            }
            if let joined {
                storage = joined
                return
            }
        }
        storage = .long(String(decoding: Array(prefixBytes) + Array(suffix), as: UTF8.self))
    }

    private static func storage(for bytes: UnsafeBufferPointer<UInt8>) -> Storage? {
        guard bytes.count <= 32 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &words) { raw -> Bool in
            for (index, byte) in bytes.enumerated() {
                if byte == 0 || byte >= 0x80 { return false }
                // Byte i of the name is the (i % 8)-th most significant byte of word i / 8
                // (memory is little-endian on every platform this tool runs on).
                raw[(index / 8) * 8 + 7 - index % 8] = byte
            }
            return true
        }
        guard ok else { return nil }
        return .inline(words.0, words.1, words.2, words.3)
    }

    /// Number of bytes of the name.
    public var count: Int {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return bytes.count
    }

    /// Appends the name's bytes.
    @inlinable
    public func write(to buffer: inout [UInt8]) {
        switch storage {
        case .long(let text):
            buffer.append(text)
        case .inline(let a, let b, let c, let d):
            for word in [a, b, c, d] {
                var shift: UInt64 = 56
                while true {
                    let byte = UInt8(truncatingIfNeeded: word >> shift)
                    if byte == 0 { return }
                    buffer.append(byte)
                    if shift == 0 { break }
                    shift -= 8
                }
            }
        }
    }

    public var description: String {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public func hasPrefix(_ prefix: String) -> Bool {
        description.hasPrefix(prefix)
    }

    public static func < (lhs: ChainName, rhs: ChainName) -> Bool {
        if case .inline(let a0, let a1, let a2, let a3) = lhs.storage,
           case .inline(let b0, let b1, let b2, let b3) = rhs.storage {
            return (a0, a1, a2, a3) < (b0, b1, b2, b3)
        }
        var left: [UInt8] = []
        var right: [UInt8] = []
        lhs.write(to: &left)
        rhs.write(to: &right)
        return left.lexicographicallyPrecedes(right)
    }
}
