import NetfilterApply
import NetfilterNetlink
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The in-memory kernel keeps the rules the real one enforces, so that tests against it mean
/// something: all or nothing, generations, handles, EBUSY, ENOENT, ELOOP.
struct FakeKernelContractTests {
    static let table = TableKey(.ipv4, "filter")
    static func chain(_ name: String) -> ChainKey { ChainKey(table, ObjectName(name)) }
    static func jump(_ target: String) -> RuleSource {
        .expressions([.counter(Counter()), .immediate(Immediate(verdict: .jump(ObjectName(target))))], compat: nil)
    }

    static func kernelWithChains() throws -> FakeKernel {
        let kernel = FakeKernel()
        try kernel.commitForeign([
            .addTable(table, comment: nil),
            .addChain(chain("A"), base: nil, comment: nil),
            .addChain(chain("B"), base: nil, comment: nil),
            .addRule(chain("A"), jump("B"), .append),
        ])
        return kernel
    }

    /// The errno of the single failure a commit of `operations` reports.
    static func refusal(_ kernel: FakeKernel, _ operations: [KernelOperation]) throws -> Int32? {
        do {
            try kernel.commitForeign(operations)
            return nil
        } catch NetfilterError.batchRejected(let failures, _) {
            return failures.first?.errno
        }
    }

    @Test func commitsMoveTheGenerationAndAssignHandles() throws {
        let kernel = try Self.kernelWithChains()
        let generation = try kernel.generation()
        try kernel.commitForeign([.addRule(Self.chain("B"), .expressions([.immediate(Immediate(verdict: .accept))], compat: nil), .append)])
        #expect(try kernel.generation() == generation + 1)
        let handles = try kernel.rules(of: Self.chain("A")).map(\.handle) + kernel.rules(of: Self.chain("B")).map(\.handle)
        #expect(Set(handles).count == handles.count)
        #expect(!handles.contains(0))
    }

    @Test func aReferencedOrNonEmptyChainCannotBeDeleted() throws {
        let kernel = try Self.kernelWithChains()
        #expect(try Self.refusal(kernel, [.deleteChain(Self.chain("B"))]) == EBUSY)
        #expect(try Self.refusal(kernel, [.deleteChain(Self.chain("A"))]) == EBUSY)
        // Flushed first in the same transaction, both go.
        #expect(try Self.refusal(kernel, [.flushChain(Self.chain("A")), .deleteChain(Self.chain("A")),
                                          .deleteChain(Self.chain("B"))]) == nil)
        #expect(try kernel.chains(family: .ipv4).isEmpty)
    }

    @Test func jumpsNeedTheirTargetAndMustNotLoop() throws {
        let kernel = try Self.kernelWithChains()
        #expect(try Self.refusal(kernel, [.addRule(Self.chain("B"), Self.jump("MISSING"), .append)]) == ENOENT)
        #expect(try Self.refusal(kernel, [.addRule(Self.chain("B"), Self.jump("A"), .append)]) == ELOOP)
        #expect(try Self.refusal(kernel, [.addRule(Self.chain("A"), Self.jump("A"), .append)]) == ELOOP)
        #expect(try Self.refusal(kernel, [.deleteRule(Self.chain("A"), handle: 999)]) == ENOENT)
    }

    @Test func aRefusedTransactionChangesNothing() throws {
        let kernel = try Self.kernelWithChains()
        let generation = try kernel.generation()
        let before = try kernel.dump()
        let code = try Self.refusal(kernel, [
            .addChain(Self.chain("C"), base: nil, comment: nil),
            .addRule(Self.chain("C"), Self.jump("B"), .append),
            .deleteChain(Self.chain("B")),
        ])
        #expect(code == EBUSY)
        #expect(try kernel.dump() == before)
        #expect(try kernel.generation() == generation)
    }

    @Test func aStaleGenerationIsRefused() throws {
        let kernel = try Self.kernelWithChains()
        let generation = try kernel.generation()
        try kernel.commitForeign([.addChain(Self.chain("C"), base: nil, comment: nil)])
        var transaction = Transaction()
        transaction.append(.deleteChain(Self.chain("C")), tag: 0)
        #expect(throws: NetfilterError.self) { try kernel.commit(transaction, generation: generation) }
        #expect(try kernel.chains(family: .ipv4).contains { $0.name == "C" })
    }

    @Test func rulesGoWhereTheirPositionSays() throws {
        let kernel = try Self.kernelWithChains()
        let accept = RuleSource.expressions([.immediate(Immediate(verdict: .accept))], compat: nil)
        let drop = RuleSource.expressions([.immediate(Immediate(verdict: .drop))], compat: nil)
        let first = try kernel.rules(of: Self.chain("A"))[0].handle
        try kernel.commitForeign([.addRule(Self.chain("A"), accept, .before(handle: first)),
                                  .addRule(Self.chain("A"), drop, .after(handle: first))])
        let verdicts = try kernel.rules(of: Self.chain("A")).map { "\($0.expressions.last!)" }
        #expect(verdicts.count == 3)
        #expect(verdicts[0].contains("accept"))
        #expect(verdicts[1].contains("jump"))
        #expect(verdicts[2].contains("drop"))
    }
}

