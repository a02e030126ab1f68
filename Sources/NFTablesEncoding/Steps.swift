import NetfilterNetlink

extension NFTablesProgram {
    /// What a message of the batch creates, for naming the object of a failed message.
    public enum Step: Sendable, Hashable, CustomStringConvertible {
        case table
        case chain(ObjectName)
        case set(ObjectName)
        case rule(chain: ObjectName, index: Int)
        case elements(ObjectName)

        public var description: String {
            switch self {
            case .table: return "the table"
            case .chain(let name): return "chain \(name)"
            case .set(let name): return "set \(name)"
            case .rule(let chain, let index): return "rule \(index + 1) of chain \(chain)"
            case .elements(let name): return "elements of \(name)"
            }
        }
    }
}
