import Dispatch
import IPTablesNFTEncoding
import NetworkAddresses
import NetfilterNetlink
import RuleModel

/// The fingerprint of one family's desired state: a hash of every table, chain and encoded
/// rule, plus the version of the encoding and ownership scheme. Computing it also checks that
/// every rule can be encoded, before anything is read or sent.
enum Fingerprint {
    static let scheme = "packetpath iptables-nft 1.8.9 v1"

    /// The fingerprint of a family, and a digest of each chain's encoded rules (by table and
    /// chain index) that lets a later apply skip reading chains that did not change.
    struct Result {
        let fingerprint: String
        let chainDigests: [[UInt64]]
    }

    /// Walks the ruleset itself, not a validated `DesiredState`, so that an unchanged apply
    /// costs no more than encoding the rules once.
    static func compute(_ ruleset: Ruleset) throws -> Result {
        let digests = try ruleset.tables.map { try tableDigests($0, family: ruleset.family) }
        return Result(fingerprint: combine(ruleset, chainDigests: digests), chainDigests: digests)
    }

    /// Tables this large are encoded in two halves on two threads (a chain's digest depends on
    /// its own rules only): at 10,000 Services, 110,000 chains and 320,000 rules.
    static let parallelChains = 4_096

    /// The digest of each chain of a table, in order; the error of the first rule (in order)
    /// that cannot be encoded.
    static func tableDigests(_ table: Table, family: IPFamily) throws -> [UInt64] {
        let chains = table.chains
        @Sendable func digests(_ range: Range<Int>, into output: UnsafeMutableBufferPointer<UInt64>) throws {
            var encoder = IPTablesNFTEncoder(family: family)
            var scratch: [Expression] = []
            scratch.reserveCapacity(16)
            for index in range {
                output[index] = try digest(of: chains[index], table: table.name, family: family, encoder: &encoder,
                                           scratch: &scratch)
            }
        }
        var result = [UInt64](repeating: 0, count: chains.count)
        guard chains.count >= parallelChains else {
            try result.withUnsafeMutableBufferPointer { try digests(chains.indices, into: $0) }
            return result
        }
        var failures: [(any Error)?] = [nil, nil]
        let middle = chains.count / 2
        result.withUnsafeMutableBufferPointer { buffer in
            failures.withUnsafeMutableBufferPointer { errors in
                nonisolated(unsafe) let (output, failed) = (buffer, errors)
                DispatchQueue.concurrentPerform(iterations: 2) { half in
                    do {
                        try digests(half == 0 ? 0..<middle : middle..<chains.count, into: output)
                    } catch {
                        failed[half] = error
                    }
                }
            }
        }
        if let failure = failures[0] ?? failures[1] { throw failure }
        return result
    }

    /// The digest of a chain's encoded rules; `scratch` ends holding the last rule's expressions.
    static func digest(of chain: Chain, table: String, family: IPFamily, encoder: inout IPTablesNFTEncoder,
                       scratch: inout [Expression], _ each: (([Expression]) -> Void)? = nil) throws -> UInt64 {
        var chainHasher = StableHasher()
        for (index, rule) in chain.rules.enumerated() {
            let compat = try RuleEncoding.encode(rule, index: index, chain: chain.name, table: table,
                                                 family: family, encoder: &encoder, into: &scratch)
            chainHasher.combine(compat.protocolNumber)
            chainHasher.combine(scratch.count)
            for expression in scratch { chainHasher.combine(expression) }
            each?(scratch)
        }
        return chainHasher.value
    }

    /// The family's fingerprint from its chains' digests (by table and chain index): the
    /// scheme, family, every table and chain name, base-chain spec and chain digest.
    static func combine(_ ruleset: Ruleset, chainDigests: [[UInt64]]) -> String {
        var hasher = StableHasher()
        hasher.combine(scheme)
        hasher.combine(UInt32(NetfilterFamily(ruleset.family).rawValue))
        for (table, digests) in zip(ruleset.tables, chainDigests) {
            hasher.combine(table.name)
            for (chain, digest) in zip(table.chains, digests) {
                hasher.combine(ObjectName(chain.name))
                if let attachment = chain.attachment {
                    let base = IPTablesNFTLayout.baseChain(table: table.name, attachment: attachment)
                    hasher.combine(base.type)
                    hasher.combine(base.hook.rawValue)
                    hasher.combine(UInt32(bitPattern: base.priority))
                    hasher.combine(base.policyAccepts)
                } else {
                    hasher.combine(UInt64.max)
                }
                hasher.combine(digest)
                hasher.combine(UInt64(0xc4a1))
            }
        }
        return hasher.hex
    }
}

/// The comment of the state table: `packetpath v1 generation=N fingerprint=HEX`.
struct StateRecord: Equatable {
    let generation: UInt32
    let fingerprint: String

    var comment: String { "packetpath v1 generation=\(generation) fingerprint=\(fingerprint)" }

    /// The generation a commit made on `generation` produces (the kernel skips zero).
    static func generation(after generation: UInt32) -> UInt32 {
        generation &+ 1 == 0 ? 1 : generation &+ 1
    }

    init(generation: UInt32, fingerprint: String) {
        self.generation = generation
        self.fingerprint = fingerprint
    }

    init?(comment: String?) {
        guard let comment else { return nil }
        let fields = comment.split(separator: " ")
        guard fields.count == 4, fields[0] == "packetpath", fields[1] == "v1",
              fields[2].hasPrefix("generation="), fields[3].hasPrefix("fingerprint="),
              let generation = UInt32(fields[2].dropFirst("generation=".count)) else { return nil }
        self.generation = generation
        fingerprint = String(fields[3].dropFirst("fingerprint=".count))
    }
}
