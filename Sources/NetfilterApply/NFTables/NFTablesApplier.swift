import NetfilterNetlink
import NetworkNamespaces
import NFTablesEncoding
import RuleModel
#if canImport(Glibc)
import Glibc
#endif

/// Programs kube-proxy's nftables layout and PacketPath's policy table natively (no `nft`
/// process): the tables PacketPath owns (`ip|ip6 kube-proxy`, `ip|ip6 packetpath-policy`)
/// created, or changed in place once they exist (`NFTablesChangePlan`), in one atomic batch,
/// holding what `nft -f` of the same text makes; large new tables are staged over several
/// transactions (`NFTablesStaging`). Nothing else in the ruleset is touched.
public struct NFTablesApplier: Sendable {
    public var options: ApplyOptions
    /// Replace a same-named table PacketPath did not write.
    public var takeOver: Bool
    /// How large a state may be before new tables are staged across transactions.
    public var staging: NFTablesStaging.Limits
    /// Keep PacketPath's digest record (`NFTablesDigestRecord`, table `ip packetpath-nft`) with
    /// every commit of typed tables, and plan from it when it is current: what lets a fresh
    /// process (the `packetpath apply` command) read only what changed.
    public var recordDigests: Bool

    public init(options: ApplyOptions = ApplyOptions(), takeOver: Bool = false,
                staging: NFTablesStaging.Limits = .standard, recordDigests: Bool = false) {
        self.options = options
        self.takeOver = takeOver
        self.staging = staging
        self.recordDigests = recordDigests
    }

    /// Encodes the rulesets' tables (before anything is read or sent).
    public static func programs(_ rulesets: [Ruleset]) throws -> [NFTablesProgram] {
        var programs: [NFTablesProgram] = []
        var setID: UInt32 = 1
        for ruleset in rulesets {
            for table in ruleset.tables {
                do {
                    let family = table.family ?? (ruleset.family == .ipv4 ? .ip : .ip6)
                    let program = try NFTablesEncoder().program(for: table, family: family, firstSetID: setID)
                    setID = program.nextSetID
                    programs.append(program)
                } catch {
                    throw ApplyError.invalidRuleset("table \(table.name): \(error.description)")
                }
            }
        }
        return programs
    }

    /// Applies into `namespace`, on a dedicated thread that enters it; with what
    /// `readAhead(_:)` of the same namespace read while the rulesets were being made.
    public func apply(_ rulesets: [Ruleset], into namespace: NetworkNamespace,
                      readAhead: KernelReadAhead? = nil) throws -> ApplyReport {
        let snapshot = readAhead?.takeNFTables()
        let privileged = Privileges.missingReason == nil
        // With typed tables remembered, or a digest record to plan from, only what changed is
        // encoded (and so checked), later; unprivileged, a bad ruleset is the error to report.
        let programs = options.memory?.nftables?.rulesets == nil && (!recordDigests || !privileged)
            ? try Self.programs(rulesets) : nil
        if let reason = Privileges.missingReason { throw ApplyError.notPrivileged(reason) }
        do {
            let target = try namespace.identity()
            let own = try NetworkNamespace(path: "/proc/self/ns/net").identity()
            if target == own && !options.host { throw ApplyError.refusingHostNamespace(namespace.description) }
            return try NetfilterSocket.withSocket(in: namespace) { socket in
                try self.apply(programs, typed: rulesets, snapshot: snapshot, connection: NetlinkConnection(socket))
            }
        } catch let error as NamespaceError {
            throw ApplyError.namespace(error.description)
        }
    }

    /// Applies through any connection (the in-memory `FakeKernel` in tests): reads the kernel,
    /// plans, and commits on the generation it read; when someone else committed in between,
    /// reads and plans again (`NFTablesApplier.attempts` times, then an error).
    public func apply(_ programs: [NFTablesProgram], connection: KernelConnection) throws -> ApplyReport {
        try apply(programs, typed: nil, snapshot: nil, connection: connection)
    }

