import CNetfilter

/// `fib saddr|daddr [. iif|oif] RESULT => reg`: a routing lookup (`fib daddr type local`).
public struct Fib: ExpressionKind {
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let sourceAddress = Flags(rawValue: NFTA_FIB_F_SADDR.rawValue)
        public static let destinationAddress = Flags(rawValue: NFTA_FIB_F_DADDR.rawValue)
        public static let mark = Flags(rawValue: NFTA_FIB_F_MARK.rawValue)
        public static let inputInterface = Flags(rawValue: NFTA_FIB_F_IIF.rawValue)
        public static let outputInterface = Flags(rawValue: NFTA_FIB_F_OIF.rawValue)
    }

    public enum Result: UInt32, Hashable, Sendable {
        case outputInterface = 1, outputInterfaceName = 2, addressType = 3
    }

    public var flags: Flags
    public var result: Result
    public var destination: Register

    public init(flags: Flags, result: Result, destination: Register = .r1) {
        self.flags = flags
        self.result = result
        self.destination = destination
    }

    static let kindName = "fib"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_FIB_FLAGS, flags.rawValue)
        expr.set(NFTNL_EXPR_FIB_RESULT, result.rawValue)
        expr.set(NFTNL_EXPR_FIB_DREG, destination)
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        flags = Flags(rawValue: expr.u32(NFTNL_EXPR_FIB_FLAGS))
        result = Result(rawValue: expr.u32(NFTNL_EXPR_FIB_RESULT)) ?? .addressType
        destination = expr.register(NFTNL_EXPR_FIB_DREG)
    }

    /// nft's notation, e.g. `fib saddr type => reg 1`.
    var text: String {
        let names: [(Flags, String)] = [(.sourceAddress, "saddr"), (.destinationAddress, "daddr"), (.mark, "mark"),
                                        (.inputInterface, "iif"), (.outputInterface, "oif")]
        let keys = names.filter { flags.contains($0.0) }.map { $0.1 + " " }.joined()
        let known = names.reduce(Flags()) { $0.union($1.0) }
        let other = flags.subtracting(known).isEmpty ? "" : "flags 0x\(String(flags.subtracting(known).rawValue, radix: 16)) "
        let kind: String
        switch result {
        case .outputInterface: kind = "oif"
        case .outputInterfaceName: kind = "oifname"
        case .addressType: kind = "type"
        }
        return "fib \(keys)\(other)\(kind) => \(destination)"
    }
}
