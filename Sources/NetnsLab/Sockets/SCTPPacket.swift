/// The few SCTP packets of an association set-up (RFC 9260 §3, §5.1), built and parsed by
/// hand because this kernel has no SCTP sockets: the lab sends them over raw IP sockets.
struct SCTPPacket: Equatable, Sendable {
    enum ChunkType: UInt8, Sendable {
        case initiate = 1
        case initiateAck = 2
        case abort = 6
        case cookieEcho = 10
        case cookieAck = 11
    }

    struct Chunk: Equatable, Sendable {
        var type: UInt8
        var flags: UInt8
        var value: [UInt8]
    }

    var sourcePort: UInt16
    var destinationPort: UInt16
    var verificationTag: UInt32
    var chunks: [Chunk]

    // MARK: Building

    /// INIT / INIT-ACK fixed part: initiate tag, a_rwnd, outbound and inbound streams,
    /// initial TSN, then parameters.
    static func initChunk(type: ChunkType, initiateTag: UInt32, initialTSN: UInt32,
                          parameters: [UInt8] = []) -> Chunk {
        var value: [UInt8] = []
        value.appendBigEndian(initiateTag)
        value.appendBigEndian(UInt32(65536))
        value.appendBigEndian(UInt16(1))
        value.appendBigEndian(UInt16(1))
        value.appendBigEndian(initialTSN)
        return Chunk(type: type.rawValue, flags: 0, value: value + parameters)
    }

    /// The State Cookie parameter (type 7) an INIT-ACK must carry.
    static func stateCookieParameter(_ cookie: [UInt8]) -> [UInt8] {
        var parameter: [UInt8] = []
        parameter.appendBigEndian(UInt16(7))
        parameter.appendBigEndian(UInt16(4 + cookie.count))
        parameter += cookie
        while parameter.count % 4 != 0 { parameter.append(0) }
        return parameter
    }

    /// The wire form with a correct CRC32c (stored little-endian, as RFC 9260 appendix A
    /// and Linux's `sctp_compute_cksum` do).
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.appendBigEndian(sourcePort)
        out.appendBigEndian(destinationPort)
        out.appendBigEndian(verificationTag)
        out += [0, 0, 0, 0]
        for chunk in chunks {
            out.append(chunk.type)
            out.append(chunk.flags)
            out.appendBigEndian(UInt16(4 + chunk.value.count))
            out += chunk.value
            while out.count % 4 != 0 { out.append(0) }
        }
        let crc = CRC32c.checksum(out)
        out[8] = UInt8(crc & 0xFF)
        out[9] = UInt8((crc >> 8) & 0xFF)
        out[10] = UInt8((crc >> 16) & 0xFF)
        out[11] = UInt8(crc >> 24)
        return out
    }

    // MARK: Parsing

    /// Parses an SCTP packet, rejecting it when the checksum or a chunk length is wrong.
    init?<C: Collection>(parsing packet: C) where C.Element == UInt8, C.Index == Int {
        let bytes = Array(packet)
        guard bytes.count >= 12 else { return nil }
        var zeroed = bytes
        zeroed[8] = 0; zeroed[9] = 0; zeroed[10] = 0; zeroed[11] = 0
        let stored = UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24
        guard CRC32c.checksum(zeroed) == stored else { return nil }
        sourcePort = bytes.bigEndianUInt16(at: 0)
        destinationPort = bytes.bigEndianUInt16(at: 2)
        verificationTag = bytes.bigEndianUInt32(at: 4)
        chunks = []
        var offset = 12
        while offset + 4 <= bytes.count {
            let length = Int(bytes.bigEndianUInt16(at: offset + 2))
            guard length >= 4, offset + length <= bytes.count else { return nil }
            chunks.append(Chunk(type: bytes[offset], flags: bytes[offset + 1],
                                value: Array(bytes[(offset + 4)..<(offset + length)])))
            offset += (length + 3) & ~3
        }
    }

    init(sourcePort: UInt16, destinationPort: UInt16, verificationTag: UInt32, chunks: [Chunk]) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.verificationTag = verificationTag
        self.chunks = chunks
    }

    /// Strips the IPv4 header a raw socket delivers in front of the SCTP packet.
    static func fromIPv4Datagram(_ datagram: ArraySlice<UInt8>) -> SCTPPacket? {
        guard let first = datagram.first, first >> 4 == 4 else { return nil }
        let headerLength = Int(first & 0x0F) * 4
        guard datagram.count > headerLength else { return nil }
        return SCTPPacket(parsing: Array(datagram.dropFirst(headerLength)))
    }

    var firstChunkType: ChunkType? { chunks.first.flatMap { ChunkType(rawValue: $0.type) } }

    /// Initiate tag of an INIT or INIT-ACK chunk.
    static func initiateTag(of chunk: Chunk) -> UInt32? {
        chunk.value.count >= 16 ? chunk.value.bigEndianUInt32(at: 0) : nil
    }

    /// The State Cookie carried by an INIT-ACK chunk.
    static func stateCookie(of chunk: Chunk) -> [UInt8]? {
        var offset = 16
        while offset + 4 <= chunk.value.count {
            let type = chunk.value.bigEndianUInt16(at: offset)
            let length = Int(chunk.value.bigEndianUInt16(at: offset + 2))
            guard length >= 4, offset + length <= chunk.value.count else { return nil }
            if type == 7 { return Array(chunk.value[(offset + 4)..<(offset + length)]) }
            offset += (length + 3) & ~3
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8)); append(UInt8(value & 0xFF))
    }

    mutating func appendBigEndian(_ value: UInt32) {
        appendBigEndian(UInt16(value >> 16)); appendBigEndian(UInt16(value & 0xFFFF))
    }

    func bigEndianUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    func bigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndianUInt16(at: offset)) << 16 | UInt32(bigEndianUInt16(at: offset + 2))
    }
}
