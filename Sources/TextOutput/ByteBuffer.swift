/// A growable byte buffer for text output, written through a raw pointer.
///
/// The printers emit tens of megabytes a line at a time; `[UInt8].append` re-checks
/// uniqueness and capacity on every byte, which dominated printing. This checks capacity once
/// per piece and copies with memcpy.
public struct ByteBuffer: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var used: Int

    public var count: Int { used }

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
        self.used = 0
    }

    deinit { base.deallocate() }

    @inlinable
    public mutating func reserve(_ extra: Int) {
        if used + extra > capacity { grow(used + extra) }
    }

    @usableFromInline
    mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: used)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if used == capacity { grow(used + 1) }
        base[used] = byte
        used += 1
    }

    @inlinable @inline(__always)
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(base + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        used += bytes.count
    }

    @inlinable @inline(__always)
    public mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inlinable
    public mutating func append(_ text: String) {
        // Native and small strings have contiguous UTF-8: no mutable copy (and no retain).
        if text.utf8.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) != nil { return }
        var copy = text
        copy.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ other: borrowing ByteBuffer) {
        append(UnsafeRawBufferPointer(start: other.base, count: other.used))
    }

    /// Appends the first `byteCount` bytes of `word` taken most significant first.
    @inlinable @inline(__always)
    public mutating func append(bigEndianWord word: UInt64, byteCount: Int) {
        reserve(8)
        UnsafeMutableRawPointer(base + used).storeBytes(of: word.bigEndian, as: UInt64.self)
        used += byteCount
    }

    /// Appends the decimal digits of `value`.
    @inlinable
    public mutating func appendDecimal(_ value: UInt64) {
        reserve(20)
        // Most numbers printed are octets and ports: handle up to three digits directly.
        if value < 10 {
            base[used] = UInt8(truncatingIfNeeded: value) &+ 48
            used += 1
            return
        }
        if value < 100 {
            base[used] = UInt8(truncatingIfNeeded: value / 10) &+ 48
            base[used + 1] = UInt8(truncatingIfNeeded: value % 10) &+ 48
            used += 2
            return
        }
        var digits = 0
        var scan = value
        while scan > 0 {
            digits += 1
            scan /= 10
        }
        var rest = value
        var position = used + digits - 1
        while rest > 0 {
            base[position] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
            rest /= 10
            position -= 1
        }
        used += digits
    }

    /// Appends a dotted-quad IPv4 address (the printers write hundreds of thousands): one
    /// capacity check, and two digits at a time from a table.
    @inlinable
    public mutating func appendIPv4(_ value: UInt32) {
        reserve(15)
        var next = base + used
        for shift in stride(from: 24, through: 0, by: -8) {
            let octet = Int((value >> UInt32(shift)) & 0xff)
            if octet >= 100 {
                next.pointee = UInt8(truncatingIfNeeded: octet / 100) &+ 48
                next += 1
            }
            if octet >= 10 {
                let pair = ByteBuffer.digitPairs.utf8Start + 2 * (octet % 100)
                next.pointee = pair.pointee
                (next + 1).pointee = (pair + 1).pointee
                next += 2
            } else {
                next.pointee = UInt8(truncatingIfNeeded: octet) &+ 48
                next += 1
            }
            if shift > 0 {
                next.pointee = UInt8(ascii: ".")
                next += 1
            }
        }
        used = next - base
    }

    /// "00" to "99", a literal in read-only data (computed, so no lazily initialized global).
    @usableFromInline static var digitPairs: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }

    /// Appends lower-case hexadecimal digits of `value` without leading zeros.
    @inlinable
    public mutating func appendHex(_ value: UInt64) {
        reserve(16)
        var shift = 60
        while shift > 0 && (value >> UInt64(shift)) & 0xf == 0 { shift -= 4 }
        while shift >= 0 {
            let nibble = UInt8((value >> UInt64(shift)) & 0xf)
            base[used] = nibble < 10 ? nibble &+ 48 : nibble &+ 87
            used += 1
            shift -= 4
        }
    }

    /// Hands the bytes written over as a chunk, without copying them.
    public consuming func finish() -> TextChunk {
        let chunk = TextChunk(owning: base, count: used)
        discard self
        return chunk
    }

    /// The bytes written so far, valid inside `body` only (no copy).
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: used))
    }

    /// The bytes written so far, as an array (one copy).
    public var bytes: [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: used))
    }
}
