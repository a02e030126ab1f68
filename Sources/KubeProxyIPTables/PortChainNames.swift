import Crypto
import RuleModel
import ServiceCompiler

/// kube-proxy's iptables chain names of one Service port: KUBE-SVC/SVL/EXT/FW- and the hash of
/// the port's name and protocol; KUBE-SEP- and the hash of those and the endpoint. Layout
/// knowledge, worked out here as each port is laid out (on the layout's threads).
struct PortChainNames {
    let service: ChainName
    let local: ChainName
    let external: ChainName
    let firewall: ChainName
    private let endpointHash: HashPrefix

    /// The name of an endpoint's chain no dispatch chain reaches (never emitted).
    static let none = ChainName("")

    init(_ plan: ServicePortPlan) {
        let hash = ChainHashInput.suffix(plan.name, plan.l4Protocol.rawValue, "")
        service = hash.chain("KUBE-SVC-")
        local = hash.chain("KUBE-SVL-")
        external = hash.chain("KUBE-EXT-")
        firewall = hash.chain("KUBE-FW-")
        endpointHash = HashPrefix(plan.name, plan.l4Protocol.rawValue)
    }

    /// The KUBE-SEP chain of `endpoint`, read in place (copying a plan retains its fields).
    func endpoint(_ endpoint: UnsafePointer<EndpointPlan>) -> ChainName {
        endpoint.pointee.endpointString.withBytes { endpointHash.chain("KUBE-SEP-", endpoint: $0) }
    }
}

/// The 16-character hash of a Service port's (or endpoint's) name parts, from which its
/// chain names (one hash, several prefixes) are made.
struct ChainHashInput {
    private var suffix: (UInt64, UInt64)

    /// The hash of `a + b + c`, joined on the stack and hashed in one update: each update
    /// through the hasher costs more than copying a few dozen bytes.
    static func suffix(_ a: String, _ b: String, _ c: String) -> ChainHashInput {
        var (a, b, c) = (a, b, c)
        return a.withUTF8 { a in
            b.withUTF8 { b in
                c.withUTF8 { c in
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: a.count + b.count + c.count) { joined in
                        var end = joined.initialize(fromContentsOf: a)
                        end = UnsafeMutableBufferPointer(rebasing: joined[end...]).initialize(fromContentsOf: b) + end
                        _ = UnsafeMutableBufferPointer(rebasing: joined[end...]).initialize(fromContentsOf: c)
                        return ChainHashInput(hashing: UnsafeRawBufferPointer(joined))
                    }
                }
            }
        }
    }

    init(hashing input: UnsafeRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bufferPointer: input)
        suffix = (0, 0)
        let digest = hasher.finalize()
        withUnsafeMutableBytes(of: &suffix) { raw in
            ChainHash.encode(digest, into: raw.bindMemory(to: UInt8.self))
        }
    }

    func chain(_ prefix: StaticString) -> ChainName {
        var suffix = self.suffix
        return withUnsafeBytes(of: &suffix) { raw in
            // Base32 characters: packed without a check per byte.
            ChainName(prefix: prefix, hashSuffix: raw.bindMemory(to: UInt8.self))
        }
    }
}

/// The start of every SEP chain's hash input for one Service port (its name and protocol),
/// joined once per port rather than once per endpoint.
struct HashPrefix {
    private let bytes: [UInt8]

    init(_ name: String, _ proto: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count + proto.utf8.count)
        bytes += name.utf8
        bytes += proto.utf8
        self.bytes = bytes
    }

    /// `prefix` and the hash of the port's name, protocol and `endpoint`.
    func chain(_ prefix: StaticString, endpoint tail: UnsafeRawBufferPointer) -> ChainName {
        bytes.withUnsafeBufferPointer { head in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: head.count + tail.count) { joined in
                // Plain byte copies: the generic initializers cost more than the copying.
                if let start = joined.baseAddress {
                    if let first = head.baseAddress { UnsafeMutableRawPointer(start).copyMemory(from: first, byteCount: head.count) }
                    if let rest = tail.baseAddress { UnsafeMutableRawPointer(start + head.count).copyMemory(from: rest, byteCount: tail.count) }
                }
                return ChainHashInput(hashing: UnsafeRawBufferPointer(joined)).chain(prefix)
            }
        }
    }
}
