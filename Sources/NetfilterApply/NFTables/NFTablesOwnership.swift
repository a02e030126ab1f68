import NetfilterNetlink

/// How PacketPath recognises the nftables tables it wrote (`ip|ip6 kube-proxy`, `packetpath-policy`):
/// a record of its own in the table's user data, after nft's comment record. nft skips record
/// types it does not know, so `nft list` prints the table exactly as kube-proxy's would be.
public enum NFTablesOwnership {
    /// A record type nft does not use for tables (it uses 0, the comment).
    static let recordType: UInt8 = 0x50
    static let recordValue = Array("packetpath".utf8) + [0]

    /// The applied state: fingerprint (8 bytes) and the generation its commit produced (4),
    /// little endian.
    static let stateType: UInt8 = 0x51

    /// What an apply left in the table's user data.
    public struct State: Equatable, Sendable {
        public var fingerprint: UInt64
        public var generation: UInt32

        public init(fingerprint: UInt64, generation: UInt32) {
            self.fingerprint = fingerprint
            self.generation = generation
        }
    }

    /// The records PacketPath appends to the table's user data.
    public static func records(_ state: State) -> [UInt8] {
        let value = withUnsafeBytes(of: state.fingerprint.littleEndian) { Array($0) }
            + withUnsafeBytes(of: state.generation.littleEndian) { Array($0) }
        return [recordType, UInt8(recordValue.count)] + recordValue + [stateType, UInt8(value.count)] + value
    }

    /// Whether the table's user data carries PacketPath's record.
    public static func isOwned(_ table: TableInfo) -> Bool {
        record(recordType, in: table) == recordValue
    }

    /// The state the last apply recorded in the table, if PacketPath wrote it.
    public static func state(of table: TableInfo) -> State? {
        guard isOwned(table), let value = record(stateType, in: table), value.count == 12 else { return nil }
        let fingerprint = value[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let generation = value[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return State(fingerprint: fingerprint, generation: generation)
    }

    private static func record(_ wanted: UInt8, in table: TableInfo) -> [UInt8]? {
        guard let data = table.userData else { return nil }
        var index = 0
        while index + 2 <= data.count {
            let type = data[index]
            let length = Int(data[index + 1])
            let value = index + 2
            guard value + length <= data.count else { return nil }
            if type == wanted { return Array(data[value..<(value + length)]) }
            index = value + length
        }
        return nil
    }
}