    /// `apply(_:connection:)` of the rulesets' tables; a dry run's report then carries the
    /// change as `nft -f` text (`dryRunText`).
    public func apply(_ rulesets: [Ruleset], connection: KernelConnection, readAhead: KernelReadAhead? = nil) throws -> ApplyReport {
        let snapshot = readAhead?.takeNFTables()
        let programs = options.memory?.nftables?.rulesets == nil && !recordDigests ? try Self.programs(rulesets) : nil
        return try apply(programs, typed: rulesets, snapshot: snapshot, connection: connection)
    }

    /// `programs` nil: encoded from `typed` when a plan needs them whole.
    private func apply(_ programs: [NFTablesProgram]?, typed: [Ruleset]?, snapshot: NFTablesSnapshot?,
                       connection: KernelConnection) throws -> ApplyReport {
        var steps: [NFTablesProgram.Step] = []
        var programs = programs
        var digests: [NFTablesTypedDigest.TableDigests]?
        do {
            for _ in 0..<Self.attempts {
                let generation = try connection.generation()
                if let typed {
                    switch try typedAttempt(typed, generation: generation, connection: connection, steps: &steps) {
                    case .done(let report): return report
                    case .retry: continue
                    case .declined: break
                    }
                    switch try recordAttempt(typed, digests: &digests, generation: generation, snapshot: snapshot,
                                             connection: connection, steps: &steps) {
                    case .done(let report): return report
                    case .retry: continue
                    case .declined: break
                    }
                }
                let encoded = try programs ?? Self.programs(typed ?? [])
                programs = encoded
                if let report = try attempt(encoded, typed: typed, generation: generation, connection: connection,
                                            steps: &steps) { return report }
            }
            throw ApplyError.concurrentChanges(attempts: Self.attempts)
        } catch {
            // What the kernel holds is not known for sure any more (a refused batch, a lost reply).
            options.memory?.nftables = nil
            throw Self.described(error, steps: steps)
        }
    }

    /// The error as the caller sees it: a refused batch names the objects the kernel refused.
    private static func described(_ error: any Error, steps: [NFTablesProgram.Step]) -> any Error {
        switch error {
        case NetfilterError.batchRejected(let failures, let repliesLost):
            return rejection(failures, repliesLost: repliesLost, steps: steps)
        case let error as NetfilterError:
            return ApplyError.netfilter(error.description)
        default:
            return error
        }
    }

    static let attempts = 3

