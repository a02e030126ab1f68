import NetfilterNetlink

/// A 128-bit digest of an anonymous set's elements, written into the set's own user data so
/// that read-back can trust the kernel's copy without dumping it: an anonymous set is constant
/// and bound to its rule (the kernel refuses element changes once it is bound), so the digest
/// written with it stays true for its whole life. Not cryptographic: it tells PacketPath's own
/// sets apart, it does not defend against someone forging one.
///
/// The record is one user-data TLV of a type nft does not define; nft skips unknown types, so
/// `nft list` prints the set as before.
public enum AnonymousSetDigest {
    /// The TLV type of the record (nft's own types are 0–7).
    public static let recordType: UInt8 = 0xd1
    public static let byteCount = 16

    /// The digest of `elements` in the order given (the order PacketPath writes them in).
    public static func of(_ elements: [SetElement]) -> [UInt8] {
        var hasher = FNV128()
        hasher.add(UInt64(elements.count))
        for element in elements {
            hasher.add(field: element.key)
            hasher.add(field: element.keyEnd)
            hasher.add(field: element.data)
            hasher.add(field: element.userData)
            hasher.add(UInt64(element.intervalEnd ? 1 : 0))
            // The verdict's printed form names its kind and chain.
            hasher.add(field: element.verdict.map { Array($0.description.utf8) })
        }
        return hasher.bytes
    }

    /// The user-data record holding `digest`.
    static func record(_ digest: [UInt8]) -> [UInt8] {
        [recordType, UInt8(digest.count)] + digest
    }

    /// The digest recorded in a set's user data, or nil when it has none (a set nft or an older
    /// PacketPath wrote) or the TLVs are malformed.
    public static func recorded(in userData: [UInt8]?) -> [UInt8]? {
        guard let userData else { return nil }
        var cursor = 0
        while cursor + 2 <= userData.count {
            let type = userData[cursor]
            let length = Int(userData[cursor + 1])
            let end = cursor + 2 + length
            guard end <= userData.count else { return nil }
            if type == recordType {
                return length == byteCount ? Array(userData[(cursor + 2)..<end]) : nil
            }
            cursor = end
        }
        return nil
    }

    /// `userData` without its digest record (what nft, or a PacketPath without digests, writes).
    public static func removingRecord(from userData: [UInt8]) -> [UInt8] {
        var kept: [UInt8] = []
        var cursor = 0
        while cursor + 2 <= userData.count {
            let end = min(userData.count, cursor + 2 + Int(userData[cursor + 1]))
            if userData[cursor] != recordType { kept += userData[cursor..<end] }
            cursor = end
        }
        return kept
    }
}

extension NFTablesProgram.SetDefinition {
    /// The same set with the digest of its elements appended to its user data (replacing a
    /// digest it already carries).
    public func withElementDigest() -> NFTablesProgram.SetDefinition {
        var copy = self
        let digest = AnonymousSetDigest.record(AnonymousSetDigest.of(elements))
        if AnonymousSetDigest.recorded(in: set.userData) != nil {
            copy.set.userData = AnonymousSetDigest.removingRecord(from: set.userData ?? [])
        }
        copy.set.userData = (copy.set.userData ?? []) + digest
        return copy
    }
}

/// FNV-1a over 128 bits, with every variable-length field prefixed by its length so that
/// field boundaries count.
private struct FNV128 {
    private var state: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d
    private static let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013b

    mutating func add(byte: UInt8) {
        state ^= UInt128(byte)
        state &*= Self.prime
    }

    mutating func add(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { add(byte: UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A missing field and an empty one differ.
    mutating func add(field: [UInt8]?) {
        guard let field else { return add(UInt64.max) }
        add(UInt64(field.count))
        for byte in field { add(byte: byte) }
    }

    var bytes: [UInt8] {
        (0..<16).map { UInt8(truncatingIfNeeded: state >> UInt128($0 * 8)) }
    }
}
