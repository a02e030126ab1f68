import NetworkAddresses

/// An endpoint string: `IP:PORT`, or `[IP]:PORT` for IPv6 (Go's JoinHostPort), with the IP
/// as written in the EndpointSlice. kube-proxy sorts a port's endpoints by it, deduplicates
/// them by it and hashes it into the SEP chain name.
///
/// Held inline: `10.1.2.3:8080` is past a small String's 15 bytes, and a heap String per
/// endpoint was the planner's largest allocation count. Every valid IP fits (an IPv6 text
/// with an IPv4 tail is at most 45 bytes, 53 with brackets and port); longer text, which no
/// validated EndpointSlice holds, is kept as a String.
package struct EndpointText: Hashable, Comparable, CustomStringConvertible {
    static let inlineCapacity = 56

    /// The bytes in memory order, zero-padded.
    @usableFromInline var memory: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
    @usableFromInline let count: Int
    @usableFromInline let long: String?

    init(address: String, port: Int, family: IPFamily) {
        var address = address
        var digits = 1
        var scan = port / 10
        while scan > 0 { digits += 1; scan /= 10 }
        let total = address.utf8.count + digits + (family == .ipv6 ? 3 : 1)
        count = total
        guard total <= EndpointText.inlineCapacity else {
            let text = family == .ipv6 ? "[" + address + "]:" + String(port) : address + ":" + String(port)
            long = text
            return
        }
        long = nil
        address.withUTF8 { text in
            withUnsafeMutableBytes(of: &memory) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                var used = 0
                if family == .ipv6 { bytes[used] = UInt8(ascii: "["); used += 1 }
                _ = UnsafeMutableBufferPointer(rebasing: bytes[used...]).initialize(fromContentsOf: text)
                used += text.count
                if family == .ipv6 { bytes[used] = UInt8(ascii: "]"); used += 1 }
                bytes[used] = UInt8(ascii: ":")
                var rest = port
                for position in stride(from: total - 1, to: used, by: -1) {
                    bytes[position] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
                    rest /= 10
                }
            }
        }
    }

    /// The bytes, valid inside `body` only.
    @inlinable package func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        if var long {
            return try long.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
        }
        return try withUnsafeBytes(of: memory) { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// The bytes as a plain value; nil for text held as a String.
    var inlineBytes: EndpointBytes? {
        long == nil ? EndpointBytes(memory: memory, count: count) : nil
    }

    package var description: String {
        withBytes { String(decoding: $0, as: UTF8.self) }
    }

    package static func == (lhs: EndpointText, rhs: EndpointText) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.long == nil && rhs.long == nil {
            let (l, r) = (lhs.memory, rhs.memory)
            return (l.0, l.1, l.2, l.3) == (r.0, r.1, r.2, r.3) && (l.4, l.5, l.6) == (r.4, r.5, r.6)
        }
        return lhs.withBytes { left in rhs.withBytes { right in left.elementsEqual(right) } }
    }

    package func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: $0) }
    }

    /// Byte order, as Go compares strings.
    package static func < (lhs: EndpointText, rhs: EndpointText) -> Bool {
        if lhs.long == nil && rhs.long == nil {
            // Zero padding makes a word compare, read big-endian, byte order; words equal up
            // to the shorter length leave the shorter text first.
            let (l, r) = (lhs.memory, rhs.memory)
            if l.0 != r.0 { return UInt64(bigEndian: l.0) < UInt64(bigEndian: r.0) }
            if l.1 != r.1 { return UInt64(bigEndian: l.1) < UInt64(bigEndian: r.1) }
            if l.2 != r.2 { return UInt64(bigEndian: l.2) < UInt64(bigEndian: r.2) }
            if l.3 != r.3 { return UInt64(bigEndian: l.3) < UInt64(bigEndian: r.3) }
            if l.4 != r.4 { return UInt64(bigEndian: l.4) < UInt64(bigEndian: r.4) }
            if l.5 != r.5 { return UInt64(bigEndian: l.5) < UInt64(bigEndian: r.5) }
            if l.6 != r.6 { return UInt64(bigEndian: l.6) < UInt64(bigEndian: r.6) }
            return lhs.count < rhs.count
        }
        return lhs.withBytes { left in rhs.withBytes { right in left.lexicographicallyPrecedes(right) } }
    }
}

/// An endpoint string's bytes held in a trivial value (zero-padded), for hashing them where
/// `EndpointText` itself would be copied.
package struct EndpointBytes {
    private var memory: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    package let count: Int

    init(memory: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64), count: Int) {
        self.memory = memory
        self.count = count
    }

    /// Copies the `count` bytes to `destination`.
    package func copy(to destination: UnsafeMutableRawPointer) {
        withUnsafeBytes(of: memory) { destination.copyMemory(from: $0.baseAddress!, byteCount: count) }
    }
}
