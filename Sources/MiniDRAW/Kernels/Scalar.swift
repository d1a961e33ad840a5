import Foundation

/// The element type of every MiniDRAW tensor.
///
/// The model is generic over it so that the same code trains in `Float` (fast) and is
/// checked in `Double` (finite differences need the precision; see `GradientCheck`).
public protocol DRAWScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable, LosslessStringConvertible {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    /// e^x over `values[0..<count]`, in place (see VectorActivations.swift).
    static func exp(_ values: UnsafeMutablePointer<Self>, count: Int)
    /// sigmoid over `values[0..<count]`, in place.
    static func sigmoid(_ values: UnsafeMutablePointer<Self>, count: Int)
    /// tanh over `values[0..<count]`, in place.
    static func tanh(_ values: UnsafeMutablePointer<Self>, count: Int)
}

extension Float: DRAWScalar {
    @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
}

extension Double: DRAWScalar {
    @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
}
