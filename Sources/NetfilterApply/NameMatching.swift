import RuleModel

/// Pairs the objects of two lists by name to find what differs, for lists of 100,000 chains
/// that change by a few: the lists keep their order between compiles, so the pair of each
/// object is looked for at its position (shifted by the insertions and removals seen so far)
/// before any name is hashed, and the index by name is built only at the first miss.
struct NameMatching {
    /// For each new object, the index of the old one of its name; nil for a new name.
    var old: [Int?] = []
    /// Indices of new objects that are new or differ from their old one, in order.
    var differing: [Int] = []
    /// Indices of old objects no new one has the name of, in order.
    var gone: [Int] = []

    /// nil when a name appears twice.
    init?<T: Equatable>(_ previous: [T], _ new: [T], name: (T) -> ChainName) {
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
            guard let found else {
                differing.append(position)
                continue
            }
            guard !matched[found] else { return nil }
            matched[found] = true
            matchedCount += 1
            if previous[found] != object { differing.append(position) }
        }
        if matchedCount < previous.count {
            gone = previous.indices.filter { !matched[$0] }
        }
    }

    /// New objects that are new or changed, and old ones changed or gone (each in order).
    static func differing<T: Equatable>(_ previous: [T], _ new: [T],
                                        name: (T) -> ChainName) -> (changed: [T], stale: [T])? {
        guard let matching = NameMatching(previous, new, name: name) else { return nil }
        let changed = matching.differing.map { new[$0] }
        var staleIndices = matching.differing.compactMap { matching.old[$0] } + matching.gone
        staleIndices.sort()
        return (changed, staleIndices.map { previous[$0] })
    }
}
