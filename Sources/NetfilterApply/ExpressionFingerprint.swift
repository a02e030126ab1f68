import NetfilterNetlink

extension StableHasher {
    /// Feeds every field of an expression that reaches the kernel.
    mutating func combine(_ expression: Expression) {
        switch expression {
        case .payload(let value):
            combine(UInt64(1))
            combine(value.base.rawValue); combine(value.offset); combine(value.length); combine(value.destination.rawValue)
        case .meta(let value):
            combine(UInt64(2))
            combine(value.key.rawValue); combine(value.destination?.rawValue ?? 0xffff); combine(value.source?.rawValue ?? 0xffff)
        case .cmp(let value):
            combine(UInt64(3))
            combine(value.source.rawValue); combine(value.op.rawValue); combine(value.data)
        case .bitwise(let value):
            combine(UInt64(4))
            combine(value.source.rawValue); combine(value.destination.rawValue); combine(value.mask); combine(value.xor)
        case .range(let value):
            combine(UInt64(5))
            combine(value.source.rawValue); combine(value.op.rawValue); combine(value.from); combine(value.to)
        case .ct(let value):
            combine(UInt64(6))
            combine(value.key.rawValue); combine(value.destination?.rawValue ?? 0xffff)
            combine(value.source?.rawValue ?? 0xffff); combine(UInt32(value.direction ?? 0xff))
        case .immediate(let value):
            combine(UInt64(7))
            combine(value.destination.rawValue)
            switch value.value {
            case .data(let data): combine(UInt64(0)); combine(data)
            case .verdict(let verdict): combine(verdict)
            }
        case .lookup(let value):
            combine(UInt64(8))
            combine(value.source.rawValue); combine(value.destination?.rawValue ?? 0xffff); combine(value.set)
            combine(value.inverted)
        case .counter:
            combine(UInt64(9))
        case .nat(let value):
            combine(UInt64(10))
            combine(value.kind.rawValue); combine(UInt32(value.family.rawValue)); combine(value.flags)
            for register in [value.addressMin, value.addressMax, value.protoMin, value.protoMax] {
                combine(register?.rawValue ?? 0xffff)
            }
        case .masq(let value):
            combine(UInt64(11))
            combine(value.flags); combine(value.protoMin?.rawValue ?? 0xffff); combine(value.protoMax?.rawValue ?? 0xffff)
        case .numgen(let value):
            combine(UInt64(12))
            combine(value.kind.rawValue); combine(value.modulus); combine(value.offset); combine(value.destination.rawValue)
        case .dynset(let value):
            combine(UInt64(13))
            combine(value.operation.rawValue); combine(value.keySource.rawValue); combine(value.set)
            combine(value.dataSource?.rawValue ?? 0xffff); combine(value.timeout ?? 0)
        case .fib(let value):
            combine(UInt64(14))
            combine(value.flags.rawValue); combine(value.result.rawValue); combine(value.destination.rawValue)
        case .reject(let value):
            combine(UInt64(15))
            combine(value.kind.rawValue); combine(UInt32(value.code))
        case .match(let match):
            combine(UInt64(16))
            combine(match)
        case .target(let target):
            combine(UInt64(17))
            combine(target)
        case .unsupported(let name):
            combine(UInt64(18))
            combine(name)
        }
    }

    mutating func combine(_ data: RegisterData) {
        let (low, high) = data.words
        combine(data.count)
        combine(low)
        combine(high)
    }

    mutating func combine(_ name: ObjectName) {
        if let (a, b, c, d) = name.inlineWords {
            combine(a); combine(b); combine(c); combine(d)
        } else {
            name.withUTF8 { combine(bytes: $0) }
        }
    }

    mutating func combine(_ verdict: NetfilterVerdict) {
        switch verdict {
        case .accept: combine(UInt64(1))
        case .drop: combine(UInt64(2))
        case .continue: combine(UInt64(3))
        case .break: combine(UInt64(4))
        case .return: combine(UInt64(5))
        case .jump(let chain): combine(UInt64(6)); combine(chain)
        case .goto(let chain): combine(UInt64(7)); combine(chain)
        }
    }

    mutating func combine(_ match: XTMatch) {
        switch match {
        case .comment(let value):
            combine(UInt64(1)); combine(value.head); combine(value.middle); combine(value.tail)
        case .tcp(let value):
            combine(UInt64(2)); combine(value.ports)
        case .udp(let value):
            combine(UInt64(3)); combine(value.ports)
        case .sctp(let value):
            combine(UInt64(4))
            combine(value.sourcePorts.map { UInt32($0.lowerBound) << 16 | UInt32($0.upperBound) } ?? 0xffff_ffff)
            combine(value.destinationPorts.map { UInt32($0.lowerBound) << 16 | UInt32($0.upperBound) } ?? 0xffff_ffff)
            combine(value.invertSource); combine(value.invertDestination)
        case .addrType(let value):
            combine(UInt64(5))
            combine(UInt32(value.sourceTypes) << 16 | UInt32(value.destinationTypes))
            combine(value.invertSource); combine(value.invertDestination)
        case .conntrack(let value):
            combine(UInt64(6)); combine(UInt32(value.stateMask)); combine(value.inverted)
        case .statistic(let value):
            combine(UInt64(7)); combine(value.probability); combine(value.inverted)
        case .recent(let value):
            combine(UInt64(8)); combine(value.name); combine(value.inverted)
            switch value.operation {
            case .set: combine(UInt64(0))
            case .check(let seconds, let reap): combine(UInt64(1)); combine(seconds); combine(reap)
            }
        case .mark(let value):
            combine(UInt64(10)); combine(value.value); combine(value.mask); combine(value.inverted)
        case .other(let name, let revision, let info):
            combine(UInt64(9)); combine(name); combine(revision)
            info.withUnsafeBufferPointer { combine(bytes: $0) }
        }
    }

    mutating func combine(_ ports: XTPortMatch) {
        combine(UInt32(ports.sourcePorts.lowerBound) << 16 | UInt32(ports.sourcePorts.upperBound))
        combine(UInt32(ports.destinationPorts.lowerBound) << 16 | UInt32(ports.destinationPorts.upperBound))
        combine(ports.invertSource); combine(ports.invertDestination)
    }

    mutating func combine(_ target: XTTarget) {
        switch target {
        case .dnat(let value):
            combine(UInt64(1)); combine(value.address); combine(UInt32(value.port ?? 0)); combine(value.port != nil)
        case .masqueradeIPv4(let value):
            combine(UInt64(2)); combine(value.randomFully)
        case .masqueradeIPv6(let value):
            combine(UInt64(3)); combine(value.randomFully)
        case .mark(let value):
            combine(UInt64(4)); combine(value.value); combine(value.mask)
        case .rejectIPv4(let value):
            combine(UInt64(5)); combine(value.with)
        case .rejectIPv6(let value):
            combine(UInt64(6)); combine(value.with)
        case .other(let name, let revision, let info):
            combine(UInt64(7)); combine(name); combine(revision)
            info.withUnsafeBufferPointer { combine(bytes: $0) }
        }
    }
}
