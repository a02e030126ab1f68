/// nf_tables registers as the netlink API numbers them: 0 is the verdict register, 1–4 the
/// legacy 16-byte data registers, 8–23 the 4-byte registers.
public struct Register: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let verdict = Register(rawValue: 0)
    /// The register iptables-nft uses for every load and compare.
    public static let r1 = Register(rawValue: 1)
    public static let r2 = Register(rawValue: 2)

    /// 4-byte register `index` (0…15), as nft uses for concatenations.
    public static func word(_ index: UInt32) -> Register { Register(rawValue: 8 + index) }

    public var description: String { "reg \(rawValue)" }
}
