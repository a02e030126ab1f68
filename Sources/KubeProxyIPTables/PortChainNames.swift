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

    /// Borrows the plan: an initializer owns its arguments, so passing the plan copied it
    /// (a retain of each of its fields) for every port.
    init(_ plan: borrowing ServicePortPlan) {
        let hash = ChainHashInput.suffix(plan.name, plan.l4Protocol.rawValue, "")
        service = hash.chain("KUBE-SVC-")
        local = hash.chain("KUBE-SVL-")
        external = hash.chain("KUBE-EXT-")
        firewall = hash.chain("KUBE-FW-")
        endpointHash = HashPrefix(plan.name, plan.l4Protocol.rawValue)
    }

    /// The KUBE-SEP chain of endpoint `index` of `plan` (the plan this port's names are of).
    func endpoint(_ index: Int, of plan: ServicePortPlan) -> ChainName {
        if let bytes = plan.endpointBytes(index) { return endpointHash.chain("KUBE-SEP-", endpoint: bytes) }
        var text = plan.endpoints[index].endpoint
        return text.withUTF8 { endpointHash.chain("KUBE-SEP-", endpoint: UnsafeRawBufferPointer($0)) }
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
        suffix = (0, 0)
        withUnsafeMutableBytes(of: &suffix) { raw in
            ChainHash.withDigest(of: input) { ChainHash.encode($0, into: raw.bindMemory(to: UInt8.self)) }
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

    /// `prefix` and the hash of the port's name, protocol and `endpoint`'s bytes.
    func chain(_ prefix: StaticString, endpoint tail: EndpointBytes) -> ChainName {
        chain(prefix, tailCount: tail.count) { tail.copy(to: $0) }
    }

    /// `prefix` and the hash of the port's name, protocol and `tail`.
    func chain(_ prefix: StaticString, endpoint tail: UnsafeRawBufferPointer) -> ChainName {
        chain(prefix, tailCount: tail.count) { if let start = tail.baseAddress { $0.copyMemory(from: start, byteCount: tail.count) } }
    }

    /// The hash of the port's bytes joined on the stack with the `tailCount` bytes `writeTail` writes.
    @inline(__always)
    private func chain(_ prefix: StaticString, tailCount: Int, _ writeTail: (UnsafeMutableRawPointer) -> Void) -> ChainName {
        bytes.withUnsafeBufferPointer { head in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: head.count + tailCount) { joined in
                // Plain byte copies: the generic initializers cost more than the copying.
                let start = UnsafeMutableRawPointer(joined.baseAddress!)
                if let first = head.baseAddress { start.copyMemory(from: first, byteCount: head.count) }
                writeTail(start + head.count)
                return ChainHashInput(hashing: UnsafeRawBufferPointer(joined)).chain(prefix)
            }
        }
    }
}
