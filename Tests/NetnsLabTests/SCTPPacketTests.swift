import Testing
@testable import NetnsLab

struct SCTPPacketTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32c.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func packetRoundTripsAndRejectsACorruptedChecksum() throws {
        let chunk = SCTPPacket.initChunk(type: .initiateAck, initiateTag: 0xA1B2_C3D4, initialTSN: 7,
                                         parameters: SCTPPacket.stateCookieParameter([1, 2, 3, 4, 5]))
        let packet = SCTPPacket(sourcePort: 80, destinationPort: 20001, verificationTag: 42, chunks: [chunk])
        var bytes = packet.bytes
        #expect(bytes.count % 4 == 0)
        let parsed = try #require(SCTPPacket(parsing: bytes))
        #expect(parsed == SCTPPacket(sourcePort: 80, destinationPort: 20001, verificationTag: 42,
                                     chunks: [SCTPPacket.Chunk(type: 2, flags: 0, value: chunk.value)]))
        #expect(SCTPPacket.initiateTag(of: parsed.chunks[0]) == 0xA1B2_C3D4)
        #expect(SCTPPacket.stateCookie(of: parsed.chunks[0]) == [1, 2, 3, 4, 5])
        bytes[13] ^= 0x01
        #expect(SCTPPacket(parsing: bytes) == nil)
    }

    @Test func responderAnswersInitThenCookieEcho() throws {
        let responder = SCTPResponder(ports: [80])
        let initiate = SCTPPacket(sourcePort: 20000, destinationPort: 80, verificationTag: 0,
                                  chunks: [SCTPPacket.initChunk(type: .initiate, initiateTag: 99, initialTSN: 1)])
        let ack = try #require(responder.answer(initiate))
        #expect(ack.verificationTag == 99)
        #expect(ack.firstChunkType == .initiateAck)
        let serverTag = try #require(SCTPPacket.initiateTag(of: ack.chunks[0]))
        let cookie = try #require(SCTPPacket.stateCookie(of: ack.chunks[0]))
        let echo = SCTPPacket(sourcePort: 20000, destinationPort: 80, verificationTag: serverTag,
                              chunks: [SCTPPacket.Chunk(type: SCTPPacket.ChunkType.cookieEcho.rawValue, flags: 0, value: cookie)])
        let cookieAck = try #require(responder.answer(echo))
        #expect(cookieAck.firstChunkType == .cookieAck)
        #expect(cookieAck.verificationTag == 99)
        // A wrong tag, or a port not served, gets nothing.
        var forged = echo
        forged.verificationTag &+= 1
        #expect(responder.answer(forged) == nil)
        var otherPort = initiate
        otherPort.destinationPort = 81
        #expect(responder.answer(otherPort) == nil)
    }
}
