import TextOutput

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
        let total = prefix.utf8CodeUnitCount + suffix.count
        if total <= 32 {
            let words = ChainName.joined(prefix, suffix)
            let packable = withUnsafeBytes(of: words) { ChainName.packable(UnsafeRawBufferPointer(rebasing: $0[..<total])) }
            if packable {
                self.init(storage: ChainName.inline(words))
                return
            }
        }
        let prefixBytes = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        self.init(storage: .long(String(decoding: Array(prefixBytes) + Array(suffix), as: UTF8.self)))
    }

    /// A name of an ASCII prefix and a hash suffix (base32 characters), which callers
    /// guarantee, and of at most 32 bytes: packed without checking each byte, since chain
    /// hashes make 140,000 names for 10,000 Services.
    public init(prefix: StaticString, hashSuffix: UnsafeBufferPointer<UInt8>) {
        let total = prefix.utf8CodeUnitCount + hashSuffix.count
        guard total <= 32 else {
            self.init(prefix: prefix, suffix: hashSuffix)
            return
        }
        let words = ChainName.joined(prefix, hashSuffix)
        assert(withUnsafeBytes(of: words) { ChainName.packable(UnsafeRawBufferPointer(rebasing: $0[..<total])) },
               "not a packable name")
        self.init(storage: ChainName.inline(words))
    }

    /// `prefix` and `suffix` (at most 32 bytes together) copied into zeroed words' memory.
    private static func joined(_ prefix: StaticString, _ suffix: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64, UInt64) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            // Plain byte copies: the generic initializers cost more than the copying.
            raw.baseAddress!.copyMemory(from: prefix.utf8Start, byteCount: prefix.utf8CodeUnitCount)
            if let start = suffix.baseAddress {
                (raw.baseAddress! + prefix.utf8CodeUnitCount).copyMemory(from: start, byteCount: suffix.count)
            }
        }
        return words
    }

    private init(storage: Storage) {
        self.storage = storage
    }

    private static func storage(for bytes: UnsafeBufferPointer<UInt8>) -> Storage? {
        guard bytes.count <= 32, packable(UnsafeRawBufferPointer(bytes)) else { return nil }
        // The bytes in order, zero-padded.
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            if let start = bytes.baseAddress { raw.baseAddress!.copyMemory(from: start, byteCount: bytes.count) }
        }
        return inline(words)
    }

    /// Whether the bytes can be packed: no NUL (the padding) and ASCII only. `byte &- 1` is
    /// at least 0x7F exactly for 0 and for 0x80 and above; a running maximum vectorizes.
    private static func packable(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var worst: UInt8 = 0
        for byte in bytes { worst = max(worst, byte &- 1) }
        return worst < 0x7F
    }

    /// Words read big-endian from the name's zero-padded bytes, so that byte i of the name is
    /// the (i % 8)-th most significant byte of word i / 8, and comparing words is byte order.
    private static func inline(_ memory: (UInt64, UInt64, UInt64, UInt64)) -> Storage {
        .inline(UInt64(bigEndian: memory.0), UInt64(bigEndian: memory.1),
                UInt64(bigEndian: memory.2), UInt64(bigEndian: memory.3))
    }

    /// Appends the name's bytes.
    @inlinable
    public func write(to buffer: inout ByteBuffer) {
        switch storage {
        case .long(let text):
            buffer.append(text)
        case .inline(let a, let b, let c, let d):
            if ChainName.write(word: a, to: &buffer), ChainName.write(word: b, to: &buffer),
               ChainName.write(word: c, to: &buffer) {
                _ = ChainName.write(word: d, to: &buffer)
            }
        }
    }

    /// Writes one word's bytes (the padding is zero bytes at its low end); true when the
    /// word was full, so the name may continue in the next one.
    @inlinable @inline(__always)
    static func write(word: UInt64, to buffer: inout ByteBuffer) -> Bool {
        if word == 0 { return false }
        let used = 8 - word.trailingZeroBitCount / 8
        buffer.append(bigEndianWord: word, byteCount: used)
        return used == 8
    }

    /// The name's bytes.
    public var utf8: [UInt8] {
        var buffer = ByteBuffer(capacity: 64)
        write(to: &buffer)
        return buffer.bytes
    }

    /// Number of bytes of the name.
    public var count: Int { utf8.count }

    public var description: String { String(decoding: utf8, as: UTF8.self) }

    public func hasPrefix(_ prefix: String) -> Bool {
        hasPrefix(bytes: Array(prefix.utf8))
    }

    /// Prefix test on the inline words, without building the name's bytes.
    public func hasPrefix(bytes prefix: [UInt8]) -> Bool {
        guard case .inline(let a, _, _, _) = storage, prefix.count <= 8 else {
            return utf8.starts(with: prefix)
        }
        for (index, byte) in prefix.enumerated() where UInt8(truncatingIfNeeded: a >> UInt64(56 - 8 * index)) != byte {
            return false
        }
        return true
    }

    /// The four words of an inline name (byte order = tuple order), nil for long names.
    public var sortKey: (UInt64, UInt64, UInt64, UInt64)? {
        if case .inline(let a, let b, let c, let d) = storage { return (a, b, c, d) }
        return nil
    }

    public static func < (lhs: ChainName, rhs: ChainName) -> Bool {
        if case .inline(let a0, let a1, let a2, let a3) = lhs.storage,
           case .inline(let b0, let b1, let b2, let b3) = rhs.storage {
            return (a0, a1, a2, a3) < (b0, b1, b2, b3)
        }
        return lhs.withUTF8 { left in rhs.withUTF8 { right in left.lexicographicallyPrecedes(right) } }
    }

    /// The name's bytes, valid inside `body` only: no array is built (nftables names are
    /// mostly long, and sorting 100,000 of them compares millions of times).
    @inlinable
    public func withUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        switch storage {
        case .long(let text):
            if let result = try text.utf8.withContiguousStorageIfAvailable(body) { return result }
            var copy = text
            return try copy.withUTF8(body)
        case .inline(let a, let b, let c, let d):
            var words = (a.bigEndian, b.bigEndian, c.bigEndian, d.bigEndian)
            return try withUnsafeBytes(of: &words) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                let used = bytes.firstIndex(of: 0) ?? bytes.count
                return try body(UnsafeBufferPointer(rebasing: bytes[..<used]))
            }
        }
    }
}
