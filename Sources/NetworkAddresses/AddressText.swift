import TextOutput

/// Canonical text of addresses, written straight into byte buffers: the printers emit
/// hundreds of thousands of addresses, so this avoids a String per address.
extension IPAddress: CustomStringConvertible {
    /// Dotted quad, or RFC 5952 IPv6 (what Go's `net.IP.String` prints).
    public var description: String {
        var buffer = ByteBuffer(capacity: 48)
        write(to: &buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    public func write(to buffer: inout ByteBuffer) {
        switch self {
        case .v4(let value):
            buffer.appendIPv4(value)
        case .v6:
            writeV6(to: &buffer)
        }
    }

    private func writeV6(to buffer: inout ByteBuffer) {
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
