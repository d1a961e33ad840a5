import Foundation
import Testing
@testable import MiniDRAW

/// No subnormal numbers in MiniDRAW's work (Kernels/Subnormals.swift). The filterbank of Eq. 25-26
/// underflows far from a window, and without the flush its subnormals spread through the read
/// (Eq. 27), the write (Eq. 29) and their backward: Intel cores pay a microcode assist for each.
/// The values are the same on every machine, so this test fails on AMD too when the flush is off.
@Suite("Subnormals: flushed to zero in the forward, the backward and generation (Eq. 25-29)")
struct SubnormalTests {
    static let shippedModel = IOTestPaths.packageRoot + "/Data/pretrained/draw-attention.safetensors"

    /// Every Float stored anywhere in `value` (matrices, arrays, nested caches), walked by reflection,
    /// with the path of the first subnormal one and how many there are.
    static func subnormals(in value: Any, path: String = "") -> (count: Int, first: String?) {
        func scan(_ values: [Float], _ path: String) -> (count: Int, first: String?) {
            guard let index = values.firstIndex(where: \.isSubnormal) else { return (0, nil) }
            return (values.count(where: \.isSubnormal), "\(path)[\(index)] = \(values[index])")
        }
        if let matrix = value as? Matrix<Float> { return scan(matrix.storage, path) }
        if let values = value as? [Float] { return scan(values, path) }
        if let number = value as? Float { return scan([number], path) }
        var total = 0
        var first: String?
        for (index, child) in Mirror(reflecting: value).children.enumerated() {
            let found = subnormals(in: child.value, path: path + "." + (child.label ?? "\(index)"))
            total += found.count
            first = first ?? found.first
        }
        return (total, first)
    }

    @Test("Eq. 1-12 and their gradients: no subnormal in the shipped attention model's caches, workspace or gradient")
    func forwardAndBackward() throws {
        let model = try Checkpoint.loadModel(path: Self.shippedModel, as: Float.self)
        let test = try BinarizedMNIST.load(split: .test, directory: IOTestPaths.binarizedMNIST)
        let batchSize = 4
        let image = Matrix(rows: batchSize, columns: model.config.imageSize,
                           storage: Array(test.pixels[0..<(batchSize * model.config.imageSize)]))
        var generator = SeededGenerator(seed: 1)
        var cache = DRAWForwardCache<Float>(config: model.config, batchSize: batchSize)
        model.fillNoise(cache: &cache, generator: &generator)
        model.forward(image: image, cache: &cache)
        var gradient = model.zeros()
        var workspace = DRAWBackwardWorkspace<Float>(config: model.config, batchSize: batchSize)
        model.backward(image: image, cache: cache, workspace: &workspace, gradient: &gradient)
        #expect(cache.meanLoss.isFinite && cache.meanLoss < 200, "mean loss \(cache.meanLoss)")
        for (name, value) in [("cache", cache as Any), ("workspace", workspace), ("gradient", gradient)] {
            let found = Self.subnormals(in: value, path: name)
            #expect(found.count == 0, "\(found.count) subnormal values, the first \(found.first ?? "")")
        }
    }

    @Test("Eq. 13-16: no subnormal in the canvases or windows generated from the shipped attention model")
    func generation() throws {
        let model = try Checkpoint.loadModel(path: Self.shippedModel, as: Float.self)
        var generator = SeededGenerator(seed: 2)
        let steps = model.generate(count: 4, generator: &generator)
        let found = Self.subnormals(in: steps, path: "steps")
        #expect(found.count == 0, "\(found.count) subnormal values, the first \(found.first ?? "")")
    }

    @Test("the flush holds inside MiniDRAW's work only: the caller's floating-point environment comes back")
    func callerEnvironmentRestored() {
        #if (canImport(Glibc) || canImport(Darwin)) && (arch(x86_64) || arch(arm64))
        #expect(SubnormalFlushing.isEffective, "\(SubnormalFlushing.description)")
        #endif
        let inside = withSubnormalsFlushed { SubnormalFlushing.halved(Float.leastNormalMagnitude) }
        let outside = SubnormalFlushing.halved(Float.leastNormalMagnitude)
        #expect(outside.isSubnormal, "after the flush the caller's halving gave \(outside), expected a subnormal")
        #expect(inside == 0 || !SubnormalFlushing.isEffective, "inside the flush: \(inside)")
        // The same through a model entry point.
        let model = DRAWModel<Float>.initialized(config: TinyModels.config(attention: true), seed: 3)
        var generator = SeededGenerator(seed: 4)
        _ = model.generate(count: 1, generator: &generator)
        let afterModel = SubnormalFlushing.halved(Float.leastNormalMagnitude)
        #expect(afterModel.isSubnormal, "after generate the caller's halving gave \(afterModel), expected a subnormal")
    }
}