    /// One read-plan-commit round; nil when the generation moved before the commit.
    private func attempt(_ programs: [NFTablesProgram], typed: [Ruleset]?, generation: UInt32, connection: KernelConnection,
                         steps: inout [NFTablesProgram.Step]) throws -> ApplyReport? {
        var existing: [TableInfo] = []
        // Every family counts: PacketPath's tables of a family the input leaves out must go.
        for family in Set(programs.map(\.family)).union([.ipv4, .ipv6]) { existing += try connection.tables(family: family) }
        // PacketPath's digest record is bookkeeping beside the tables, never one of them.
        let recordExists = existing.contains(where: NFTablesDigestRecord.isRecord)
        existing.removeAll(where: NFTablesDigestRecord.isRecord)
        // Unchanged since PacketPath's last commit: every table carries this fingerprint
        // and the generation that commit produced, and no one has committed since.
        let fingerprint = NFTablesFingerprint.of(programs)
        let unchanged = !programs.isEmpty && programs.allSatisfy { program in
            existing.first { $0.family == program.family && $0.name == program.table }
                .flatMap(NFTablesOwnership.state) == NFTablesOwnership.State(fingerprint: fingerprint, generation: generation)
        }
        let stale = existing.contains { table in
            NFTablesOwnership.isOwned(table) && !programs.contains { $0.family == table.family && $0.table == table.name }
        }
        if unchanged && !stale && !options.alwaysReadBack && !options.dryRun,
           try NFTablesStaging.finished(programs, connection: connection) {
            options.memory?.nftables = NFTablesRemembered(generation: generation, programs: programs, rulesets: typed)
            return ApplyReport(outcome: .unchangedSinceLastApply)
        }
        // Tables PacketPath wrote are changed in place; the others are created (or replaced).
        // After PacketPath's own last commit, with no commit since, they are known unread.
        let remembered = try options.alwaysReadBack ? nil : options.memory?.nftablesTables(at: generation)?.tables()
        var current: [TableKey: NFTablesTableState] = [:]
        let known = KnownAnonymousSets(programs)
        for table in existing where NFTablesOwnership.isOwned(table) {
            guard let desired = programs.first(where: { $0.family == table.family && $0.table == table.name }) else { continue }
            current[TableKey(table.family, table.name)] = try remembered.flatMap { NFTablesRemembered.state(of: table, in: $0) }
                ?? NFTablesReadBack.read(table, connection: connection, known: known, expectedChains: desired.chains.map(\.name))
        }
        options.progress?(.readingKernel(chains: current.values.reduce(0) { $0 + $1.chains.count }))
        // The guarded commit is the next one, so it produces the next generation.
        let state = NFTablesOwnership.State(fingerprint: fingerprint, generation: generation &+ 1)
        var planned = try NFTablesChangePlan.plan(programs, existing: existing, current: current, takeOver: takeOver, state: state)
        steps = planned.batch.steps
        var report = ApplyReport(outcome: options.dryRun ? .dryRun : .applied,
                                 chainsCreated: planned.chainsCreated, chainsDeleted: planned.chainsDeleted,
                                 rulesWritten: planned.rulesWritten, rulesDeleted: planned.rulesDeleted,
                                 operations: planned.batch.transaction.counts)
        // Tables that do not exist yet are staged when the state is large; the state record
        // then names the generation the last of the transactions produces.
        let newTables = Set(programs.map { TableKey($0.family, $0.table) })
            .subtracting(existing.map { TableKey($0.family, $0.name) })
        var split = NFTablesStaging.split(planned.batch.transaction, newTables: newTables, limits: staging)
        report.transactions = split.transactionCount
        if options.dryRun {
            if let typed {
                let change = NFTablesPlannedChange(transaction: planned.batch.transaction, current: current)
                do {
                    report.dryRunText = try NFTablesDryRunText.render(change, rulesets: typed, programs: programs)
                } catch {
                    throw ApplyError.invalidRuleset("the dry run cannot print its change as nft -f text: \(error)")
                }
            }
            return report
        }
        if planned.batch.transaction.isEmpty {
            options.memory?.nftables = NFTablesRemembered(generation: generation, programs: programs, rulesets: typed)
            return ApplyReport(outcome: .unchangedAfterReadBack)
        }
        if !recordDigests && recordExists {
            // Not recorded by this commit: a stale record would only be read for nothing.
            planned.batch.append(.deleteTable(NFTablesDigestRecord.table), NFTablesDigestRecord.step)
            split = NFTablesStaging.split(planned.batch.transaction, newTables: newTables, limits: staging)
        }
        steps = planned.batch.steps
        options.progress?(.sending(messages: planned.batch.transaction.messageCount, bytes: 0))
        let statistics: CommitStatistics
        do {
            if split.transactionCount > 1 {
                let staged = NFTablesOwnership.State(
                    fingerprint: fingerprint, generation: NFTablesStaging.generation(after: split.transactionCount, from: generation))
                statistics = try NFTablesStaging.commit(split, tableUserData: NFTablesOwnership.records(staged),
                                                        generation: generation, connection: connection)
            } else {
                statistics = try connection.commit(planned.batch.transaction, generation: generation)
            }
        } catch NetfilterError.generationChanged {
            // A staged apply has removed what it staged: reading and planning again starts clean.
            return nil
        }
        options.progress?(.committed)
        var committed = NFTablesStaging.generation(after: split.transactionCount, from: generation)
        var recorded: NFTablesRecorded?
        if recordDigests, let typed {
            // Freed before the record is built: at 10,000 Services the batch is the largest object.
            planned = NFTablesChangePlan.Planned()
            split = NFTablesStaging.split(Transaction(), newTables: [], limits: staging)
            steps = []
            (committed, recorded) = writeRecord(typed, exists: recordExists, generation: committed,
                                                userData: NFTablesOwnership.records(state), connection: connection)
        }
        options.memory?.nftables = NFTablesRemembered(generation: committed, programs: programs, rulesets: typed, recorded: recorded)
        report.messages = statistics.messages
        report.bytes = statistics.bytes
        return report
    }

