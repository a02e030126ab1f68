import NetworkAddresses
import RuleModel
import TextOutput

extension IPTablesTextWriter {
    /// One rule as an `-A CHAIN ...` line of restore text (no newline), for tools that show rules.
    public static func line(_ rule: Rule, chain: ChainName, table: String, family: IPFamily) throws -> String {
        var output = ByteBuffer(capacity: 256)
        try withUnsafePointer(to: rule) { rule in
            try RuleWriter(family: family).write(rule, chain: chain, table: table, to: &output)
        }
        var bytes = output.bytes
        bytes.removeLast()
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension RejectSpelling {
    /// The reject kind a `--reject-with` word names, in either family's spelling.
    static func kind(_ text: String) -> RejectKind? {
        switch text {
        case "icmp-port-unreachable", "icmp6-port-unreachable", "port-unreach": return .portUnreachable
        case "tcp-reset": return .tcpReset
        case "icmp-admin-prohibited", "icmp6-adm-prohibited", "adm-prohibited": return .adminProhibited
        default: return nil
        }
    }

    /// The family a `--reject-with` word implies, if it is family-specific.
    static func family(of text: String) -> IPFamily? {
        if text.hasPrefix("icmp6-") { return .ipv6 }
        if text.hasPrefix("icmp-") { return .ipv4 }
        return nil
    }
}
