import IPTablesNFTEncoding
import NetfilterNetlink
import NetworkNamespaces
import RuleModel
#if canImport(Glibc)
import Glibc
#endif

/// Applies rulesets to a network namespace as one atomic nf_tables batch, in iptables-nft's
/// encoding, touching only what PacketPath owns (see `Ownership`).
///
/// Re-applying an unchanged ruleset sends nothing: if the kernel's generation is still the one
/// PacketPath's last commit produced and the fingerprint matches, nothing can have changed;
/// otherwise the kernel state is read back and compared.
public struct NetfilterApplier: Sendable {
    public var options: ApplyOptions

    public init(options: ApplyOptions = ApplyOptions()) {
        self.options = options
    }

    /// Applies into `namespace`, working on a dedicated thread that enters it.
    public func apply(_ rulesets: [Ruleset], into namespace: NetworkNamespace) throws -> ApplyReport {
        if let reason = Privileges.missingReason { throw ApplyError.notPrivileged(reason) }
        let target: NamespaceIdentity
        let own: NamespaceIdentity
        do {
            target = try namespace.identity()
            own = try NetworkNamespace(path: "/proc/self/ns/net").identity()
        } catch let error as NamespaceError {
            throw ApplyError.namespace(error.description)
        }
        if target == own && !options.host { throw ApplyError.refusingHostNamespace(namespace.description) }
        let options = self.options
        do {
            return try NetfilterSocket.withSocket(in: namespace) { socket in
                try Session(options: options).apply(rulesets, socket: socket)
            }
        } catch let error as NamespaceError {
            throw ApplyError.namespace(error.description)
        } catch let error as NetfilterError {
            throw Session.translate(error)
        }
    }

    /// Applies into the namespace of the calling thread, which must be a thread of its own
    /// (from `NamespaceThread`), not a shared one.
    public func applyInCurrentNamespace(_ rulesets: [Ruleset]) throws -> ApplyReport {
        if let reason = Privileges.missingReason { throw ApplyError.notPrivileged(reason) }
        if !options.host {
            let current = try? NetworkNamespace.current.identity()
            let own = try? NetworkNamespace(path: "/proc/self/ns/net").identity()
            if current == nil || current == own { throw ApplyError.refusingHostNamespace("the current namespace") }
        }
        do {
            return try Session(options: options).apply(rulesets, socket: NetfilterSocket())
        } catch let error as NetfilterError {
            throw Session.translate(error)
        }
    }
}

/// One apply on one thread, with its socket.
struct Session {
    let options: ApplyOptions
    static let attempts = 3

    func report(_ progress: ApplyProgress) {
        options.progress?(progress)
    }

    func apply(_ rulesets: [Ruleset], socket: NetfilterSocket) throws -> ApplyReport {
        guard Set(rulesets.map(\.family)).count == rulesets.count else {
            throw ApplyError.invalidRuleset("two rulesets for the same IP family")
        }
        report(.encoding(rules: rulesets.reduce(0) { $0 + $1.ruleCount }))
        let fingerprints = try rulesets.map(Fingerprint.compute)
        var desired: DesiredState?
        for _ in 0..<Self.attempts {
            do {
                if let report = try attempt(rulesets, &desired, fingerprints, socket) { return report }
            } catch let error as NetfilterError {
                throw Self.translate(error)
            }
        }
        throw ApplyError.netfilter("the ruleset kept changing while applying; gave up after \(Self.attempts) attempts")
    }

    /// One read-compare-write round; nil when the kernel changed under it and it must retry.
    private func attempt(_ rulesets: [Ruleset], _ validated: inout DesiredState?, _ fingerprints: [String],
                         _ socket: NetfilterSocket) throws -> ApplyReport? {
        let generation = try socket.generation()
        let tables = try rulesets.map { try KernelState.tables(socket, family: NetfilterFamily($0.family)) }
        let records = tables.map(KernelState.record(in:))
        let untouched = zip(records, fingerprints).allSatisfy { record, fingerprint in
            record?.generation == generation && record?.fingerprint == fingerprint
        }
        if untouched && !options.alwaysReadBack {
            report(.unchanged)
            return ApplyReport(outcome: .unchangedSinceLastApply)
        }
        // Validated only now: a state matching the record was validated when it was applied.
        let desired = try validated ?? DesiredState(rulesets)
        validated = desired
        var kernel: [KernelState] = []
        for (family, familyTables) in zip(desired.families, tables) {
            kernel.append(try KernelState.read(socket, family: family.family, tables: familyTables))
        }
        // Nothing but PacketPath committed since its last apply, and that apply had another
        // fingerprint: the state differs, no need to look.
        let knownDifferent = zip(records, fingerprints).contains { record, fingerprint in
            record?.generation == generation && record?.fingerprint != fingerprint
        }
        if !knownDifferent || options.alwaysReadBack {
            report(.readingKernel(chains: kernel.reduce(0) { $0 + $1.chainCount }))
            var identical = true
            for (family, state) in zip(desired.families, kernel) where identical {
                identical = try StateComparison.isIdentical(family, state, socket: socket)
            }
            if identical {
                report(.unchanged)
                return ApplyReport(outcome: .unchangedAfterReadBack)
            }
        }

        let batch = socket.makeBatch(generation: generation, pageSize: Self.pageSize(rules: desired.ruleCount))
        // A message per rule, up to two per chain (create, or flush and delete), a few more.
        batch.reserveCapacity(messages: desired.ruleCount + 2 * desired.chainCount + 64)
        var planner = BatchPlanner(batch: batch, rulesTotal: desired.ruleCount, progress: options.progress)
        for (index, family) in desired.families.enumerated() {
            try planner.plan(family, kernel[index], familyIndex: index, generation: generation,
                             fingerprint: fingerprints[index])
        }
        report(.sending(messages: batch.messageCount, bytes: batch.byteCount))
        do {
            try socket.commit(batch)
        } catch NetfilterError.generationChanged {
            return nil
        } catch NetfilterError.batchRejected(let failures, let lost) {
            throw Rejection.describe(failures, repliesLost: lost, desired: desired, kernelObjects: planner.kernelObjects)
        }
        report(.committed)
        var result = planner.report
        result.messages = batch.messageCount
        result.bytes = batch.byteCount
        return result
    }

    /// Large pages keep the iovec of a huge batch short (sendmsg takes at most 1024).
    static func pageSize(rules: Int) -> Int {
        rules > 200_000 ? 4 << 20 : 1 << 20
    }

    static func translate(_ error: NetfilterError) -> ApplyError {
        if error.isPermissionDenied {
            return .notPrivileged("the kernel refused netfilter access (needs CAP_NET_ADMIN in the target namespace)")
        }
        return .netfilter(error.description)
    }
}
