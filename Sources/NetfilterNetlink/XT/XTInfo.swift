import CNetfilterShims

/// A binary xt extension payload (the `info` of an xt-compat `match` or `target`
/// expression): the C structure of the matching `linux/netfilter/xt_*.h` header, padded to
/// `XT_ALIGN`.
protocol XTInfo: Hashable, Sendable {
    associatedtype CStructure
    static var name: String { get }
    static var revision: UInt32 { get }
    /// Fills a zeroed structure.
    func fill(_ info: inout CStructure)
    /// Reads the typed value back; nil when the structure uses fields this type does not model.
    init?(_ info: CStructure)
}

extension XTInfo {
    static var paddedSize: Int { pp_xt_align(MemoryLayout<CStructure>.size) }

    /// Writes the structure into a zeroed buffer of `paddedSize` bytes, field by field through
    /// a typed pointer so padding stays zero.
    func write(into buffer: UnsafeMutableRawBufferPointer) {
        let structure = buffer.baseAddress!.bindMemory(to: CStructure.self, capacity: 1)
        fill(&structure.pointee)
    }

    /// The padded bytes, as the kernel stores and reports them.
    public var infoBytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.paddedSize) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            write(into: raw)
            count = Self.paddedSize
        }
    }

    /// Decodes `bytes` when they are exactly what this type would write, so a value read back
    /// compares equal only if the kernel holds byte-identical info.
    static func decode(_ bytes: [UInt8]) -> Self? {
        guard bytes.count == paddedSize else { return nil }
        let structure = bytes.withUnsafeBytes { $0.loadUnaligned(as: CStructure.self) }
        guard let value = Self(structure), value.infoBytes == bytes else { return nil }
        return value
    }
}

/// Writes `text` into a C char array field starting at `index`, leaving room for the NUL
/// (the field is zeroed beforehand; callers check lengths first).
func appendCString<T>(_ text: String, into field: inout T, at index: inout Int) {
    withUnsafeMutableBytes(of: &field) { raw in
        for byte in text.utf8 where index < raw.count - 1 {
            raw[index] = byte
            index += 1
        }
    }
}

/// Reads a NUL-terminated C char array.
func readCString<T>(_ field: T) -> String {
    withUnsafeBytes(of: field) { raw in
        let end = raw.firstIndex(of: 0) ?? raw.count
        return String(decoding: raw[0..<end], as: UTF8.self)
    }
}
