import RuleModel

/// Rules and chains written into their final memory field by field.
///
/// `pointer.initialize(to: Chain(…))` and `rules.append(Rule(…))` built the value in a
/// temporary, copied it into place and destroyed the temporary: the optimizer keeps that
/// outlined copy for types this large, so every chain and rule cost a retain and a release
/// of each array and name it holds (800,000 atomic operations for 10,000 Services). Storing
/// each field through its own pointer moves it instead.
///
/// The initializers must set every stored property; `InPlaceTests` checks that the fields
/// they set are all that `Rule` and `Chain` have.
enum InPlace {
    @inline(__always)
    static func rule(_ rule: UnsafeMutablePointer<Rule>, _ matches: consuming [Match], _ verdict: consuming Verdict?) {
        rule.pointer(to: \.matches)!.initialize(to: matches)
        rule.pointer(to: \.verdict)!.initialize(to: verdict)
        rule.pointer(to: \.provenanceID)!.initialize(to: .none)
    }

    /// A regular chain (no attachment, no comment).
    @inline(__always)
    static func chain(_ chain: UnsafeMutablePointer<Chain>, name: consuming ChainName, rules: consuming [Rule],
                      provenanceID: ProvenanceID) {
        chain.pointer(to: \.name)!.initialize(to: name)
        chain.pointer(to: \.provenanceID)!.initialize(to: provenanceID)
        chain.pointer(to: \.rules)!.initialize(to: rules)
        chain.pointer(to: \.attachment)!.initialize(to: nil)
        chain.pointer(to: \.comment)!.initialize(to: nil)
    }

    /// An array of exactly `count` rules, each written by `body` through `rule(_:_:_:)`.
    @inline(__always)
    static func rules(count: Int, _ body: (UnsafeMutablePointer<Rule>) -> Void) -> [Rule] {
        [Rule](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer.baseAddress!)
            initialized = count
        }
    }
}
