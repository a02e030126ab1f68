import Dispatch
import RuleModel

/// Pairs the objects of two lists by name to find what differs, for lists of 100,000 chains
/// that change by a few: the lists keep their order between compiles, so the pair of each
/// object is looked for at its position (shifted by the insertions and removals seen so far)
/// before any name is hashed, and the index by name is built only at the first miss. The
/// pairs are compared as typed values on two threads for large lists: comparing 250,000
/// rules is most of a remembered plan's time.
struct NameMatching {
    /// For each new object, the index of the old one of its name; nil for a new name.
    var old: [Int?] = []
    /// Indices of new objects that are new or differ from their old one, in order.
    var differing: [Int] = []
    /// Indices of old objects no new one has the name of, in order.
    var gone: [Int] = []

    /// nil when a name appears twice.
    init?<T: Equatable & Sendable>(_ previous: [T], _ new: [T], name: (T) -> ChainName) {
        old.reserveCapacity(new.count)
        var index: [ChainName: Int]?
        var matched = [Bool](repeating: false, count: previous.count)
        var matchedCount = 0
        var offset = 0
        for (position, object) in new.enumerated() {
            let key = name(object)
            let guess = position + offset
            var found: Int?
            if previous.indices.contains(guess), name(previous[guess]) == key {
                found = guess
            } else {
                if index == nil {
                    var built = [ChainName: Int](minimumCapacity: previous.count)
                    for (at, object) in previous.enumerated() where built.updateValue(at, forKey: name(object)) != nil {
                        return nil
                    }
                    index = built
                }
                found = index?[key]
                if let found { offset = found - position }
            }
            old.append(found)
            guard let found else { continue }
            guard !matched[found] else { return nil }
            matched[found] = true
            matchedCount += 1
        }
        differing = Self.differing(previous, new, old)
        if matchedCount < previous.count {
            gone = previous.indices.filter { !matched[$0] }
        }
    }

    /// Indices of new objects without an old one or unequal to it, in order.
    private static func differing<T: Equatable & Sendable>(_ previous: [T], _ new: [T], _ old: [Int?]) -> [Int] {
        @Sendable func scan(_ range: Range<Int>) -> [Int] {
            range.filter { position in old[position].map { previous[$0] != new[position] } ?? true }
        }
        guard new.count >= 20_000 else { return scan(new.indices) }
        let results = UnsafeMutableBufferPointer<[Int]>.allocate(capacity: 2)
        results.initialize(repeating: [])
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let output = results
        let middle = new.count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            output[half] = scan(half == 0 ? 0..<middle : middle..<new.count)
        }
        return results[0] + results[1]
    }

    /// The lists this matching was made of, split into new objects that are new or changed,
    /// and old ones changed or gone (each in order).
    func split<T>(_ previous: [T], _ new: [T]) -> (changed: [T], stale: [T]) {
        let changed = differing.map { new[$0] }
        var staleIndices = differing.compactMap { old[$0] } + gone
        staleIndices.sort()
        return (changed, staleIndices.map { previous[$0] })
    }
}
