import CNetfilter
#if canImport(Glibc)
import Glibc
#endif

/// Attribute access on one libnftnl expression. The pointer is owned by whoever allocated the
/// expression (a rule being built or parsed); this view never frees it.
struct NftnlExpr {
    /// nil when reading attributes decoded in place (`decoded`).
    let pointer: OpaquePointer!
    let decoded: ExpressionAttributes?

    init(pointer: OpaquePointer) {
        self.pointer = pointer
        decoded = nil
    }

    /// Reads `RuleMessageDecoder`'s attributes instead of a libnftnl expression (no setters).
    init(decoded: ExpressionAttributes) {
        pointer = nil
        self.decoded = decoded
    }

    func set(_ attribute: Int, _ value: UInt32) {
        nftnl_expr_set_u32(pointer, UInt16(attribute), value)
    }

    func set(_ attribute: Int, u8 value: UInt8) {
        nftnl_expr_set_u8(pointer, UInt16(attribute), value)
    }

    func set(_ attribute: Int, u64 value: UInt64) {
        nftnl_expr_set_u64(pointer, UInt16(attribute), value)
    }

    func set(_ attribute: Int, _ register: Register) {
        set(attribute, register.rawValue)
    }

    func set(_ attribute: Int, _ data: RegisterData) {
        data.withUnsafeBytes { raw in
            _ = nftnl_expr_set(pointer, UInt16(attribute), raw.baseAddress, UInt32(raw.count))
        }
    }

    func set(_ attribute: Int, _ name: ObjectName) {
        name.withCString { _ = nftnl_expr_set_str(pointer, UInt16(attribute), $0) }
    }

    func has(_ attribute: Int) -> Bool {
        if let decoded { return decoded.has(attribute) }
        return nftnl_expr_is_set(pointer, UInt16(attribute))
    }

    func u32(_ attribute: Int) -> UInt32 {
        if let decoded { return UInt32(truncatingIfNeeded: decoded.value(attribute)) }
        return nftnl_expr_get_u32(pointer, UInt16(attribute))
    }

    func u8(_ attribute: Int) -> UInt8 {
        if let decoded { return UInt8(truncatingIfNeeded: decoded.value(attribute)) }
        return nftnl_expr_get_u8(pointer, UInt16(attribute))
    }

    func u64(_ attribute: Int) -> UInt64 {
        if let decoded { return decoded.value(attribute) }
        return nftnl_expr_get_u64(pointer, UInt16(attribute))
    }

    func register(_ attribute: Int) -> Register {
        Register(rawValue: u32(attribute))
    }

    func optionalRegister(_ attribute: Int) -> Register? {
        has(attribute) ? register(attribute) : nil
    }

    func data(_ attribute: Int) -> RegisterData {
        if let decoded {
            guard let bytes = decoded.bytes(attribute) else { return RegisterData([]) }
            return RegisterData(UnsafeRawBufferPointer(start: bytes.baseAddress, count: min(bytes.count, RegisterData.capacity)))
        }
        var length: UInt32 = 0
        guard let raw = nftnl_expr_get(pointer, UInt16(attribute), &length) else { return RegisterData([]) }
        return RegisterData(UnsafeRawBufferPointer(start: raw, count: min(Int(length), RegisterData.capacity)))
    }

    func bytes(_ attribute: Int) -> [UInt8] {
        if let decoded { return decoded.bytes(attribute).map { Array($0) } ?? [] }
        var length: UInt32 = 0
        guard let raw = nftnl_expr_get(pointer, UInt16(attribute), &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: Int(length)))
    }

    func name(_ attribute: Int) -> ObjectName {
        if let decoded {
            guard let bytes = decoded.bytes(attribute) else { return ObjectName("") }
            return ObjectName(utf8: bytes.bindMemory(to: UInt8.self))
        }
        guard let string = nftnl_expr_get_str(pointer, UInt16(attribute)) else { return ObjectName("") }
        return ObjectName(cString: string)
    }

    func string(_ attribute: Int) -> String {
        if let decoded { return decoded.bytes(attribute).map { String(decoding: $0, as: UTF8.self) } ?? "" }
        guard let string = nftnl_expr_get_str(pointer, UInt16(attribute)) else { return "" }
        return String(cString: string)
    }

    /// Hands a malloc'ed buffer to libnftnl, which frees it with the expression.
    func setOwnedBuffer(_ attribute: Int, size: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let raw = calloc(1, max(size, 1))!
        fill(UnsafeMutableRawBufferPointer(start: raw, count: size))
        nftnl_expr_set(pointer, UInt16(attribute), raw, UInt32(size))
    }
}

/// One kind of nf_tables expression: how its attributes are written and read.
protocol ExpressionKind: Hashable, Sendable {
    /// The expression name the kernel knows it by.
    static var kindName: String { get }
    func write(to expr: NftnlExpr, family: NetfilterFamily)
    init(reading expr: NftnlExpr, family: NetfilterFamily)
}
