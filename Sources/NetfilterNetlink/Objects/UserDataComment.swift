/// The nft comment TLV in table, chain and rule user data: type 0, length, text with its NUL
/// (what `nft add chain … { comment "…"; }` writes, and what `nft list` prints).
enum UserDataComment {
    static let type: UInt8 = 0
    /// nft refuses longer comments.
    static let maximumLength = 127

    static func encode(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8.prefix(maximumLength))
        return [type, UInt8(bytes.count + 1)] + bytes + [0]
    }

    static func decode(_ data: UnsafeRawBufferPointer) -> String? {
        var index = 0
        while index + 2 <= data.count {
            let type = data[index]
            let length = Int(data[index + 1])
            let value = index + 2
            guard value + length <= data.count else { return nil }
            if type == UserDataComment.type {
                let end = data[value..<(value + length)].firstIndex(of: 0) ?? (value + length)
                return String(decoding: data[value..<end], as: UTF8.self)
            }
            index = value + length
        }
        return nil
    }
}

/// User-data TLVs as nft writes them, for callers that build objects nft must print back.
public enum NetfilterUserData {
    /// The comment TLV of tables, chains, rules and set elements (type 0 in each).
    public static func comment(_ text: String) -> [UInt8] {
        UserDataComment.encode(text)
    }

    /// The comment in table, chain, rule or element user data, if any.
    public static func comment(in data: [UInt8]) -> String? {
        data.withUnsafeBytes { UserDataComment.decode($0) }
    }
}
