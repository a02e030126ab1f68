import NetfilterNetlink

/// Walks a rule's expressions in order. Counters are skipped wherever they stand: they hold
/// traffic, not configuration (iptables-nft puts one before every verdict).
struct ExpressionReader {
    let expressions: [Expression]
    private var position = 0

    init(_ expressions: [Expression]) {
        self.expressions = expressions
    }

    /// The next expression that is not a counter, with its index.
    mutating func next() -> (index: Int, expression: Expression)? {
        while position < expressions.count {
            let index = position
            position += 1
            if case .counter = expressions[index] { continue }
            return (index, expressions[index])
        }
        return nil
    }

    /// The next expression without consuming it (counters skipped).
    func peek() -> Expression? {
        var copy = self
        return copy.next()?.expression
    }

    /// The `cmp` that must follow a load at `index` into `register`.
    mutating func compare(after index: Int, register: Register, what: String) throws(ExpressionProblem) -> (Int, Cmp) {
        guard let (next, expression) = next() else {
            throw ExpressionProblem("the rule ends after loading \(what) without comparing it", at: index)
        }
        guard case .cmp(let cmp) = expression else {
            throw ExpressionProblem("\(what) is loaded but not compared by the next expression", at: next)
        }
        guard cmp.source == register else {
            throw ExpressionProblem("compares \(cmp.source), not the \(register) that \(what) was loaded into", at: next)
        }
        return (next, cmp)
    }

    /// An optional `bitwise reg = (reg & MASK) ^ 0` on `register` (a prefix or mark mask).
    mutating func mask(on register: Register, length: Int, what: String) throws(ExpressionProblem) -> (index: Int, mask: RegisterData)? {
        guard case .bitwise(let bitwise)? = peek() else { return nil }
        let (index, _) = next()!
        guard bitwise.source == register, bitwise.destination == register else {
            throw ExpressionProblem("masks \(bitwise.source) into \(bitwise.destination), not \(what) in \(register)", at: index)
        }
        guard bitwise.mask.count == length, bitwise.xor.count == length else {
            throw ExpressionProblem("masks \(bitwise.mask.count) bytes of a \(length)-byte \(what)", at: index)
        }
        guard bitwise.xor.bytes.allSatisfy({ $0 == 0 }) else {
            throw ExpressionProblem("flips bits of \(what) (a non-zero xor) before comparing it", at: index)
        }
        return (index, bitwise.mask)
    }
}
