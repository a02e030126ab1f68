import NetfilterNetlink

/// How PacketPath recognises the nftables-layout tables it wrote (`ip|ip6 kube-proxy`):
/// a record of its own in the table's user data, after nft's comment record. nft skips record
/// types it does not know, so `nft list` prints the table exactly as kube-proxy's would be.
public enum NFTablesOwnership {
    /// A record type nft does not use for tables (it uses 0, the comment).
    static let recordType: UInt8 = 0x50
    static let recordValue = Array("packetpath".utf8) + [0]

    /// The record PacketPath appends to the table's user data.
    public static var record: [UInt8] { [recordType, UInt8(recordValue.count)] + recordValue }

    /// Whether the table's user data carries PacketPath's record.
    public static func isOwned(_ table: TableInfo) -> Bool {
        guard let data = table.userData else { return false }
        var index = 0
        while index + 2 <= data.count {
            let type = data[index]
            let length = Int(data[index + 1])
            let value = index + 2
            guard value + length <= data.count else { return false }
            if type == recordType && Array(data[value..<(value + length)]) == recordValue { return true }
            index = value + length
        }
        return false
    }
}
