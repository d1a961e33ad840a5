import Testing
@testable import MiniDRAW

/// Where attention windows land in pictures (Eq. 19-24 in pixel coordinates) and how frames are laid out.
@Suite("Eq. 19-24 in pictures: attention boxes and drawing frames")
struct DrawingFramesTests {
    /// g = (10, 15), delta = 2, N = 3: filter centres mu_X = 8, 10, 12 and mu_Y = 13, 15, 17 (1-based),
    /// the grid covers g ± N delta / 2 = g ± 3.
    static let window = AttentionWindow(centerX: 10, centerY: 15, variance: 1, stride: 2, intensity: 1)

    @Test("Eq. 19-20: a known window's box and filter centres in 0-based pixels")
    func boxGeometry() {
        let box = AttentionBox(window: Self.window, gridSize: 3)
        #expect([box.left, box.right, box.top, box.bottom] == [6, 12, 11, 17], "\(box)")
        #expect(box.filterCentersX == [7, 9, 11], "mu_X - 1")
        #expect(box.filterCentersY == [12, 14, 16], "mu_Y - 1")
        let scaled = box.scaled(by: 3)                     // pixel u -> centre of its 3x3 block, 3u + 1
        #expect([scaled.left, scaled.right, scaled.top, scaled.bottom] == [19, 37, 34, 52], "\(scaled)")
        #expect(scaled.filterCentersX == [22, 28, 34])
    }

    @Test("Eq. 19-20: the known window's outline lands on exactly the expected pixels")
    func boxPixels() {
        var image = RGBImage(width: 28, height: 28)
        image.drawAttentionBox(AttentionBox(window: Self.window, gridSize: 3), color: .red)
        var expected = Set<[Int]>()
        for x in 6...12 { expected.insert([x, 11]); expected.insert([x, 17]) }
        for y in 11...17 { expected.insert([6, y]); expected.insert([12, y]) }
        var drawn = Set<[Int]>()
        for y in 0..<28 { for x in 0..<28 where image[x, y] == .red { drawn.insert([x, y]) } }
        let extra = drawn.subtracting(expected).sorted { $0.lexicographicallyPrecedes($1) }
        let missing = expected.subtracting(drawn).sorted { $0.lexicographicallyPrecedes($1) }
        #expect(drawn == expected, "extra: \(extra), missing: \(missing)")
    }

    @Test("A window larger than the image frames the whole tile and never marks the neighbouring tile")
    func clampedToTile() {
        let huge = AttentionWindow(centerX: 4.5, centerY: 3.5, variance: 1, stride: 10, intensity: 1)
        let box = AttentionBox(window: huge, gridSize: 3)
        let tile = DrawingFrames.tile([Float](repeating: 0, count: 8 * 6), width: 8, height: 6, scale: 2,
                                      boxes: [(box, .red)])
        #expect(tile.width == 16 && tile.height == 12)
        #expect(tile[0, 0] == .red && tile[15, 11] == .red && tile[7, 0] == .red && tile[0, 5] == .red, "outline on the tile's edge")
        #expect(tile[7, 5] == .black, "inside stays the image")
        let plain = DrawingFrames.tile([Float](repeating: 1, count: 8 * 6), width: 8, height: 6, scale: 2, boxes: [])
        let frame = DrawingFrames.colorFrame([tile, plain], columns: 2, scale: 2)
        #expect(frame.width == 2 * (16 + 2) + 2 && frame.height == 12 + 4)
        let second = ImageGrid(rows: 1, columns: 2, tileWidth: 16, tileHeight: 12, border: 2).origin(ofTile: 1)
        for y in 0..<12 { for x in 0..<16 { #expect(frame[second.x + x, second.y + y] == .white) } }
        #expect(frame[0, 0] == DrawingFrames.borderColor)
    }

    @Test("Eq. 21-26: filterbanks built from a given window give back that window; rows sum to 1 and peak at mu")
    func cacheFromWindow() {
        let geometry = AttentionGeometry(gridSize: 3, width: 28, height: 20)
        let cache = AttentionStepCache<Double>(windows: [Self.window], geometry: geometry)
        let rebuilt = AttentionWindow(cache.window, row: 0)
        for (got, want) in zip([rebuilt.centerX, rebuilt.centerY, rebuilt.variance, rebuilt.stride, rebuilt.intensity],
                               [10.0, 15, 1, 2, 1]) {
            #expect(abs(got - want) < 1e-12, "window \(rebuilt)")
        }
        for j in 0..<3 {
            let row = Array(cache.filterX.storage[(j * 28)..<((j + 1) * 28)])
            #expect(abs(row.reduce(0, +) - 1) < 1e-12, "F_X row \(j) sums to \(row.reduce(0, +))")
            #expect(row.firstIndex(of: row.max()!) == 7 + 2 * j, "F_X row \(j) peaks at pixel mu_X - 1 = \(7 + 2 * j)")
        }
    }

    @Test("Grids are nearly square, frame names have as many digits as T - 1 needs, GIFs hold the last frame")
    func layoutAndNames() {
        #expect(DrawingFrames.gridShape(count: 100) == (rows: 10, columns: 10))
        #expect(DrawingFrames.gridShape(count: 10) == (rows: 3, columns: 4))
        #expect(DrawingFrames.gridShape(count: 1) == (rows: 1, columns: 1))
        #expect(DrawingFrames.frameName(0, frameCount: 10) == "frame-00")
        #expect(DrawingFrames.frameName(99, frameCount: 100) == "frame-99")
        #expect(DrawingFrames.frameName(7, frameCount: 101, prefix: "boxes-frame") == "boxes-frame-007")
        #expect(DrawingFrames.sequenceSteps(timesteps: 10) == Array(0..<10))
        let spread = DrawingFrames.sequenceSteps(timesteps: 64, maximum: 16)
        #expect(spread.count == 16 && spread.first == 0 && spread.last == 63 && spread == spread.sorted() && Set(spread).count == 16)
        let delays = DrawingFrames.gifDelays(frameCount: 10)
        #expect(delays.count == 10 && delays.last == DrawingFrames.finalFrameCentiseconds && delays.first! < delays.last!)
    }

    @Test("Grey frames and box frames of the same images have the same size")
    func framesAlign() {
        let images = (0..<5).map { index in (0..<48).map { Float(($0 + index) % 7) / 6 } }
        let grey = DrawingFrames.greyFrame(images, width: 8, height: 6, columns: 3, scale: 3)
        let tiles = images.map { DrawingFrames.tile($0, width: 8, height: 6, scale: 3, boxes: []) }
        let color = DrawingFrames.colorFrame(tiles, columns: 3, scale: 3)
        #expect(grey.width == color.width && grey.height == color.height)
        #expect(RGBImage(grey: grey) == color, "without boxes the colour frame is the grey frame")
    }
}
