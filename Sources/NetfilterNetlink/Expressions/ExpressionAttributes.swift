import CNetfilter

/// One expression's attributes read in place from a kernel message, numbered as libnftnl
/// numbers them (`NFTNL_EXPR_*`) and holding what libnftnl would hold, so `NftnlExpr` reads
/// them as it reads a libnftnl expression. Valid while the message buffer is; reused.
final class ExpressionAttributes {
    struct Slot {
        var present = false
        var value: UInt64 = 0
        var bytes: UnsafeRawBufferPointer?
    }

    static let capacity = 16
    private let slots = UnsafeMutableBufferPointer<Slot>.allocate(capacity: ExpressionAttributes.capacity)

    init() {
        slots.initialize(repeating: Slot())
    }

    deinit {
        slots.deallocate()
    }

    func clear() {
        for index in slots.indices { slots[index].present = false }
    }

    func has(_ attribute: Int) -> Bool {
        attribute < Self.capacity && slots[attribute].present
    }

    /// 0 when absent, as libnftnl's getters return.
    func value(_ attribute: Int) -> UInt64 {
        has(attribute) ? slots[attribute].value : 0
    }

    func bytes(_ attribute: Int) -> UnsafeRawBufferPointer? {
        has(attribute) ? slots[attribute].bytes : nil
    }

    private func set(_ attribute: Int, value: UInt64 = 0, bytes: UnsafeRawBufferPointer? = nil) -> Bool {
        guard attribute < Self.capacity else { return false }
        slots[attribute] = Slot(present: true, value: value, bytes: bytes)
        return true
    }

    /// Stores one kernel attribute by `layout`; false when the layout does not know it or its
    /// payload is not what it should be.
    func store(type: UInt16, payload: UnsafeRawBufferPointer, layout: [ExpressionLayouts.Field?]) -> Bool {
        guard Int(type) < layout.count, let field = layout[Int(type)] else { return false }
        switch field.value {
        case .u8:
            guard payload.count == 1 else { return false }
            return set(field.attribute, value: UInt64(payload[0]))
        case .u32:
            guard payload.count == 4 else { return false }
            return set(field.attribute, value: UInt64(UInt32(bigEndian: payload.loadUnaligned(as: UInt32.self))))
        case .u64:
            guard payload.count == 8 else { return false }
            return set(field.attribute, value: UInt64(bigEndian: payload.loadUnaligned(as: UInt64.self)))
        case .string:
            guard let end = payload.firstIndex(of: 0) else { return false }
            return set(field.attribute, bytes: UnsafeRawBufferPointer(rebasing: payload[..<end]))
        case .data:
            // Nested: one NFTA_DATA_VALUE.
            var value: UnsafeRawBufferPointer?
            let plain = NetlinkAttributes.forEach(in: payload, from: 0) { type, inner in
                guard type == UInt16(NFTA_DATA_VALUE.rawValue), value == nil else { return false }
                value = inner
                return true
            }
            guard plain, let value, value.count <= 64 else { return false }
            return set(field.attribute, bytes: value)
        case .immediateData:
            return storeImmediate(payload)
        case .padding:
            return true
        }
    }

    /// An immediate's NFTA_IMMEDIATE_DATA: a value (IMM_DATA) or a verdict (IMM_VERDICT,
    /// with IMM_CHAIN for a jump or goto).
    private func storeImmediate(_ payload: UnsafeRawBufferPointer) -> Bool {
        NetlinkAttributes.forEach(in: payload, from: 0) { type, inner in
            switch type {
            case UInt16(NFTA_DATA_VALUE.rawValue):
                guard inner.count <= 64 else { return false }
                return set(NFTNL_EXPR_IMM_DATA, bytes: inner)
            case UInt16(NFTA_DATA_VERDICT.rawValue):
                return NetlinkAttributes.forEach(in: inner, from: 0) { type, verdict in
                    switch type {
                    case UInt16(NFTA_VERDICT_CODE.rawValue):
                        guard verdict.count == 4 else { return false }
                        return set(NFTNL_EXPR_IMM_VERDICT, value: UInt64(UInt32(bigEndian: verdict.loadUnaligned(as: UInt32.self))))
                    case UInt16(NFTA_VERDICT_CHAIN.rawValue):
                        guard let end = verdict.firstIndex(of: 0) else { return false }
                        return set(NFTNL_EXPR_IMM_CHAIN, bytes: UnsafeRawBufferPointer(rebasing: verdict[..<end]))
                    default:
                        return false
                    }
                }
            default:
                return false
            }
        }
    }
}
