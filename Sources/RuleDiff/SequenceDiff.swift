/// The elements only in `a` and only in `b` of two sequences, by longest common subsequence
/// (order matters inside a chain). Very long pairs fall back to comparing counts.
enum SequenceDiff {
    static func difference<T: Hashable>(_ a: [T], _ b: [T]) -> (onlyInA: [T], onlyInB: [T]) {
        if a == b { return ([], []) }
        guard a.count * b.count <= 4_000_000 else { return multisetDifference(a, b) }
        let n = a.count, m = b.count
        var lengths = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var onlyA: [T] = [], onlyB: [T] = []
        var i = 0, j = 0
        while i < n && j < m {
            if a[i] == b[j] {
                i += 1; j += 1
            } else if lengths[i + 1][j] >= lengths[i][j + 1] {
                onlyA.append(a[i]); i += 1
            } else {
                onlyB.append(b[j]); j += 1
            }
        }
        onlyA += a[i...]
        onlyB += b[j...]
        return (onlyA, onlyB)
    }

    static func multisetDifference<T: Hashable>(_ a: [T], _ b: [T]) -> (onlyInA: [T], onlyInB: [T]) {
        var counts: [T: Int] = [:]
        for element in b { counts[element, default: 0] += 1 }
        var onlyA: [T] = []
        for element in a {
            if let count = counts[element], count > 0 { counts[element] = count - 1 } else { onlyA.append(element) }
        }
        var remaining = counts
        var onlyB: [T] = []
        for element in b {
            if let count = remaining[element], count > 0 {
                onlyB.append(element)
                remaining[element] = count - 1
            }
        }
        return (onlyA, onlyB)
    }
}
