import CNetfilter

/// `-j DNAT --to-destination ADDR[:PORT]` (rev 2, `struct nf_nat_range2`).
public struct XTDNAT: XTInfo {
    /// 4 or 16 bytes in network order.
    public var address: RegisterData
    public var port: UInt16?

    public init(address: RegisterData, port: UInt16?) {
        precondition(address.count == 4 || address.count == 16, "an IPv4 or IPv6 address")
        self.address = address
        self.port = port
    }

    static let name = "DNAT"
    static let revision: UInt32 = 2

    func fill(_ info: inout nf_nat_range2) {
        info.flags = UInt32(NF_NAT_RANGE_MAP_IPS) | (port == nil ? 0 : UInt32(NF_NAT_RANGE_PROTO_SPECIFIED))
        address.withUnsafeBytes { bytes in
            withUnsafeMutableBytes(of: &info.min_addr) { $0.copyMemory(from: bytes) }
            withUnsafeMutableBytes(of: &info.max_addr) { $0.copyMemory(from: bytes) }
        }
        if let port {
            info.min_proto.all = port.bigEndian
            info.max_proto.all = port.bigEndian
        }
    }

    init?(_ info: nf_nat_range2) {
        let mapsAddress = info.flags & UInt32(NF_NAT_RANGE_MAP_IPS) != 0
        guard mapsAddress else { return nil }
        let addressBytes = withUnsafeBytes(of: info.min_addr) { Array($0) }
        // IPv4 addresses leave the last 12 bytes zero; the exact-bytes check in `decode`
        // rejects an IPv6 address that happens to look like that only if it differs.
        let isIPv4 = addressBytes[4...].allSatisfy { $0 == 0 }
        address = RegisterData(isIPv4 ? Array(addressBytes[0..<4]) : addressBytes)
        port = info.flags & UInt32(NF_NAT_RANGE_PROTO_SPECIFIED) != 0 ? UInt16(bigEndian: info.min_proto.all) : nil
    }
}

/// `-j MASQUERADE [--random-fully]` for IPv4 (rev 0, `struct nf_nat_ipv4_multi_range_compat`).
public struct XTMasqueradeIPv4: XTInfo {
    public var randomFully: Bool

    public init(randomFully: Bool) {
        self.randomFully = randomFully
    }

    static let name = "MASQUERADE"
    static let revision: UInt32 = 0

    func fill(_ info: inout nf_nat_ipv4_multi_range_compat) {
        info.rangesize = 1
        info.range.flags = randomFully ? UInt32(NF_NAT_RANGE_PROTO_RANDOM_FULLY) : 0
    }

    init?(_ info: nf_nat_ipv4_multi_range_compat) {
        guard info.rangesize == 1 else { return nil }
        randomFully = info.range.flags & UInt32(NF_NAT_RANGE_PROTO_RANDOM_FULLY) != 0
    }
}

/// `-j MASQUERADE [--random-fully]` for IPv6 (rev 0, `struct nf_nat_range`).
public struct XTMasqueradeIPv6: XTInfo {
    public var randomFully: Bool

    public init(randomFully: Bool) {
        self.randomFully = randomFully
    }

    static let name = "MASQUERADE"
    static let revision: UInt32 = 0

    func fill(_ info: inout nf_nat_range) {
        info.flags = randomFully ? UInt32(NF_NAT_RANGE_PROTO_RANDOM_FULLY) : 0
    }

    init?(_ info: nf_nat_range) {
        randomFully = info.flags & UInt32(NF_NAT_RANGE_PROTO_RANDOM_FULLY) != 0
    }
}
