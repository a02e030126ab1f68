/// `size` zero bytes with the given hex runs written at their offsets: the layout of an xt
/// info structure as `iptables-restore` 1.8.9 sent it (read back from the kernel).
func layout(_ size: Int, _ runs: [(Int, String)] = []) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: size)
    for (offset, hex) in runs {
        for (index, byte) in hexBytes(hex).enumerated() { bytes[offset + index] = byte }
    }
    return bytes
}

func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { index in
        UInt8(String(decoding: digits[index..<(index + 2)], as: UTF8.self), radix: 16)!
    }
}
