import NetfilterNetlink
import NFTablesEncoding

extension NFTablesStaging {
    /// Commits the split's transactions in order, each guarded by the generation the one before produced
    /// (anyone else's commit in between fails the next one). If any fails, the tables the
    /// staging transactions created are deleted again before the error is rethrown, so the
    /// kernel holds what it held before; the final transaction is all or nothing by itself.
    static func commit(_ split: Split, tableUserData: [UInt8], generation: UInt32,
                       connection: KernelConnection) throws -> CommitStatistics {
        let transactions = split.transactions(tableUserData: tableUserData)
        var total = CommitStatistics(messages: 0, bytes: 0)
        for (index, transaction) in transactions.enumerated() {
            do {
                let sent = try connection.commit(transaction, generation: Self.generation(after: index, from: generation))
                total.messages += sent.messages
                total.bytes += sent.bytes
            } catch {
                try undo(split.tables(createdBy: index), connection: connection, after: error)
                throw error
            }
        }
        return total
    }

    /// Deletes the staged tables (nothing reaches them: their base chains are still empty).
    /// Retries when someone else commits in between; an undo that cannot finish is an error
    /// that names the tables left behind.
    static func undo(_ tables: [TableKey], connection: KernelConnection, after cause: Error) throws {
        guard !tables.isEmpty else { return }
        var transaction = Transaction()
        for table in tables { transaction.append(.deleteTable(table)) }
        var lastError: Error?
        for _ in 0..<3 {
            do {
                _ = try connection.commit(transaction, generation: try connection.generation())
                return
            } catch NetfilterError.generationChanged {
                lastError = NetfilterError.generationChanged
            } catch {
                lastError = error
                break
            }
        }
        let names = tables.map(\.description).joined(separator: ", ")
        throw ApplyError.netfilter("a staged apply failed (\(cause)) and removing what it had staged failed too "
            + "(\(lastError.map { "\($0)" } ?? "unknown")): \(names) left behind, unreachable (their base chains have "
            + "no rules); `packetpath reset` removes them")
    }
}

extension NFTablesStaging {
    /// Whether the kernel's tables have the rules only the final transaction adds: a staged
    /// apply that died before it (killed between commits) leaves tables whose state record
    /// already names the final generation, which anyone's later commits may reach. One base
    /// chain with rules is read per table.
    static func finished(_ programs: [NFTablesProgram], connection: KernelConnection) throws -> Bool {
        for program in programs {
            let bases = Set(program.chains.filter { $0.base != nil }.map(\.name))
            guard let chain = program.rules.first(where: { bases.contains($0.chain) })?.chain else { continue }
            if try connection.rules(of: ChainKey(TableKey(program.family, program.table), chain)).isEmpty { return false }
        }
        return true
    }
}
