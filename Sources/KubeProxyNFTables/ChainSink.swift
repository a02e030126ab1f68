import RuleModel
import ServiceCompiler

/// A builder thread's chains, written straight into its reserved region of the table's one
/// chain array. Building them in an array per thread and moving them into the table's array
/// afterwards touched every chain twice (and faulted in the pages of three arrays), on one
/// thread, after the builders ended.
struct ChainSink {
    let base: UnsafeMutablePointer<Chain>
    let capacity: Int
    private(set) var count = 0

    init(base: UnsafeMutablePointer<Chain>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Appends a regular chain, written in place (`InPlace`).
    mutating func append(name: consuming ChainName, rules: consuming [Rule], provenanceID: ProvenanceID) {
        precondition(count < capacity, "more chains than the region reserved")
        InPlace.chain(base + count, name: name, rules: rules, provenanceID: provenanceID)
        count += 1
    }

    /// The most chains one Service port lays out: its endpoints' and at most a firewall, an
    /// external, a service and a local chain.
    static func bound(_ plan: ServicePortPlan) -> Int { 4 + plan.selection.reachableEndpoints.count }
}
