import NetworkAddresses
import RuleModel

/// Literal values as nft writes them: addresses, prefixes, ports, protocols, durations, marks.
enum NFTValues {
    static func address(_ text: String) -> AddressMatch? {
        if text.contains("/") { return IPPrefix(text).map { .prefix($0) } }
        return IPAddress(text).map { .host($0) }
    }

    static func keyComponent(_ text: String, type: SetDataType) -> KeyComponent? {
        switch type {
        case .ipv4Address, .ipv6Address:
            switch address(text) {
            case .host(let host)?: return .address(host)
            case .prefix(let prefix)?: return .prefix(prefix)
            case nil: return nil
            }
        case .inetProto: return l4Protocol(text).map { .l4Protocol($0) }
        case .inetService: return UInt16(text).map { .port($0) }
        case .mark: return nil
        }
    }

    static func l4Protocol(_ text: String) -> L4Protocol? {
        switch text {
        case "tcp", "6": return .tcp
        case "udp", "17": return .udp
        case "sctp", "132": return .sctp
        default: return nil
        }
    }

    /// `80` or `30000-32767`.
    static func portRange(_ text: String) -> PortRange? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let first = UInt16(parts[0]) else { return nil }
        guard parts.count == 2 else { return PortRange(first) }
        return UInt16(parts[1]).flatMap { PortRange(first: first, last: $0) }
    }

    /// `3600s`, `1h`, `1h30m`, `2d`, `250ms` (rounded down to seconds), or plain seconds.
    static func seconds(_ text: String) -> UInt32? {
        if let plain = UInt32(text) { return plain }
        var total: UInt64 = 0
        var number: UInt64? = nil
        var rest = Substring(text)
        while let first = rest.first {
            if let digit = first.wholeNumberValue, first.isASCII {
                number = (number ?? 0) * 10 + UInt64(digit)
                guard number! <= UInt64(UInt32.max) else { return nil }
                rest = rest.dropFirst()
                continue
            }
            guard let value = number else { return nil }
            if rest.hasPrefix("ms") {
                total += value / 1000
                rest = rest.dropFirst(2)
            } else {
                let unit: UInt64
                switch first {
                case "d": unit = 86_400
                case "h": unit = 3_600
                case "m": unit = 60
                case "s": unit = 1
                default: return nil
                }
                total += value * unit
                rest = rest.dropFirst()
            }
            number = nil
        }
        guard number == nil, total <= UInt64(UInt32.max) else { return nil }
        return UInt32(total)
    }

    /// `dnat to 10.0.0.1:80`, `[fd00::1]:80`, `10.0.0.1`, `fd00::1`.
    static func dnatTarget(_ text: String) -> (IPAddress, UInt16?)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), let address = IPAddress(text[text.index(after: text.startIndex)..<close]) else {
                return nil
            }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (address, nil) }
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else { return nil }
            return (address, port)
        }
        if let address = IPAddress(text) { return (address, nil) }
        guard let colon = text.lastIndex(of: ":"), let address = IPAddress(text[..<colon]), address.family == .ipv4,
              let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        return (address, port)
    }
}
