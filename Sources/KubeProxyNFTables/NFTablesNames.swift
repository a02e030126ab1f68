import Crypto
import RuleModel

/// Names of the objects kube-proxy v1.30's nftables proxier always creates in its table.
/// They need no `KUBE-` prefix: the table is kube-proxy's alone.
public enum NFTablesNames {
    public static let table = "kube-proxy"
    static let tableComment = "rules for kube-proxy"

    // Base chains: `<type>-<hook>`.
    static let filterPrerouting: ChainName = "filter-prerouting"
    static let filterInput: ChainName = "filter-input"
    static let filterForward: ChainName = "filter-forward"
    static let filterOutput: ChainName = "filter-output"
    static let filterOutputPostDNAT: ChainName = "filter-output-post-dnat"
    static let natPrerouting: ChainName = "nat-prerouting"
    static let natOutput: ChainName = "nat-output"
    static let natPostrouting: ChainName = "nat-postrouting"

    // Regular chains every sync writes.
    static let services: ChainName = "services"
    static let masquerading: ChainName = "masquerading"
    static let markForMasquerade: ChainName = "mark-for-masquerade"
    static let serviceEndpointsCheck: ChainName = "service-endpoints-check"
    static let nodePortEndpointsCheck: ChainName = "nodeport-endpoints-check"
    static let firewallCheck: ChainName = "firewall-check"
    static let clusterIPsCheck: ChainName = "cluster-ips-check"
    /// `reject` is no verdict a map can hold: map elements `goto` this one-rule chain.
    static let rejectChain: ChainName = "reject-chain"

    // Sets and maps.
    static let clusterIPs: ChainName = "cluster-ips"
    static let nodePortIPs: ChainName = "nodeport-ips"
    static let serviceIPs: ChainName = "service-ips"
    static let serviceNodePorts: ChainName = "service-nodeports"
    static let firewallIPs: ChainName = "firewall-ips"
    static let noEndpointServices: ChainName = "no-endpoint-services"
    static let noEndpointNodePorts: ChainName = "no-endpoint-nodeports"
}

/// The names of one Service port's chains: a prefix, then `HASH-` and the readable base
/// `namespace/name/protocol/port` (plus `__IP/PORT` for an endpoint), where HASH is the first
/// 8 characters of base32(SHA-256(base)). The hash keeps names unique after truncation.
struct PortChainNames {
    let service: ChainName
    let local: ChainName
    let external: ChainName
    let firewall: ChainName
    /// `namespace/name/protocol/port`, the start of every endpoint chain's base.
    let base: [UInt8]

    init(namespace: String, name: String, protocol l4: L4Protocol, port: String) {
        var base: [UInt8] = []
        base.reserveCapacity(namespace.utf8.count + name.utf8.count + port.utf8.count + 8)
        base += namespace.utf8
        base.append(UInt8(ascii: "/"))
        base += name.utf8
        base.append(UInt8(ascii: "/"))
        base += l4.rawValue.utf8
        base.append(UInt8(ascii: "/"))
        base += port.utf8
        self.base = base
        let tail = PortChainNames.hashedBase(base)
        service = PortChainNames.name("service-", tail)
        local = PortChainNames.name("local-", tail)
        external = PortChainNames.name("external-", tail)
        firewall = PortChainNames.name("firewall-", tail)
    }

    /// The `HASH-base` of endpoint `IP:PORT` / `[IP]:PORT`, which its chain (`endpoint-`) and
    /// affinity set (`affinity-`) are named with: IPv6 colons become dots (nft names allow no
    /// colon), host and port are joined by `/`.
    func endpointTail(_ endpoint: UnsafeRawBufferPointer) -> [UInt8] {
        var bytes = base
        bytes.reserveCapacity(base.count + 2 + endpoint.count)
        bytes.append(UInt8(ascii: "_"))
        bytes.append(UInt8(ascii: "_"))
        let colon = endpoint.lastIndex(of: UInt8(ascii: ":")) ?? endpoint.endIndex
        for byte in endpoint[..<colon] where byte != UInt8(ascii: "[") && byte != UInt8(ascii: "]") {
            bytes.append(byte == UInt8(ascii: ":") ? UInt8(ascii: ".") : byte)
        }
        if colon < endpoint.endIndex {
            bytes.append(UInt8(ascii: "/"))
            bytes += endpoint[(colon + 1)...]
        }
        return PortChainNames.hashedBase(bytes)
    }

    /// nft names are at most 256 bytes and the longest prefix is 16: bases beyond 240 bytes
    /// are cut and marked with `...`.
    static let maximumBaseLength = 240

    /// `HASH-base`, truncated to `maximumBaseLength`.
    static func hashedBase(_ base: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        base.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        var result: [UInt8] = []
        result.reserveCapacity(9 + base.count)
        hasher.finalize().withUnsafeBytes { digest in Base32.appendFirstEight(of: digest, to: &result) }
        result.append(UInt8(ascii: "-"))
        result += base
        if result.count > maximumBaseLength {
            result.removeSubrange((maximumBaseLength - 3)...)
            result += Array("...".utf8)
        }
        return result
    }

    static func name(_ prefix: StaticString, _ tail: [UInt8]) -> ChainName {
        let prefixCount = prefix.utf8CodeUnitCount
        let text = String(unsafeUninitializedCapacity: prefixCount + tail.count) { bytes in
            UnsafeMutableRawPointer(bytes.baseAddress!).copyMemory(from: prefix.utf8Start, byteCount: prefixCount)
            _ = UnsafeMutableBufferPointer(rebasing: bytes[prefixCount...]).initialize(fromContentsOf: tail)
            return prefixCount + tail.count
        }
        return ChainName(text)
    }
}

/// Standard base32 (RFC 4648) of the leading bits of a digest.
enum Base32 {
    private static var alphabet: StaticString { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" }

    /// The first 8 characters: the first 40 bits (5 bytes), 5 bits each.
    static func appendFirstEight(of digest: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        var bits: UInt64 = 0
        for index in 0..<5 { bits = bits << 8 | UInt64(digest[index]) }
        for index in 0..<8 {
            output.append(alphabet.utf8Start[Int((bits >> UInt64(35 - 5 * index)) & 31)])
        }
    }
}