    enum TypedOutcome {
        case done(ApplyReport)
        /// The generation moved before the commit.
        case retry
        /// Not a change the remembered typed tables can plan: plan from the whole state.
        case declined
    }

    /// After PacketPath's own last commit (the generation proves no one else committed since),
    /// the change planned from the typed tables it remembers (`NFTablesTypedChange`): nothing
    /// read back, and only what differs encoded.
    private func typedAttempt(_ typed: [Ruleset], generation: UInt32, connection: KernelConnection,
                              steps: inout [NFTablesProgram.Step]) throws -> TypedOutcome {
        guard !options.dryRun, !options.alwaysReadBack, let memory = options.memory,
              let remembered = memory.nftablesTables(at: generation), let previous = remembered.rulesets else { return .declined }
        let families = Set(((NFTablesTypedChange.tables(of: typed) ?? []) + (NFTablesTypedChange.tables(of: previous) ?? []))
            .map(\.key.family)).union([.ipv4, .ipv6])
        var existing: [TableInfo] = []
        for family in families.sorted(by: { $0.rawValue < $1.rawValue }) { existing += try connection.tables(family: family) }
        existing.removeAll(where: NFTablesDigestRecord.isRecord)
        options.progress?(.readingKernel(chains: 0))
        guard let planned = try NFTablesTypedChange.plan(previous: previous, desired: typed, existing: existing) else {
            return .declined
        }
        let next = NFTablesStaging.generation(after: 1, from: generation)
        // The digest record, when known, moves with the change in its batch (see NFTablesRecorded).
        let record = recordDigests ? remembered.recorded?.updated(by: planned, generation: generation, next: next) : nil
        if planned.batch.transaction.isEmpty {
            // The record still names this generation; it is known as long as it is the desired one.
            let recorded = record.flatMap { $0.recorded.fingerprint == remembered.recorded?.fingerprint ? $0.recorded : nil }
            memory.nftables = NFTablesRemembered(generation: generation, programs: nil, rulesets: typed, recorded: recorded)
            options.progress?(.unchanged)
            return .done(ApplyReport(outcome: .unchangedSinceLastApply))
        }
        return try commitChange(planned.batch, changes: planned.changes, recordUpdate: record?.operations ?? [],
                                generation: generation, next: next, typed: typed, recorded: record?.recorded,
                                connection: connection, steps: &steps)
    }

