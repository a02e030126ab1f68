import NetfilterNetlink

/// An expression as the kernel reports it back after storing it, where that differs from
/// what was sent: a `nat` with an address register gains `NF_NAT_RANGE_MAP_IPS` (the kernel
/// sets it itself when it parses the register). Read-back is compared, and the fake stores
/// rules, in this form.
enum KernelForm {
    static func of(_ expression: Expression) -> Expression {
        guard case .nat(var nat) = expression, nat.addressMin != nil else { return expression }
        nat.flags |= 0x1
        return .nat(nat)
    }
}
