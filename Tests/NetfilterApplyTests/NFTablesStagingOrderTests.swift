import NetfilterApply
import Testing

/// A split's transactions hold every planned operation once, each in the plan's order (the
/// order `nft list` depends on), and none is empty.
@Suite struct NFTablesStagingOrderTests {
    @Test func eachOperationLandsOnceAndInOrder() throws {
        let programs = try StagingFixtures.shopPrograms()
        let planned = try NFTablesPlan.plan(programs, existing: [], takeOver: false)
        let tables = Set(programs.map { TableKey($0.family, $0.table) })
        let split = NFTablesStaging.split(planned.transaction, newTables: tables, limits: StagingFixtures.tiny)
        let parts = split.transactions()
        #expect(parts.count == split.transactionCount && split.stagingCount > 5)
        for (index, part) in parts.enumerated() {
            #expect(!part.isEmpty, "transaction \(index) is empty")
            #expect(zip(part.tags, part.tags.dropFirst()).allSatisfy { $0 < $1 }, "transaction \(index) keeps the plan's order")
        }
        #expect(parts.flatMap(\.tags).sorted() == planned.transaction.tags.sorted(), "every operation once")
    }
}
