/// Reads a run of tokens front to back; failures name the token they stopped at.
struct NFTCursor {
    let tokens: [NFTToken]
    var position: Int
    /// Line of the statement, for errors at its end.
    let line: Int

    init(_ tokens: ArraySlice<NFTToken>, line: Int) {
        self.tokens = Array(tokens)
        position = 0
        self.line = line
    }

    struct Failure: Error {
        let line: Int
        let message: String
        let token: String?
    }

    var atEnd: Bool { position >= tokens.count }
    var peek: NFTToken? { atEnd ? nil : tokens[position] }
    func peek(_ offset: Int) -> NFTToken? { position + offset < tokens.count ? tokens[position + offset] : nil }

    func fail(_ message: String) -> Failure {
        Failure(line: peek?.line ?? line, message: message, token: peek?.text)
    }

    mutating func next() -> NFTToken? {
        guard let token = peek else { return nil }
        position += 1
        return token
    }

    /// The next word, whatever it is.
    mutating func word(_ what: String) throws(Failure) -> String {
        guard let token = peek, token.kind == .word else { throw fail("expected \(what)") }
        position += 1
        return token.text
    }

    mutating func string(_ what: String) throws(Failure) -> String {
        guard let token = peek, token.kind == .string else { throw fail("expected \(what) in quotes") }
        position += 1
        return token.text
    }

    /// Consumes `word` if it comes next.
    mutating func take(_ word: String) -> Bool {
        guard peek?.isWord(word) == true else { return false }
        position += 1
        return true
    }

    mutating func take(_ kind: NFTToken.Kind) -> Bool {
        guard peek?.kind == kind else { return false }
        position += 1
        return true
    }

    mutating func expect(_ word: String) throws(Failure) {
        guard take(word) else { throw fail("expected \"\(word)\"") }
    }

    mutating func expect(_ kind: NFTToken.Kind, _ what: String) throws(Failure) {
        guard take(kind) else { throw fail("expected \(what)") }
    }

    /// Skips line ends (inside braces the listing form wraps long element lists).
    mutating func skipNewlines() {
        while peek?.kind == .newline { position += 1 }
    }
}
