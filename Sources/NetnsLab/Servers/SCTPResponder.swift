/// The server half of an SCTP association set-up, stateless like a real SCTP endpoint: INIT
/// gets an INIT-ACK whose State Cookie carries both tags, and a COOKIE-ECHO with a valid
/// cookie gets a COOKIE-ACK. Anything else (DATA, SHUTDOWN, ports not served) is ignored.
final class SCTPResponder: @unchecked Sendable {
    private static let magic: [UInt8] = Array("PPLB".utf8)
    let ports: Set<UInt16>

    init(ports: Set<UInt16>) {
        self.ports = ports
    }

    func answer(_ packet: SCTPPacket) -> SCTPPacket? {
        guard ports.contains(packet.destinationPort), let chunk = packet.chunks.first else { return nil }
        switch SCTPPacket.ChunkType(rawValue: chunk.type) {
        case .initiate:
            guard packet.verificationTag == 0, let peerTag = SCTPPacket.initiateTag(of: chunk), peerTag != 0 else { return nil }
            let ownTag = UInt32.random(in: 1...UInt32.max)
            var cookie = Self.magic
            cookie.appendBigEndian(ownTag)
            cookie.appendBigEndian(peerTag)
            cookie.appendBigEndian(packet.destinationPort)
            cookie.appendBigEndian(packet.sourcePort)
            let ack = SCTPPacket.initChunk(type: .initiateAck, initiateTag: ownTag,
                                           initialTSN: UInt32.random(in: 0...UInt32.max),
                                           parameters: SCTPPacket.stateCookieParameter(cookie))
            return SCTPPacket(sourcePort: packet.destinationPort, destinationPort: packet.sourcePort,
                              verificationTag: peerTag, chunks: [ack])
        case .cookieEcho:
            let cookie = chunk.value
            guard cookie.count >= 16, Array(cookie[0..<4]) == Self.magic,
                  cookie.bigEndianUInt32(at: 4) == packet.verificationTag,
                  cookie.bigEndianUInt16(at: 12) == packet.destinationPort,
                  cookie.bigEndianUInt16(at: 14) == packet.sourcePort else { return nil }
            let peerTag = cookie.bigEndianUInt32(at: 8)
            return SCTPPacket(sourcePort: packet.destinationPort, destinationPort: packet.sourcePort,
                              verificationTag: peerTag,
                              chunks: [SCTPPacket.Chunk(type: SCTPPacket.ChunkType.cookieAck.rawValue, flags: 0, value: [])])
        default:
            return nil
        }
    }
}
