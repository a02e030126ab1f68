import NetfilterNetlink

/// A kernel object a batch changes that the desired model does not name.
struct KernelObject: CustomStringConvertible {
    enum Action {
        case flush, delete
        case deleteRule(handle: UInt64)
        case deleteTable
    }

    let family: NetfilterFamily
    let table: ObjectName
    let chain: ObjectName
    let action: Action

    var description: String {
        switch action {
        case .flush: return "\(family) \(table) chain \(chain) (flushing it)"
        case .delete: return "\(family) \(table) chain \(chain) (deleting it)"
        case .deleteRule(let handle): return "\(family) \(table) chain \(chain) rule handle \(handle) (deleting it)"
        case .deleteTable: return "\(family) table \(table) (deleting it)"
        }
    }
}
