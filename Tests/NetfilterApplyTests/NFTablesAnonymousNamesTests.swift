import NetfilterApply
import NetfilterNetlink
import NFTablesEncoding
import Testing

/// A table created whole names its anonymous sets itself (`__map<ID>`), so the kernel never
/// scans the table for a free number; the rules look them up by those names.
@Suite struct NFTablesAnonymousNamesTests {
    @Test func aWholeTableNamesEachAnonymousSetAndItsLookupsAlike() throws {
        let planned = try NFTablesPlan.plan(StagingFixtures.shopPrograms(), existing: [], takeOver: false)
        var namesByID: [UInt32: ObjectName] = [:]
        var lookups = 0
        for operation in planned.transaction.operations {
            switch operation {
            case .addSet(_, let set) where set.flags.contains(.anonymous):
                let name = set.name.description
                #expect(!name.contains("%"), "\(name) is still a template")
                #expect(name == (set.flags.contains(.map) ? "__map" : "__set") + String(set.id ?? 0))
                #expect(namesByID.updateValue(set.name, forKey: set.id ?? 0) == nil, "set ID \(set.id ?? 0) used twice")
            case .addElements(_, let set, _) where set.flags.contains(.anonymous):
                #expect(namesByID[set.id ?? 0] == set.name, "elements go to the set just created")
            case .addRule(_, .nft(let expressions, _), _):
                for case .lookup(let lookup) in expressions where lookup.setID != nil {
                    lookups += 1
                    #expect(namesByID[lookup.setID!] == lookup.set, "the lookup names the set of its ID")
                }
            default:
                break
            }
        }
        #expect(lookups > 0 && lookups == namesByID.count, "every anonymous set is looked up once (\(lookups), \(namesByID.count))")
        let names = namesByID.values.map(\.description)
        #expect(Set(names).count == names.count, "names are unique")
    }

    @Test func theFakeKernelNumbersATemplatePastExplicitNames() throws {
        let kernel = FakeKernel()
        let table = TableKey(.ipv4, "t")
        func anonymous(_ name: ObjectName, id: UInt32) -> NetfilterSet {
            NetfilterSet(table: "t", name: name, id: id, flags: [.anonymous, .constant],
                         keyType: NetfilterSet.DataType.ipv4Address, keyLength: 4)
        }
        try kernel.commitForeign([
            .addTable(table, comment: nil),
            .addSet(table, anonymous("__set0", id: 1)), .addSet(table, anonymous("__set1", id: 2)),
            .addSet(table, anonymous("__set%d", id: 3)),
        ])
        #expect(try kernel.sets(of: table).map(\.name) == ["__set0", "__set1", "__set2"])
    }
}
