import RuleModel
import ServiceCompiler

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
    private typealias Naming = KubeProxyNFTablesNaming

    /// `namespace/name/protocol/port`, the start of every endpoint chain's base.
    let base: [UInt8]
    /// `HASH-base` of the port's chains, which differ only in their prefix.
    private let tail: Tail

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
        tail = base.withUnsafeBufferPointer { PortChainNames.hashedBase($0) }
    }

    // Made when asked for (each time): most ports use only their service chain, and making
    // all four names cost three heap strings per port that were freed unused.
    var service: ChainName { PortChainNames.name(Naming.servicePrefix, tail) }
    var local: ChainName { PortChainNames.name(Naming.localPrefix, tail) }
    var external: ChainName { PortChainNames.name(Naming.externalPrefix, tail) }
    var firewall: ChainName { PortChainNames.name(Naming.firewallPrefix, tail) }

    /// The chain (`endpoint-`) and, when asked for, the affinity set (`affinity-`) of endpoint
    /// `IP:PORT` / `[IP]:PORT`: its base is the port's plus `__IP/PORT`, IPv6 colons becoming
    /// dots (nft names allow no colon). Built on the stack: 100,000 endpoints made three
    /// short-lived arrays each.
    func endpointNames(_ endpoint: UnsafeRawBufferPointer, affinity: Bool) -> (chain: ChainName, affinitySet: ChainName?) {
        base.withUnsafeBufferPointer { base in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: base.count + 3 + endpoint.count) { bytes in
                var count = bytes.initialize(fromContentsOf: base)
                bytes[count] = UInt8(ascii: "_")
                bytes[count + 1] = UInt8(ascii: "_")
                count += 2
                let colon = endpoint.lastIndex(of: UInt8(ascii: ":")) ?? endpoint.endIndex
                for byte in endpoint[..<colon] where byte != UInt8(ascii: "[") && byte != UInt8(ascii: "]") {
                    bytes[count] = byte == UInt8(ascii: ":") ? UInt8(ascii: ".") : byte
                    count += 1
                }
                if colon < endpoint.endIndex {
                    bytes[count] = UInt8(ascii: "/")
                    count += 1
                    for byte in endpoint[(colon + 1)...] {
                        bytes[count] = byte
                        count += 1
                    }
                }
                let tail = PortChainNames.hashedBase(UnsafeBufferPointer(rebasing: bytes[..<count]))
                return (PortChainNames.name(Naming.endpointPrefix, tail), affinity ? PortChainNames.name(Naming.affinityPrefix, tail) : nil)
            }
        }
    }

    /// nft names are at most 256 bytes and the longest prefix is 16: bases beyond 240 bytes
    /// are cut and marked with `...`.
    static let maximumBaseLength = 240

    /// `HASH-base`, truncated to `maximumBaseLength`: at most 240 bytes, so held inline.
    struct Tail {
        var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
    }

    static func hashedBase(_ base: UnsafeBufferPointer<UInt8>) -> Tail {
        var tail = Tail()
        withUnsafeMutableBytes(of: &tail.bytes) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            ChainHash.withDigest(of: UnsafeRawBufferPointer(base)) { digest in Base32.writeFirstEight(of: digest, to: out) }
            out[8] = UInt8(ascii: "-")
            let kept = min(base.count, maximumBaseLength - 9)
            _ = UnsafeMutableBufferPointer(rebasing: out[9..<(9 + kept)]).initialize(fromContentsOf: base[..<kept])
            tail.count = 9 + kept
            if 9 + base.count > maximumBaseLength {
                tail.count = maximumBaseLength
                for position in (maximumBaseLength - 3)..<maximumBaseLength { out[position] = UInt8(ascii: ".") }
            }
        }
        return tail
    }

    static func name(_ prefix: StaticString, _ tail: Tail) -> ChainName {
        let prefixCount = prefix.utf8CodeUnitCount
        var bytes = tail.bytes
        let text = withUnsafeBytes(of: &bytes) { tailBytes in
            String(unsafeUninitializedCapacity: prefixCount + tail.count) { out in
                UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: prefix.utf8Start, byteCount: prefixCount)
                UnsafeMutableRawPointer(out.baseAddress! + prefixCount).copyMemory(from: tailBytes.baseAddress!,
                                                                                 byteCount: tail.count)
                return prefixCount + tail.count
            }
        }
        return ChainName(text)
    }
}

/// Standard base32 (RFC 4648) of the leading bits of a digest.
enum Base32 {
    private static var alphabet: StaticString { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" }

    /// The first 8 characters: the first 40 bits (5 bytes), 5 bits each.
    static func writeFirstEight(of digest: UnsafeRawBufferPointer, to output: UnsafeMutableBufferPointer<UInt8>) {
        var bits: UInt64 = 0
        for index in 0..<5 { bits = bits << 8 | UInt64(digest[index]) }
        for index in 0..<8 {
            output[index] = alphabet.utf8Start[Int((bits >> UInt64(35 - 5 * index)) & 31)]
        }
    }
}