    /// Commits a change planned without the whole state (from the remembered typed tables or
    /// from the digest record) with the record's update in the same batch, guarded by
    /// `generation`; remembers `typed` at `next`, the generation the commit produces. The
    /// report counts the change's operations, not the record's.
    func commitChange(_ change: NFTablesBatch, changes: NFTablesIncrementalPlan.Changes, recordUpdate: [KernelOperation],
                      generation: UInt32, next: UInt32, typed: [Ruleset], recorded: NFTablesRecorded?,
                      connection: KernelConnection, steps: inout [NFTablesProgram.Step]) throws -> TypedOutcome {
        var batch = change
        for operation in recordUpdate { batch.append(operation, NFTablesDigestRecord.step) }
        steps = batch.steps
        options.progress?(.sending(messages: batch.transaction.messageCount, bytes: 0))
        let statistics: CommitStatistics
        do {
            statistics = try connection.commit(batch.transaction, generation: generation)
        } catch NetfilterError.generationChanged {
            return .retry
        }
        options.progress?(.committed)
        options.memory?.nftables = NFTablesRemembered(generation: next, programs: nil, rulesets: typed, recorded: recorded)
        var report = ApplyReport(outcome: .applied, chainsCreated: changes.chainsCreated, chainsDeleted: changes.chainsDeleted,
                                 rulesWritten: changes.rulesWritten, rulesDeleted: changes.rulesDeleted,
                                 operations: change.transaction.counts)
        report.messages = statistics.messages
        report.bytes = statistics.bytes
        return .done(report)
    }

    /// `reset(connection:)` in `namespace`, on a dedicated thread that enters it.
    public func reset(_ namespace: NetworkNamespace) throws -> ApplyReport {
        if let reason = Privileges.missingReason { throw ApplyError.notPrivileged(reason) }
        do {
            let target = try namespace.identity()
            let own = try NetworkNamespace(path: "/proc/self/ns/net").identity()
            if target == own && !options.host { throw ApplyError.refusingHostNamespace(namespace.description) }
            return try NetfilterSocket.withSocket(in: namespace) { socket in
                try self.reset(connection: NetlinkConnection(socket))
            }
        } catch let error as NamespaceError {
            throw ApplyError.namespace(error.description)
        }
    }

    /// Deletes the nftables-layout tables PacketPath wrote (any name, both families) in one
    /// batch; tables it did not write are left alone.
    public func reset(connection: KernelConnection) throws -> ApplyReport {
        do {
            let generation = try connection.generation()
            var transaction = Transaction()
            for family in [NetfilterFamily.ipv4, .ipv6] {
                for table in try connection.tables(family: family) where NFTablesOwnership.isOwned(table) {
                    transaction.append(.deleteTable(TableKey(family, table.name)))
                }
            }
            guard !transaction.isEmpty else { return ApplyReport(outcome: .nothingOwned) }
            if options.dryRun { return ApplyReport(outcome: .dryRun, operations: transaction.counts) }
            let statistics = try connection.commit(transaction, generation: generation)
            return ApplyReport(outcome: .applied, messages: statistics.messages, bytes: statistics.bytes,
                               operations: transaction.counts)
        } catch NetfilterError.generationChanged {
            throw ApplyError.concurrentChanges(attempts: 1)
        } catch let error as NetfilterError {
            throw ApplyError.netfilter(error.description)
        }
    }

    /// Names the objects the kernel refused, from the tags (steps) of their messages.
    static func rejection(_ failures: [MessageFailure], repliesLost: Bool, steps: [NFTablesProgram.Step]) -> ApplyError {
        if failures.contains(where: { $0.errno == EPERM || $0.errno == EACCES }) {
            return .notPrivileged("the kernel refused netfilter changes (needs CAP_NET_ADMIN in the target namespace)")
        }
        var objects = failures.map { failure -> RejectedObject in
            let reason = String(cString: strerror(failure.errno)) + (failure.message.map { " (\($0))" } ?? "")
            let object = failure.tag.flatMap { steps.indices.contains($0) ? steps[$0].description : nil } ?? "a message"
            return RejectedObject(object: object, rule: nil, errno: failure.errno, reason: reason,
                                  attribute: failure.attribute?.description)
        }
        if objects.isEmpty {
            objects.append(RejectedObject(object: "the batch", rule: nil, errno: 0,
                                          reason: repliesLost ? "the kernel's replies were lost" : "no commit confirmation",
                                          attribute: nil))
        }
        return .rejected(objects)
    }
}
