import Testing
@testable import MiniDRAW

@Suite("ImageGrid")
struct ImageGridTests {
    @Test("2x3 grid of 2x2 tiles: size, borders and tile pixels at exact positions")
    func layout() {
        let grid = ImageGrid(rows: 2, columns: 3, tileWidth: 2, tileHeight: 2)
        #expect(grid.width == 10 && grid.height == 7)
        #expect(grid.origin(ofTile: 4) == (x: 4, y: 4))
        // Tile t has values t/10 + 0.01 * pixel; tile 5 is missing and stays background.
        let tiles = (0..<5).map { tile in (0..<4).map { Float(tile) / 10 + 0.01 * Float($0) } }
        let image = grid.render(tiles, borderValue: 1, backgroundValue: 0)
        let b: UInt8 = 255
        let t = { (tile: Int, pixel: Int) in quantise(Float(tile) / 10 + 0.01 * Float(pixel)) }
        let expected: [[UInt8]] = [
            [b, b, b, b, b, b, b, b, b, b],
            [b, t(0, 0), t(0, 1), b, t(1, 0), t(1, 1), b, t(2, 0), t(2, 1), b],
            [b, t(0, 2), t(0, 3), b, t(1, 2), t(1, 3), b, t(2, 2), t(2, 3), b],
            [b, b, b, b, b, b, b, b, b, b],
            [b, t(3, 0), t(3, 1), b, t(4, 0), t(4, 1), b, 0, 0, b],
            [b, t(3, 2), t(3, 3), b, t(4, 2), t(4, 3), b, 0, 0, b],
            [b, b, b, b, b, b, b, b, b, b],
        ]
        #expect(image.pixels == expected.flatMap { $0 })
    }

    @Test("rectangle corners are rounded to pixels and only the outline is drawn")
    func rectangle() {
        var image = RGBImage(width: 10, height: 8)
        image.drawRectangle(x0: 5.5, y0: 2.6, x1: 1.4, y1: 5.2, color: .red)  // x 1...6, y 3...5
        let expected = Set([(1...6).map { [$0, 3] }, (1...6).map { [$0, 5] }, [[1, 4], [6, 4]]].joined())
        #expect(redPixels(image) == expected)
    }

    @Test("rectangles are clipped to the image; non-finite ones draw nothing")
    func clipping() {
        var image = RGBImage(width: 10, height: 8)
        image.drawRectangle(x0: -3, y0: -3, x1: 4, y1: 100, color: .red)      // only the right edge is inside
        #expect(redPixels(image) == Set((0..<8).map { [4, $0] }))
        var untouched = RGBImage(width: 10, height: 8)
        untouched.drawRectangle(x0: .nan, y0: 0, x1: 3, y1: 3, color: .red)
        untouched.drawRectangle(x0: 0, y0: 0, x1: .infinity, y1: 3, color: .red)
        #expect(redPixels(untouched).isEmpty)
    }

    @Test("nearest-neighbour upscaling repeats each pixel in a factor x factor block")
    func upscaling() {
        let grey = GreyImage(width: 2, height: 1, pixels: [10, 20]).upscaled(by: 3)
        #expect(grey.width == 6 && grey.height == 3)
        #expect(grey.pixels == Array([[UInt8]](repeating: [10, 10, 10, 20, 20, 20], count: 3).joined()))
        let rgb = RGBImage(grey: GreyImage(width: 2, height: 1, pixels: [10, 20])).upscaled(by: 3)
        #expect(rgb == RGBImage(grey: grey))
    }

    private func redPixels(_ image: RGBImage) -> Set<[Int]> {
        var found = Set<[Int]>()
        for y in 0..<image.height { for x in 0..<image.width where image[x, y] == .red { found.insert([x, y]) } }
        return found
    }
}
