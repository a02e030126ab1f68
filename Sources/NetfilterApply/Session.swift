import NetfilterNetlink
import RuleModel
#if canImport(Glibc)
import Glibc
#endif

/// One apply or reset through one connection: read, plan, commit on the generation read,
/// and read and plan again when someone else committed in between.
struct Session {
    let options: ApplyOptions
    /// Read ahead of this apply (`KernelReadAhead`); used while the generation is unchanged.
    var snapshot: KernelSnapshot? = nil
    static let attempts = 3
    static let families: [NetfilterFamily] = [.ipv4, .ipv6]

    func report(_ progress: ApplyProgress) {
        options.progress?(progress)
    }

    func apply(_ rulesets: [Ruleset], connection: KernelConnection) throws -> ApplyReport {
        guard Set(rulesets.map(\.family)).count == rulesets.count else {
            throw ApplyError.invalidRuleset("two rulesets for the same IP family")
        }
        report(.encoding(rules: rulesets.reduce(0) { $0 + $1.ruleCount }))
        let memory = options.memory
        // Computed once, before anything is read unless a plan from the memory may spare them.
        var fingerprints = memory?.committed == nil ? try rulesets.map(Fingerprint.compute) : nil
        var desired: DesiredState?
        let legacy = try connection.legacyTables()
        var result: ApplyReport
        do {
            result = try retrying {
                let generation = try connection.generation()
                switch try rememberedAttempt(rulesets, generation: generation, connection) {
                case .done(let report): return report
                case .retry: return nil
                case .declined: break
                }
                let computed = try fingerprints ?? rulesets.map(Fingerprint.compute)
                fingerprints = computed
                return try attempt(rulesets, &desired, computed, generation: generation, connection)
            }
        } catch {
            // What the kernel holds is not known for sure any more (a refused batch, a lost reply).
            memory?.committed = nil
            throw error
        }
        result.legacyTables = legacy
        return result
    }

    /// Plans with nothing desired in any family and without a new state record.
    func reset(connection: KernelConnection) throws -> ApplyReport {
        let desired = try DesiredState([])
        return try retrying {
            let generation = try connection.generation()
            var planner = Planner(desired: desired)
            for family in Self.families {
                let tables = try connection.tables(family: family)
                let kernel = try KernelState.read(connection, family: family, tables: tables) { _ in false }
                try planner.plan(Planner.FamilyInput(kernel: kernel, desiredIndex: nil, fingerprint: nil, digests: nil),
                                 generation: generation)
            }
            if planner.changes == 0 { return ApplyReport(outcome: .nothingOwned) }
            return try commit(planner, generation: generation, connection: connection)
        }
    }

    private func retrying(_ body: () throws -> ApplyReport?) throws -> ApplyReport {
        for _ in 0..<Self.attempts {
            if let report = try body() { return report }
        }
        throw ApplyError.concurrentChanges(attempts: Self.attempts)
    }

    /// One read-plan-commit round; nil when the kernel changed under it and it must retry.
    private func attempt(_ rulesets: [Ruleset], _ validated: inout DesiredState?, _ fingerprints: [Fingerprint.Result],
                         generation: UInt32, _ connection: KernelConnection) throws -> ApplyReport? {
        // Read ahead at this generation: nobody has committed since, so it is the kernel's.
        let ahead = snapshot?.generation == generation ? snapshot : nil
        let tables = try ahead?.tables ?? Self.families.map { try connection.tables(family: $0) }
        let desiredIndex = Self.families.map { family in rulesets.firstIndex { NetfilterFamily($0.family) == family } }
        // Nothing committed since PacketPath's own last commit, which carried these
        // fingerprints, and no record in a family the input leaves out: nothing to do.
        let untouched = zip(tables, desiredIndex).allSatisfy { tables, index in
            let record = KernelState.record(in: tables)
            guard let index else { return !tables.contains { $0.name == Ownership.stateTable } }
            return record?.generation == generation && record?.fingerprint == fingerprints[index].fingerprint
        }
        if untouched && !options.alwaysReadBack && !options.dryRun {
            report(.unchanged)
            return ApplyReport(outcome: .unchangedSinceLastApply)
        }
        // Validated only now: a state matching the record was validated when it was applied.
        let desired = try validated ?? DesiredState(rulesets)
        validated = desired

        var kernels: [KernelState] = []
        var digests: [Planner.Digests] = []
        for (familyIndex, family) in Self.families.enumerated() {
            let (familyTables, index) = (tables[familyIndex], desiredIndex[familyIndex])
            // Known without a dump while nobody else has committed since this process did.
            let recorded = try options.memory?.recordedDigests(family, generation: generation)
                ?? ahead.map { $0.digests[familyIndex] }
                ?? ChainDigests.read(connection, family: family, tables: familyTables)
            let delta = index.map { DigestDelta(desired.families[$0], fingerprints[$0], recorded: recorded) } ?? DigestDelta()
            digests.append(Planner.Digests(recorded: recorded, delta: delta))
            // Nobody committed since PacketPath did: the recorded digests are the kernel's.
            let trusted = KernelState.record(in: familyTables)?.generation == generation && !options.alwaysReadBack
            // Only chains that stay need their rules compared (new ones are written, stale ones
            // deleted), and of those only the ones whose digest changed, when it can be trusted.
            let changed = trusted ? delta.changedKeys : []
            let mustRead = { (chain: ChainInfo) -> Bool in
                guard Ownership.ownsChain(chain) else { return false }
                let key = ChainDigests.Key(table: chain.table, chain: chain.name)
                return trusted ? changed.contains(key) : delta.isDesired(key)
            }
            let managedPresent = familyTables.map(\.name).filter { Ownership.tables.contains("\($0)") }
            if trusted, let recorded, let index,
               managedPresent.allSatisfy({ desired.families[index].table(named: $0) != nil }) {
                // The chain list too is known: PacketPath's chains are the recorded ones.
                kernels.append(try KernelState.read(connection, family: family, tables: familyTables, owned: recorded.keys,
                                                    readRules: mustRead))
            } else {
                kernels.append(try KernelState.read(connection, family: family, tables: familyTables, readRules: mustRead))
            }
        }
        report(.readingKernel(chains: kernels.reduce(0) { $0 + $1.chainCount }))
        var planner = Planner(desired: desired)
        for ((kernel, index), digests) in zip(zip(kernels, desiredIndex), digests) {
            try planner.plan(Planner.FamilyInput(kernel: kernel, desiredIndex: index,
                                                 fingerprint: index.map { fingerprints[$0].fingerprint }, digests: digests),
                             generation: generation)
        }
        if planner.changes == 0 && !options.dryRun {
            report(.unchanged)
            return ApplyReport(outcome: .unchangedAfterReadBack)
        }
        if options.dryRun {
            var result = planner.report
            result.outcome = .dryRun
            result.operations = planner.transaction.counts
            result.dryRunText = try DryRunText.render(planner.transaction, kernels: kernels)
            return result
        }
        // Once committed, the kernel's digest sets hold exactly the desired digests of each
        // family applied: the memory keeps the rulesets and their digests.
        var applied: [NetfilterFamily: ApplyMemory.AppliedFamily] = [:]
        for (family, index) in zip(Self.families, desiredIndex) {
            guard let index else { continue }
            applied[family] = ApplyMemory.AppliedFamily(ruleset: rulesets[index], fingerprint: fingerprints[index])
        }
        // Freed before the batch is built: at 110,000 chains they are tens of megabytes.
        digests = []
        kernels = []
        validated = nil
        planner.releaseDesired()
        guard let result = try commit(planner, generation: generation, connection: connection) else { return nil }
        options.memory?.committed = ApplyMemory.Committed(generation: StateRecord.generation(after: generation), families: applied)
        return result
    }

