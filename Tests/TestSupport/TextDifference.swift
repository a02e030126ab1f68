/// The first line where two texts differ, for test failure messages.
public func firstLineDifference(_ actual: String, _ expected: String, actualLabel: String = "ours",
                                expectedLabel: String = "expected") -> String {
    let left = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let right = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let width = max(actualLabel.count, expectedLabel.count) + 1
    func label(_ text: String) -> String { text + ":" + String(repeating: " ", count: width - text.count - 1) }
    for index in 0..<max(left.count, right.count) {
        let a = index < left.count ? String(left[index]) : "<end>"
        let b = index < right.count ? String(right[index]) : "<end>"
        if a != b { return "line \(index + 1):\n  \(label(actualLabel)) \(a)\n  \(label(expectedLabel)) \(b)" }
    }
    return "none"
}
