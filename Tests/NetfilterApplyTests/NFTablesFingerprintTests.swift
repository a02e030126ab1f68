import NetfilterNetlink
import NFTablesEncoding
import Testing
@testable import NetfilterApply

/// The fingerprint hashes expressions field by field: equal programs agree, and a change to
/// any one expression — its data, a verdict's chain, their order, its kind — changes it.
@Suite struct NFTablesFingerprintTests {
    @Test func anyExpressionChangeChangesTheFingerprint() throws {
        let programs = try NFTablesIncrementalFakeTests.programs(try FakeFixtures.state("upstream-overall-scenario"))
        let base = NFTablesFingerprint.of(programs)
        #expect(NFTablesFingerprint.of(try NFTablesIncrementalFakeTests.programs(
            try FakeFixtures.state("upstream-overall-scenario"))) == base)

        func changed(_ change: (inout [Expression]) -> Bool) -> UInt64? {
            var programs = programs
            for rule in programs[0].rules.indices where change(&programs[0].rules[rule].expressions) {
                return NFTablesFingerprint.of(programs)
            }
            return nil
        }
        let cmpData = changed { expressions in
            guard let index = expressions.firstIndex(where: { if case .cmp = $0 { true } else { false } }),
                  case .cmp(var cmp) = expressions[index] else { return false }
            cmp.data = RegisterData(cmp.data.bytes.map { $0 ^ 1 })
            expressions[index] = .cmp(cmp)
            return true
        }
        let jumpTarget = changed { expressions in
            guard let index = expressions.firstIndex(where: {
                if case .immediate(let value) = $0, case .verdict(.jump) = value.value { true } else { false }
            }) else { return false }
            expressions[index] = .immediate(Immediate(verdict: .jump("elsewhere")))
            return true
        }
        let order = changed { expressions in
            guard expressions.count >= 2, expressions[0] != expressions[1] else { return false }
            expressions.swapAt(0, 1)
            return true
        }
        let kind = changed { expressions in
            guard !expressions.isEmpty else { return false }
            expressions.append(.counter(Counter()))
            return true
        }
        let fingerprints = [cmpData, jumpTarget, order, kind]
        #expect(!fingerprints.contains(nil))
        #expect(!fingerprints.contains(base))
        #expect(Set(fingerprints).count == fingerprints.count)
    }
}
