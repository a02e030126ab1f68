/// A rule the iptables-nft encoding cannot express.
public struct EncodingError: Error, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
