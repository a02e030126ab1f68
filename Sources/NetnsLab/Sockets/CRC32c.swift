/// CRC32c (Castagnoli), the checksum of every SCTP packet (RFC 9260 appendix A).
///
/// netfilter's SCTP conntrack verifies it: a wrong checksum makes the packet INVALID, and
/// kube-proxy's `KUBE-FORWARD` drops INVALID packets, so it has to be right.
enum CRC32c {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }
}
