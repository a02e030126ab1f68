import RuleModel
import TextOutput

/// The chain names of a table copied once into one byte array.
///
/// Long (nftables) names are Strings: writing one from the model copies it, an atomic retain
/// and release on an object the other printing thread may be touching too. The declarations,
/// every rule line and the sort read a chain's name; they read it from here.
final class NameArena: @unchecked Sendable {
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Name `i` is `bytes[starts[i]..<starts[i + 1]]`.
    private let starts: [Int]

    /// The chains' names, read in place (mapping them out first copies every name).
    init(_ chains: [Chain]) {
        (bytes, starts) = chains.withUnsafeBufferPointer { chains in
            NameArena.pack(count: chains.count) { index, body in (chains.baseAddress! + index).pointee.name.withUTF8(body) }
        }
    }

    init(_ names: [ChainName]) {
        (bytes, starts) = names.withUnsafeBufferPointer { names in
            NameArena.pack(count: names.count) { index, body in (names.baseAddress! + index).pointee.withUTF8(body) }
        }
    }

    /// One pass over the names, their bytes appended to one growing allocation.
    private static func pack(count: Int, _ name: (Int, (UnsafeBufferPointer<UInt8>) -> Void) -> Void)
        -> (UnsafeMutableBufferPointer<UInt8>, [Int]) {
        var starts = [Int](repeating: 0, count: count + 1)
        // nftables chain names are mostly 40 to 60 bytes.
        var bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(count * 64, 64))
        var used = 0
        for index in 0..<count {
            name(index) { name in
                if used + name.count > bytes.count {
                    let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 2 * (used + name.count))
                    UnsafeMutableRawPointer(larger.baseAddress!).copyMemory(from: bytes.baseAddress!, byteCount: used)
                    bytes.deallocate()
                    bytes = larger
                }
                if let start = name.baseAddress {
                    UnsafeMutableRawPointer(bytes.baseAddress! + used).copyMemory(from: start, byteCount: name.count)
                }
                used += name.count
            }
            starts[index + 1] = used
        }
        return (bytes, starts)
    }

    deinit { bytes.deallocate() }

    var count: Int { starts.count - 1 }

    func name(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[starts[index]..<starts[index + 1]])
    }

    func write(_ index: Int, to out: inout ByteBuffer) {
        out.append(UnsafeRawBufferPointer(name(index)))
    }

    /// Indices in byte order of the names (ties keep their order).
    func sortedIndices(threads: Int = 1) -> [Int] {
        NameOrder.sorted(count: count, threads: threads) { name($0) }
    }
}
