/// CRC-32 as used by gzip (RFC 1952 §8) and PNG: polynomial 0xEDB88320 (reflected), initial
/// value and final XOR 0xFFFFFFFF. `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926`.
package struct CRC32: Sendable {
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

    package init() {}

    /// Feeds more bytes (a concrete buffer, so the loop is compiled once and fast from any module).
    package mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        var crc = register
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        register = crc
    }

    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    package mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    /// The CRC of everything fed so far.
    package var value: UInt32 { register ^ 0xFFFF_FFFF }

    /// The CRC of one buffer.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    package static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
