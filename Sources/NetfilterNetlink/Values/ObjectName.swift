/// A table, chain or set name.
///
/// Names of up to 32 bytes (every iptables chain name; iptables caps them at 28) are kept in
/// four inline words, so encoding hundreds of thousands of jump rules creates no heap strings.
/// Longer names (nf_tables allows 256) fall back to a byte array.
public struct ObjectName: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    enum Storage: Hashable, Sendable {
        /// Bytes in memory order, zero padded.
        case inline(UInt64, UInt64, UInt64, UInt64)
        case long([UInt8])

        /// A long name's bytes in one call: the derived hash feeds an array to the hasher a byte
        /// at a time, and most of kube-proxy's nftables chain names are longer than 32 bytes.
        func hash(into hasher: inout Hasher) {
            switch self {
            case .inline(let a, let b, let c, let d):
                hasher.combine(a)
                hasher.combine(b)
                hasher.combine(c)
                hasher.combine(d)
            case .long(let bytes):
                hasher.combine(bytes.count)
                bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
            }
        }
    }

    let storage: Storage

    public init(_ string: String) {
        var copy = string
        self = copy.withUTF8 { ObjectName(utf8: $0) }
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// A name from its UTF-8 bytes (no terminating NUL).
    public init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= 32, !bytes.contains(0) else {
            storage = .long(Array(bytes))
            return
        }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(bytes))
        }
        storage = .inline(words.0, words.1, words.2, words.3)
    }

    /// A name of at most 32 bytes given as four words whose in-memory bytes are the name,
    /// zero padded (the caller guarantees no NUL inside the name).
    public init(memoryOrderWords words: (UInt64, UInt64, UInt64, UInt64)) {
        storage = .inline(words.0, words.1, words.2, words.3)
    }

    /// A name read from a NUL-terminated C string.
    init(cString: UnsafePointer<CChar>) {
        var length = 0
        while cString[length] != 0 { length += 1 }
        self = cString.withMemoryRebound(to: UInt8.self, capacity: length) {
            ObjectName(utf8: UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// Calls `body` with the name as a NUL-terminated C string, built on the stack.
    @discardableResult
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        switch storage {
        case .inline(let a, let b, let c, let d):
            var terminated: (UInt64, UInt64, UInt64, UInt64, UInt64) = (a, b, c, d, 0)
            return try withUnsafeBytes(of: &terminated) { raw in
                try body(raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
        case .long(let bytes):
            return try (bytes + [0]).withUnsafeBufferPointer { buffer in
                try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
            }
        }
    }

    /// Calls `body` with the name's bytes (no NUL).
    public func withUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch storage {
        case .inline(let a, let b, let c, let d):
            var words = (a, b, c, d)
            return try withUnsafeBytes(of: &words) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                let count = bytes.firstIndex(of: 0) ?? 32
                return try body(UnsafeBufferPointer(rebasing: bytes[0..<count]))
            }
        case .long(let bytes):
            return try bytes.withUnsafeBufferPointer(body)
        }
    }

    public var description: String {
        withUTF8 { String(decoding: $0, as: UTF8.self) }
    }

    public var isEmpty: Bool { withUTF8 { $0.isEmpty } }

    public var byteCount: Int { withUTF8 { $0.count } }

    /// The four words of a name of at most 32 bytes (memory-order bytes, zero padded), or nil
    /// for longer names: lets callers hash or compare names without walking bytes.
    public var inlineWords: (UInt64, UInt64, UInt64, UInt64)? {
        if case .inline(let a, let b, let c, let d) = storage { return (a, b, c, d) }
        return nil
    }

    public func hasPrefix(_ prefix: String) -> Bool {
        withUTF8 { bytes in bytes.starts(with: prefix.utf8) }
    }

    public static func < (lhs: ObjectName, rhs: ObjectName) -> Bool {
        lhs.withUTF8 { left in rhs.withUTF8 { right in left.lexicographicallyPrecedes(right) } }
    }
}
