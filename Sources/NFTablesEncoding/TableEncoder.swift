import NetfilterNetlink
import RuleModel

/// Rule-model nftables tables → the kernel objects `nft -f` would create for the same text.
public struct NFTablesEncoder {
    public init() {}

    /// `firstSetID` numbers the anonymous sets: programs committed in one batch need IDs
    /// of their own (the kernel matches an ID with the set it names within the batch).
    public func program(for table: Table, family tableFamily: TableFamily,
                        firstSetID: UInt32 = 1) throws(NFTablesEncodingError) -> NFTablesProgram {
        let family: NetfilterFamily
        switch tableFamily {
        case .ip: family = .ipv4
        case .ip6: family = .ipv6
        case .inet: family = .inet
        default: throw NFTablesEncodingError("table family \(tableFamily) is not encoded")
        }
        let name = ObjectName(table.name)
        let anonymous = AnonymousSetEncoder(table: name, family: family)
        let matches = MatchEncoder(family: family, anonymous: anonymous)
        let verdicts = VerdictEncoder(family: family, anonymous: anonymous)
        let named = NamedSetEncoder(table: name)

        // kube-proxy's dump (and so `nft -f`) declares chains, sets and maps by name.
        let chainOrder = Self.byName(table.chains.map(\.name))
        var chains: [NFTablesProgram.Chain] = []
        chains.reserveCapacity(chainOrder.count)
        for index in chainOrder {
            let chain = table.chains[index]
            chains.append(NFTablesProgram.Chain(name: objectName(chain.name), base: try Self.base(chain.attachment),
                                                comment: chain.comment))
        }
        var sets: [NFTablesProgram.SetDefinition] = []
        for index in Self.byName(table.sets.map(\.name)) { sets.append(try named.definition(table.sets[index])) }
        for index in Self.byName(table.maps.map(\.name)) { sets.append(try named.definition(table.maps[index])) }

        var rules: [NFTablesProgram.Rule] = []
        rules.reserveCapacity(table.chains.reduce(0) { $0 + $1.rules.count })
        var nextID = firstSetID
        // Expressions are built in one reused buffer and each rule keeps an exact-size copy:
        // grown by appending, a rule's array kept up to twice its slots (48 of 115 MB at
        // 10,000 Services in heaptrack).
        var scratch: [Expression] = []
        scratch.reserveCapacity(16)
        for index in chainOrder {
            let chain = table.chains[index]
            let chainName = objectName(chain.name)
            for rule in chain.rules {
                scratch.removeAll(keepingCapacity: true)
                var anonymousSets: [NFTablesProgram.SetDefinition] = []
                do {
                    for match in rule.matches {
                        try matches.append(match, to: &scratch, sets: &anonymousSets, nextID: &nextID)
                    }
                    if let verdict = rule.verdict {
                        try verdicts.append(verdict, to: &scratch, sets: &anonymousSets, nextID: &nextID)
                    }
                } catch {
                    throw NFTablesEncodingError("chain \(chain.name): \(error.description)")
                }
                let expressions = [Expression](unsafeUninitializedCapacity: scratch.count) { buffer, count in
                    count = buffer.initialize(fromContentsOf: scratch)
                }
                rules.append(NFTablesProgram.Rule(chain: chainName, expressions: expressions,
                                                  userData: rule.comment.map { NetfilterUserData.comment($0.description) },
                                                  anonymousSets: anonymousSets.map { $0.withElementDigest() }))
            }
        }
        return NFTablesProgram(family: family, table: name, tableComment: table.comment, chains: chains, sets: sets,
                               rules: rules, nextSetID: nextID)
    }

    /// Indices in byte order of the names (ties keep their order). The names are copied once
    /// into one buffer: comparing `ChainName`s inside the sort retained and released their
    /// storage at every comparison (37% of encoding 10,000 Services' table, perf).
    static func byName(_ names: [ChainName]) -> [Int] {
        var bytes: [UInt8] = []
        var bounds: [Int] = [0]
        bounds.reserveCapacity(names.count + 1)
        for name in names {
            name.withUTF8 { bytes.append(contentsOf: $0) }
            bounds.append(bytes.count)
        }
        return bytes.withUnsafeBufferPointer { all in
            bounds.withUnsafeBufferPointer { bounds in
                names.indices.sorted { lhs, rhs in
                    let order = Self.compare(UnsafeBufferPointer(rebasing: all[bounds[lhs]..<bounds[lhs + 1]]),
                                             UnsafeBufferPointer(rebasing: all[bounds[rhs]..<bounds[rhs + 1]]))
                    return order != 0 ? order < 0 : lhs < rhs
                }
            }
        }
    }

    private static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        for index in 0..<min(left.count, right.count) where left[index] != right[index] {
            return left[index] < right[index] ? -1 : 1
        }
        return left.count - right.count
    }

    static func base(_ attachment: BaseChainAttachment?) throws(NFTablesEncodingError) -> BaseChainSpec? {
        guard let attachment else { return nil }
        let hook: BaseChainSpec.Hook
        switch attachment.hook {
        case .prerouting: hook = .prerouting
        case .input: hook = .input
        case .forward: hook = .forward
        case .output: hook = .output
        case .postrouting: hook = .postrouting
        }
        return BaseChainSpec(type: (attachment.type ?? .filter).rawValue, hook: hook, priority: attachment.priority,
                             policyAccepts: attachment.policyAccepts)
    }
}
