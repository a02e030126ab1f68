/// Canonical text of addresses, written straight into byte buffers: the printers emit
/// hundreds of thousands of addresses, so this avoids a String per address.
extension IPAddress: CustomStringConvertible {
    /// Dotted quad, or RFC 5952 IPv6 (what Go's `net.IP.String` prints).
    public var description: String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(40)
        write(to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    public func write(to buffer: inout [UInt8]) {
        switch self {
        case .v4(let value):
            for shift in stride(from: 24, through: 0, by: -8) {
                buffer.appendDecimal(UInt64((value >> UInt32(shift)) & 0xff))
                if shift != 0 { buffer.append(UInt8(ascii: ".")) }
            }
        case .v6:
            writeV6(to: &buffer)
        }
    }

    private func writeV6(to buffer: inout [UInt8]) {
        let groups = self.groups
        // Longest run of two or more zero groups, the first one on a tie.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        index = 0
        var afterGap = false
        while index < 8 {
            if index == bestStart {
                buffer.append(UInt8(ascii: ":"))
                buffer.append(UInt8(ascii: ":"))
                index += bestLength
                afterGap = true
                continue
            }
            if index != 0 && !afterGap { buffer.append(UInt8(ascii: ":")) }
            afterGap = false
            buffer.appendHex(UInt64(groups[index]))
            index += 1
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends the decimal digits of `value`.
    @inlinable
    public mutating func appendDecimal(_ value: UInt64) {
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && value >= scale {
            digits += 1
            scale = scale &* 10
        }
        let start = count
        append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var rest = value
        var position = start + digits - 1
        while rest > 0 {
            self[position] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
            rest /= 10
            position -= 1
        }
    }

    /// Appends the lower-case hexadecimal digits of `value` without leading zeros.
    @inlinable
    public mutating func appendHex(_ value: UInt64) {
        let alphabet: StaticString = "0123456789abcdef"
        var started = false
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = Int((value >> UInt64(shift)) & 0xf)
            if nibble != 0 || started || shift == 0 {
                started = true
                append(alphabet.utf8Start[nibble])
            }
        }
    }

    /// Appends the UTF-8 bytes of `text`.
    @inlinable
    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    @inlinable
    public mutating func append(_ text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
