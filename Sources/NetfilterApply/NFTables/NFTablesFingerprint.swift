import NetfilterNetlink
import NFTablesEncoding

/// A fingerprint of the tables to apply, the same in every process: with the generation
/// the commit produced it tells a later apply that nothing changed since. Names, verdicts and
/// expressions are fed as values, never as text (a fresh apply computes it before reading).
enum NFTablesFingerprint {
    static func of(_ programs: [NFTablesProgram]) -> UInt64 {
        var hasher = StableHasher()
        for program in programs {
            hasher.combine(UInt64(program.family.rawValue))
            hasher.combine(program.table)
            hasher.combine(program.tableComment ?? "\u{0}")
            for chain in program.chains {
                hasher.combine(chain.name)
                if let base = chain.base {
                    hasher.combine(base.type)
                    hasher.combine(base.hook.rawValue)
                    hasher.combine(UInt64(bitPattern: Int64(base.priority)))
                    hasher.combine(base.policyAccepts)
                }
                hasher.combine(chain.comment ?? "\u{0}")
            }
            for definition in program.sets { combine(definition, into: &hasher) }
            for rule in program.rules {
                hasher.combine(rule.chain)
                for expression in rule.expressions { hasher.combine(expression) }
                combine(rule.userData, into: &hasher)
                for anonymous in rule.anonymousSets { combine(anonymous, into: &hasher) }
            }
        }
        return hasher.value
    }

    private static func combine(_ definition: NFTablesProgram.SetDefinition, into hasher: inout StableHasher) {
        let set = definition.set
        hasher.combine(set.name)
        hasher.combine(set.flags.rawValue)
        hasher.combine(set.keyType)
        hasher.combine(set.keyLength)
        hasher.combine(set.dataType ?? 0)
        hasher.combine(set.timeout ?? 0)
        combine(set.userData, into: &hasher)
        for element in definition.elements {
            element.key.withUnsafeBufferPointer { hasher.combine(bytes: $0) }
            hasher.combine(element.verdict != nil)
            if let verdict = element.verdict { hasher.combine(verdict) }
            combine(element.userData, into: &hasher)
            hasher.combine(element.intervalEnd)
        }
    }

    private static func combine(_ bytes: [UInt8]?, into hasher: inout StableHasher) {
        hasher.combine(bytes != nil)
        bytes?.withUnsafeBufferPointer { hasher.combine(bytes: $0) }
    }
}