    enum RememberedOutcome {
        case done(ApplyReport)
        /// The generation moved before the commit.
        case retry
        /// Not a change the memory can plan: plan from the kernel.
        case declined
    }

    /// After PacketPath's own last commit (the generation proves no one else committed since),
    /// the change planned from the typed rulesets it remembers (`RememberedPlan`): only the
    /// changed chains are encoded and read.
    private func rememberedAttempt(_ rulesets: [Ruleset], generation: UInt32,
                                   _ connection: KernelConnection) throws -> RememberedOutcome {
        guard !options.dryRun, !options.alwaysReadBack, let memory = options.memory,
              let previous = memory.appliedFamilies(at: generation), !previous.isEmpty else { return .declined }
        report(.readingKernel(chains: 0))
        guard let plan = try RememberedPlan(previous: previous, desired: rulesets, generation: generation,
                                            rules: { try connection.rules(of: $0) }) else { return .declined }
        if plan.changes == 0 {
            memory.committed = ApplyMemory.Committed(generation: generation, families: plan.families)
            report(.unchanged)
            return .done(ApplyReport(outcome: .unchangedSinceLastApply))
        }
        report(.sending(messages: plan.transaction.messageCount, bytes: 0))
        let statistics: CommitStatistics
        do {
            statistics = try connection.commit(plan.transaction, generation: generation)
        } catch NetfilterError.generationChanged {
            return .retry
        } catch NetfilterError.batchRejected(let failures, let lost) {
            // Validated only now, to name the refused objects.
            throw Rejection.describe(failures, repliesLost: lost, desired: try DesiredState(rulesets),
                                     kernelObjects: plan.kernelObjects, connection: connection, transaction: plan.transaction)
        }
        report(.committed)
        memory.committed = ApplyMemory.Committed(generation: StateRecord.generation(after: generation), families: plan.families)
        var result = plan.report
        result.messages = statistics.messages
        result.bytes = statistics.bytes
        result.operations = plan.transaction.counts
        return .done(result)
    }

    private func commit(_ planner: Planner, generation: UInt32, connection: KernelConnection) throws -> ApplyReport? {
        report(.sending(messages: planner.transaction.messageCount, bytes: 0))
        let statistics: CommitStatistics
        do {
            statistics = try connection.commit(planner.transaction, generation: generation)
        } catch NetfilterError.generationChanged {
            return nil
        } catch NetfilterError.batchRejected(let failures, let lost) {
            throw Rejection.describe(failures, repliesLost: lost, desired: try planner.desiredForDescribing(),
                                     kernelObjects: planner.kernelObjects, connection: connection,
                                     transaction: planner.transaction)
        }
        report(.committed)
        var result = planner.report
        result.messages = statistics.messages
        result.bytes = statistics.bytes
        result.operations = planner.transaction.counts
        return result
    }

    static func translate(_ error: NetfilterError) -> ApplyError {
        if error.isPermissionDenied {
            return .notPrivileged("the kernel refused netfilter access (needs CAP_NET_ADMIN in the target namespace)")
        }
        return .netfilter(error.description)
    }
}
