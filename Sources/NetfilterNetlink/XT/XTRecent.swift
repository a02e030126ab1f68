import CNetfilter

/// `-m recent --name N --set|--rcheck [--seconds S] [--reap] --rsource` (rev 1,
/// `struct xt_recent_mtinfo_v1`), the session-affinity list of kube-proxy.
public struct XTRecent: XTInfo {
    public enum Operation: Hashable, Sendable {
        case set
        case check(seconds: UInt32, reap: Bool)
    }

    public static let maximumNameLength = Int(XT_RECENT_NAME_LEN) - 1

    public var name: ObjectName
    public var operation: Operation
    public var inverted: Bool

    public init(name: ObjectName, operation: Operation, inverted: Bool = false) {
        self.name = name
        self.operation = operation
        self.inverted = inverted
    }

    static let name = "recent"
    static let revision: UInt32 = 1

    func fill(_ info: inout xt_recent_mtinfo_v1) {
        switch operation {
        case .set:
            info.check_set = UInt8(XT_RECENT_SET)
        case .check(let seconds, let reap):
            info.seconds = seconds
            info.check_set = UInt8(XT_RECENT_CHECK) | (reap ? UInt8(XT_RECENT_REAP) : 0)
        }
        info.invert = inverted ? 1 : 0
        name.withUTF8 { bytes in
            withUnsafeMutableBytes(of: &info.name) { raw in
                for (index, byte) in bytes.prefix(raw.count - 1).enumerated() { raw[index] = byte }
            }
        }
        info.side = UInt8(XT_RECENT_SOURCE)
        // iptables' recent extension sets the full mask by default, for IPv4 as well.
        withUnsafeMutableBytes(of: &info.mask) { raw in
            for index in raw.indices { raw[index] = 0xff }
        }
    }

    init?(_ info: xt_recent_mtinfo_v1) {
        guard info.hit_count == 0, info.side == UInt8(XT_RECENT_SOURCE) else { return nil }
        name = ObjectName(readCString(info.name))
        inverted = info.invert != 0
        switch info.check_set & ~UInt8(XT_RECENT_REAP) {
        case UInt8(XT_RECENT_SET):
            operation = .set
        case UInt8(XT_RECENT_CHECK):
            operation = .check(seconds: info.seconds, reap: info.check_set & UInt8(XT_RECENT_REAP) != 0)
        default:
            return nil
        }
    }
}
