import NetfilterNetlink
import NFTablesEncoding
import RuleModel

extension NFTablesApplier {
    /// In a fresh process, after PacketPath's own last commit (the generation its digest record
    /// names proves no one else committed since), the change planned from the record
    /// (`NFTablesRecordPlan`): only the chains, sets and maps whose digest differs are encoded
    /// and read, and the record is updated in the same batch. `digests` keeps the desired
    /// digests between attempts.
    func recordAttempt(_ typed: [Ruleset], digests: inout [NFTablesTypedDigest.TableDigests]?, generation: UInt32,
                       snapshot: NFTablesSnapshot?, connection: KernelConnection,
                       steps: inout [NFTablesProgram.Step]) throws -> TypedOutcome {
        guard recordDigests, !options.dryRun, !options.alwaysReadBack,
              let desired = digests ?? NFTablesTypedDigest.digests(of: typed) else { return .declined }
        digests = desired
        // Read ahead at this generation: nobody has committed since, so it is the kernel's.
        let ahead = snapshot?.generation == generation ? snapshot : nil
        var existing: [TableInfo] = []
        let families = Set(desired.map(\.key.family)).union(NFTablesSnapshot.families)
        for family in families.sorted(by: { $0.rawValue < $1.rawValue }) {
            existing += try ahead?.tables[family] ?? connection.tables(family: family)
        }
        let record = try ahead.map(\.record)
            ?? NFTablesDigestRecord.read(connection, tables: existing.filter { $0.family == NFTablesDigestRecord.table.family })
        guard let record, record.generation == generation else { return .declined }
        let fingerprint = NFTablesTypedDigest.fingerprint(desired)
        guard let planned = try NFTablesRecordPlan.plan(desired, fingerprint: fingerprint, record: record,
                                                        generation: generation, existing: existing, connection: connection)
        else { return .declined }
        options.progress?(.readingKernel(chains: planned.changes.chainsRefilled))
        let recorded = NFTablesRecorded(tables: desired, fingerprint: fingerprint)
        if planned.unchanged {
            options.memory?.nftables = NFTablesRemembered(generation: generation, programs: nil, rulesets: typed, recorded: recorded)
            options.progress?(.unchanged)
            return .done(ApplyReport(outcome: .unchangedSinceLastApply))
        }
        let next = NFTablesStaging.generation(after: 1, from: generation)
        let recordUpdate = NFTablesDigestRecord.update(record, changed: planned.changed, stale: planned.stale,
                                                       generation: next, fingerprint: fingerprint)
        return try commitChange(planned.batch, changes: planned.changes, recordUpdate: recordUpdate, generation: generation,
                                next: next, typed: typed, recorded: recorded, connection: connection, steps: &steps)
    }

    /// Writes the record of `typed` anew, in a transaction of its own after the commit that
    /// produced `generation` (built only then, it adds nothing to the peak of the largest
    /// batch), and returns the generation after it, with the record when it was written. A
    /// record that cannot be written only leaves the next apply to read back: the change
    /// itself is committed, so that is no error.
    func writeRecord(_ typed: [Ruleset], exists: Bool, generation: UInt32, userData: [UInt8],
                     connection: KernelConnection) -> (generation: UInt32, recorded: NFTablesRecorded?) {
        guard let desired = NFTablesTypedDigest.digests(of: typed) else { return (generation, nil) }
        let next = NFTablesStaging.generation(after: 1, from: generation)
        let fingerprint = NFTablesTypedDigest.fingerprint(desired)
        var transaction = Transaction()
        for operation in NFTablesDigestRecord.writeWhole(desired, exists: exists, generation: next,
                                                         fingerprint: fingerprint, userData: userData) {
            transaction.append(operation)
        }
        do {
            _ = try connection.commit(transaction, generation: generation)
            return (next, NFTablesRecorded(tables: desired, fingerprint: fingerprint))
        } catch {
            return (generation, nil)
        }
    }
}
