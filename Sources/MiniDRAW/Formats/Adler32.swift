/// Adler-32 as used by zlib (RFC 1950 §8.2): two sums modulo 65521, `a` of the bytes
/// (starting at 1) and `b` of the successive values of `a`; the checksum is `b << 16 | a`.
/// `Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398`.
package struct Adler32: Sendable {
    /// The largest prime below 2^16.
    private static let modulus: UInt32 = 65521
    /// Bytes that can be summed before `b` could overflow 32 bits and must be reduced.
    private static let blockLength = 5552

    private var sumOfBytes: UInt32 = 1
    private var sumOfSums: UInt32 = 0

    package init() {}

    /// Feeds more bytes.
    package mutating func update(_ bytes: [UInt8]) { update(bytes[...]) }

    /// Feeds more bytes.
    package mutating func update(_ bytes: ArraySlice<UInt8>) {
        var a = sumOfBytes
        var b = sumOfSums
        var countSinceReduction = 0
        for byte in bytes {
            a += UInt32(byte)
            b += a
            countSinceReduction += 1
            if countSinceReduction == Self.blockLength {
                a %= Self.modulus
                b %= Self.modulus
                countSinceReduction = 0
            }
        }
        sumOfBytes = a % Self.modulus
        sumOfSums = b % Self.modulus
    }

    /// The checksum of everything fed so far.
    package var value: UInt32 { sumOfSums << 16 | sumOfBytes }

    /// The checksum of one buffer.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var adler = Adler32()
        adler.update(bytes)
        return adler.value
    }
}
