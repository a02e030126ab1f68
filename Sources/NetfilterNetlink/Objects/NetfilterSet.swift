/// An nf_tables set or map: its key (and data) types, flags and elements.
public struct NetfilterSet: Hashable, Sendable {
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let anonymous = Flags(rawValue: 0x1)
        public static let constant = Flags(rawValue: 0x2)
        public static let interval = Flags(rawValue: 0x4)
        public static let map = Flags(rawValue: 0x8)
        public static let timeout = Flags(rawValue: 0x10)
        /// Updated from the packet path (`dynset`).
        public static let dynamic = Flags(rawValue: 0x20)
        public static let concatenation = Flags(rawValue: 0x80)
    }

    /// nft's data-type numbers (informational to the kernel; nft prints by them).
    public enum DataType {
        public static let ipv4Address: UInt32 = 7
        public static let ipv6Address: UInt32 = 8
        public static let inetProtocol: UInt32 = 12
        public static let inetService: UInt32 = 13
        public static let integer: UInt32 = 4
        /// `NFT_DATA_VERDICT`: the data of a verdict map.
        public static let verdict: UInt32 = 0xffff_ff00
    }

    public var table: ObjectName
    public var name: ObjectName
    /// Lets rules of the same batch refer to the set before it exists.
    public var id: UInt32?
    public var flags: Flags
    public var keyType: UInt32
    /// Bytes; concatenated fields are each padded to 4 bytes.
    public var keyLength: UInt32
    public var dataType: UInt32?
    public var dataLength: UInt32?
    /// Default element timeout, in milliseconds.
    public var timeout: UInt64?
    /// nft's own description of the set (key byte order, typeof, comment), which `nft list`
    /// needs to print keys as addresses and ports rather than raw hex. Opaque to the kernel.
    public var userData: [UInt8]?
    /// `NFTA_SET_DESC_SIZE`: the number of elements nft announces for constant sets.
    public var descriptionSize: UInt32?

    public init(table: ObjectName, name: ObjectName, id: UInt32? = nil, flags: Flags = [], keyType: UInt32,
                keyLength: UInt32, dataType: UInt32? = nil, dataLength: UInt32? = nil, timeout: UInt64? = nil,
                userData: [UInt8]? = nil, descriptionSize: UInt32? = nil) {
        self.userData = userData
        self.descriptionSize = descriptionSize
        self.table = table
        self.name = name
        self.id = id
        self.flags = flags
        self.keyType = keyType
        self.keyLength = keyLength
        self.dataType = dataType
        // The kernel stores verdicts in 16 bytes whatever length is sent, and reports that.
        self.dataLength = dataType == DataType.verdict ? 16 : dataLength
        self.timeout = timeout
    }

    /// The set ID only links objects inside one batch; the kernel does not report it.
    public static func == (lhs: NetfilterSet, rhs: NetfilterSet) -> Bool {
        (lhs.table, lhs.name, lhs.flags, lhs.keyType, lhs.keyLength) == (rhs.table, rhs.name, rhs.flags, rhs.keyType, rhs.keyLength)
            && (lhs.dataType, lhs.dataLength, lhs.timeout) == (rhs.dataType, rhs.dataLength, rhs.timeout)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(table)
        hasher.combine(name)
    }

    /// Whether element messages name the set by its ID alone. The kernel finds a set by name
    /// by walking every set of its table (quadratic over 10,000 anonymous maps), by ID from
    /// the sets the batch created, newest first. An anonymous set is only ever filled in the
    /// batch that creates it (it is constant once a rule binds it), so its ID always resolves.
    public var elementsByIDOnly: Bool { flags.contains(.anonymous) && id != nil }
}

/// One element of a set or map.
public struct SetElement: Hashable, Sendable {
    /// The key bytes in the set's layout (network order for addresses and ports).
    public var key: [UInt8]
    /// For interval sets with ranges: the last key of the range.
    public var keyEnd: [UInt8]?
    /// For verdict maps.
    public var verdict: NetfilterVerdict?
    /// For data maps.
    public var data: [UInt8]?
    /// nft's element user data (the element comment).
    public var userData: [UInt8]?
    /// `NFT_SET_ELEM_INTERVAL_END`: this key closes the interval opened by the previous one.
    public var intervalEnd: Bool

    public init(key: [UInt8], keyEnd: [UInt8]? = nil, verdict: NetfilterVerdict? = nil, data: [UInt8]? = nil,
                userData: [UInt8]? = nil, intervalEnd: Bool = false) {
        self.userData = userData
        self.intervalEnd = intervalEnd
        self.key = key
        self.keyEnd = keyEnd
        self.verdict = verdict
        self.data = data
    }
}
