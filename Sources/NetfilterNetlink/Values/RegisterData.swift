/// Up to 16 bytes loaded into or compared against an nf_tables register (an address, a port,
/// a protocol number, a mark), stored inline so that building a rule allocates nothing.
public struct RegisterData: Hashable, Sendable, CustomStringConvertible {
    /// Bytes in memory order, zero padded.
    private var low: UInt64
    private var high: UInt64
    private var length: UInt8

    public static let capacity = 16

    /// The first `count` bytes of `bytes`. Traps if more than 16 bytes are given.
    public init<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        low = 0
        high = 0
        length = 0
        var index = 0
        for byte in bytes {
            precondition(index < RegisterData.capacity, "register data is at most 16 bytes")
            setByte(index, byte)
            index += 1
        }
        length = UInt8(index)
    }

    public init(_ raw: UnsafeRawBufferPointer) {
        self.init(raw.bindMemory(to: UInt8.self))
    }

    /// A 32-bit value in host byte order (marks, meta keys, protocol numbers as nft stores them).
    public static func hostOrder(_ value: UInt32) -> RegisterData {
        var data = RegisterData([])
        data.low = UInt64(value.littleEndian)
        data.length = 4
        return data
    }

    /// One byte (an IP protocol number).
    public static func byte(_ value: UInt8) -> RegisterData {
        var data = RegisterData([])
        data.low = UInt64(value)
        data.length = 1
        return data
    }

    /// A 16-bit value in network byte order (a port).
    public static func networkOrder(_ value: UInt16) -> RegisterData {
        var data = RegisterData([])
        data.setByte(0, UInt8(truncatingIfNeeded: value >> 8))
        data.setByte(1, UInt8(truncatingIfNeeded: value))
        data.length = 2
        return data
    }

    /// The first `count` bytes of a 32-bit value written in network byte order (an IPv4
    /// address, possibly truncated to a prefix's whole bytes).
    public static func networkOrder(_ value: UInt32, count: Int = 4) -> RegisterData {
        var data = RegisterData([])
        for index in 0..<count { data.setByte(index, UInt8(truncatingIfNeeded: value >> (24 - 8 * index))) }
        data.length = UInt8(count)
        return data
    }

    /// The first `count` bytes of a 128-bit value written in network byte order.
    public static func networkOrder(high: UInt64, low: UInt64, count: Int = 16) -> RegisterData {
        var data = RegisterData([])
        for index in 0..<count {
            let word = index < 8 ? high : low
            data.setByte(index, UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(index % 8))))
        }
        data.length = UInt8(count)
        return data
    }

    public var count: Int { Int(length) }

    /// The bytes as two words (memory order, zero padded): for hashing without a byte walk.
    public var words: (UInt64, UInt64) { (low, high) }

    public subscript(index: Int) -> UInt8 {
        precondition(index < count)
        return index < 8 ? UInt8(truncatingIfNeeded: low >> (8 * UInt64(index)))
            : UInt8(truncatingIfNeeded: high >> (8 * UInt64(index - 8)))
    }

    public var bytes: [UInt8] { (0..<count).map { self[$0] } }

    private mutating func setByte(_ index: Int, _ byte: UInt8) {
        if index < 8 {
            low |= UInt64(byte) << (8 * UInt64(index))
        } else {
            high |= UInt64(byte) << (8 * UInt64(index - 8))
        }
    }

    /// The value as a host-order 32-bit number (for data at most 4 bytes long).
    public var hostOrderValue: UInt32 { UInt32(truncatingIfNeeded: low) }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (low.littleEndian, high.littleEndian)
        let count = self.count
        return try Swift.withUnsafeBytes(of: &words) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    /// nft's debug notation: 32-bit words read in host order, zero padded.
    public var description: String {
        var words: [String] = []
        var index = 0
        repeat {
            var word: UInt32 = 0
            for offset in 0..<4 where index + offset < count {
                word |= UInt32(self[index + offset]) << (8 * UInt32(offset))
            }
            let hex = String(word, radix: 16)
            words.append("0x" + String(repeating: "0", count: 8 - hex.count) + hex)
            index += 4
        } while index < count
        return words.joined(separator: " ")
    }
}
