/// CRC-32 as used by gzip (RFC 1952 §8) and PNG: polynomial 0xEDB88320 (reflected), initial
/// value and final XOR 0xFFFFFFFF. `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926`.
public struct CRC32: Sendable {
    /// The 256-entry table for byte-at-a-time updates.
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }

    /// The running register, pre-inverted.
    private var register: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// Feeds more bytes.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        var crc = register
        for byte in bytes {
            crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        register = crc
    }

    /// The CRC of everything fed so far.
    public var value: UInt32 { register ^ 0xFFFF_FFFF }

    /// The CRC of one buffer.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
