import Foundation

/// Reads SSH wire-format values (RFC 4251 §5): uint32 and length-prefixed strings.
struct SSHWireReader {
    private var bytes: Data

    init(_ bytes: Data) { self.bytes = Data(bytes) }

    mutating func readUInt32() -> UInt32? {
        guard bytes.count >= 4 else { return nil }
        let value = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        bytes = bytes.dropFirst(4)
        return value
    }

    mutating func readString() -> Data? {
        guard let length = readUInt32(), bytes.count >= Int(length) else { return nil }
        let value = Data(bytes.prefix(Int(length)))
        bytes = bytes.dropFirst(Int(length))
        return value
    }

    mutating func readText() -> String? { readString().map { String(decoding: $0, as: UTF8.self) } }

    /// An mpint's magnitude without its sign byte.
    mutating func readMPInt() -> Data? {
        guard var value = readString() else { return nil }
        while value.first == 0 { value = value.dropFirst() }
        return Data(value)
    }
}

/// Writes SSH wire-format values.
struct SSHWireWriter {
    private(set) var bytes = Data()

    mutating func write(_ value: UInt32) {
        bytes.append(contentsOf: [
            UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff),
            UInt8(value & 0xff),
        ])
    }

    mutating func write(string: Data) {
        write(UInt32(string.count))
        bytes.append(string)
    }

    mutating func write(text: String) { write(string: Data(text.utf8)) }

    /// Appends bytes as they are, with no length.
    mutating func write(raw: Data) { bytes.append(raw) }

    /// Writes a non-negative mpint from its big-endian magnitude.
    mutating func write(mpint magnitude: Data) {
        var value = Data(magnitude.drop(while: { $0 == 0 }))
        if let first = value.first, first & 0x80 != 0 { value.insert(0, at: 0) }
        write(string: value)
    }
}
