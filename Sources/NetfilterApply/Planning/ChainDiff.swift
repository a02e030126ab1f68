import NetfilterNetlink

/// The rule changes that turn a chain's current rules into the desired ones while keeping
/// every rule both have in common (a longest common subsequence): stale rules are deleted by
/// handle, new ones inserted before the next kept rule (or appended), in order.
struct ChainDiff: Equatable {
    /// Handles of current rules to delete.
    var deletions: [UInt64] = []
    /// Desired rule indices to add, in order, with where each goes.
    var insertions: [(index: Int, placement: RulePlacement)] = []

    var isEmpty: Bool { deletions.isEmpty && insertions.isEmpty }

    static func == (lhs: ChainDiff, rhs: ChainDiff) -> Bool {
        lhs.deletions == rhs.deletions && lhs.insertions.elementsEqual(rhs.insertions) { $0.index == $1.index && $0.placement == $1.placement }
    }

    /// Above this many cells the middle (after the common head and tail) is not matched rule
    /// by rule but replaced; edits there are small in practice (one Service, one endpoint).
    static let matchingLimit = 4_000_000

    init(current: [RuleInfo], desired: [[Expression]]) {
        var head = 0
        while head < current.count, head < desired.count, current[head].expressions == desired[head] { head += 1 }
        var tail = 0
        while tail < current.count - head, tail < desired.count - head,
              current[current.count - 1 - tail].expressions == desired[desired.count - 1 - tail] { tail += 1 }
        let oldMiddle = head..<(current.count - tail)
        let newMiddle = head..<(desired.count - tail)
        // keptOld[j] = index of the current rule kept as desired rule j.
        var keptOld = [Int?](repeating: nil, count: desired.count)
        for index in 0..<head { keptOld[index] = index }
        for offset in 0..<tail { keptOld[desired.count - 1 - offset] = current.count - 1 - offset }
        if !oldMiddle.isEmpty, !newMiddle.isEmpty, oldMiddle.count * newMiddle.count <= Self.matchingLimit {
            for (new, old) in Self.commonSubsequence(Array(current[oldMiddle].map(\.expressions)), Array(desired[newMiddle])) {
                keptOld[head + new] = head + old
            }
        }
        var kept = [Bool](repeating: false, count: current.count)
        for case let old? in keptOld { kept[old] = true }
        deletions = current.indices.filter { !kept[$0] }.map { current[$0].handle }
        // Each new rule goes before the next kept one; walking backwards finds it in one pass.
        var next: UInt64?
        var reversed: [(Int, RulePlacement)] = []
        for index in desired.indices.reversed() {
            if let old = keptOld[index] {
                next = current[old].handle
            } else {
                reversed.append((index, next.map { .before(handle: $0) } ?? .append))
            }
        }
        insertions = reversed.reversed()
    }

    /// Pairs (new index, old index) of a longest common subsequence, by dynamic programming.
    static func commonSubsequence(_ old: [[Expression]], _ new: [[Expression]]) -> [(Int, Int)] {
        let rows = old.count + 1, columns = new.count + 1
        var lengths = [Int32](repeating: 0, count: rows * columns)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                lengths[i * columns + j] = old[i] == new[j]
                    ? lengths[(i + 1) * columns + j + 1] + 1
                    : max(lengths[(i + 1) * columns + j], lengths[i * columns + j + 1])
            }
        }
        var pairs: [(Int, Int)] = []
        var i = 0, j = 0
        while i < old.count, j < new.count {
            if old[i] == new[j] {
                pairs.append((j, i)); i += 1; j += 1
            } else if lengths[(i + 1) * columns + j] >= lengths[i * columns + j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return pairs
    }
}
