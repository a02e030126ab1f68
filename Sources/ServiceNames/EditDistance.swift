/// Edit distance for "did you mean" hints: insertions, deletions, substitutions and swaps of
/// two neighbouring characters each cost one (optimal string alignment).
public enum EditDistance {
    public static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }

    /// Close enough to be a slip of the keyboard: at most two edits, and fewer edits than the
    /// shorter word has characters (`d` is no typo of `a`).
    public static func isLikelyTypo(_ a: String, _ b: String) -> Bool {
        let distance = between(a, b)
        return distance > 0 && distance <= 2 && distance < min(a.count, b.count)
    }

    /// The likely-typo candidate closest to `word` (ties: the first), nil if none.
    public static func nearest(to word: String, in candidates: [String]) -> String? {
        var best: (String, Int)?
        for candidate in candidates where isLikelyTypo(word, candidate) {
            let distance = between(word, candidate)
            if distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// The label among `labels` that `key=value` is likely a typo of: same key and a
    /// mistyped value, or same value and a mistyped key.
    public static func nearestLabel(key: String, value: String, in labels: [String: String]) -> (key: String, value: String)? {
        var best: (String, String, Int)?
        for (otherKey, otherValue) in labels.sorted(by: { $0.key < $1.key }) {
            let typo = (otherKey == key && isLikelyTypo(value, otherValue)) || (otherValue == value && isLikelyTypo(key, otherKey))
            guard typo else { continue }
            let distance = between(key, otherKey) + between(value, otherValue)
            if distance < (best?.2 ?? Int.max) { best = (otherKey, otherValue, distance) }
        }
        return best.map { ($0.0, $0.1) }
    }
}
