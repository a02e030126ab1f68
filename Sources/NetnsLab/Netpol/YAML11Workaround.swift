/// Works around `ManifestLoader` reading a plain `y`, `Y`, `n` or `N` as a YAML 1.1 boolean
/// where Kubernetes expects a string: the shared cases name a namespace `y`, and the loader
/// then rejects `metadata.name: y`. Quoting exactly those scalars (a mapping value or a
/// sequence item that is nothing but the one letter) keeps every other byte as written.
///
/// Remove once the loader treats them as strings (reported to the lead).
enum YAML11Workaround {
    static func quoteSingleLetterBooleans(_ text: String) -> (text: String, changed: Int) {
        var changed = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var body = line
            while body.last == " " || body.last == "\r" { body.removeLast() }
            guard let letter = body.last, "yYnN".contains(letter) else { return line }
            let before = body.dropLast()
            guard before.hasSuffix(": ") || before.hasSuffix("- ") else { return line }
            changed += 1
            return before + "\"\(letter)\""
        }
        return (lines.joined(separator: "\n"), changed)
    }
}
