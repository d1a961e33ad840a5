import Foundation
import Testing
@testable import MiniDRAW

@Suite("Netpbm")
struct NetpbmTests {
    let grey = GreyImage(width: 3, height: 2, pixels: [0, 128, 255, 1, 2, 3])
    let colour = RGBImage(width: 3, height: 2, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255,
                                                        1, 2, 3, 4, 5, 6, 7, 8, 9])

    @Test("P5 and P6: exact bytes of a 3x2 image")
    func rawBytes() {
        #expect(Netpbm.pgm(grey) == Array("P5\n3 2\n255\n".utf8) + [0, 128, 255, 1, 2, 3])
        #expect(Netpbm.ppm(colour) == Array("P6\n3 2\n255\n".utf8) + colour.pixels)
    }

    @Test("P2 and P3: one text line per row")
    func plainText() {
        #expect(String(decoding: Netpbm.pgm(grey, plain: true), as: UTF8.self)
                == "P2\n3 2\n255\n0 128 255\n1 2 3\n")
        #expect(String(decoding: Netpbm.ppm(colour, plain: true), as: UTF8.self)
                == "P3\n3 2\n255\n255 0 0 0 255 0 0 0 255\n1 2 3 4 5 6 7 8 9\n")
    }

    @Test("plain rows longer than 70 characters are wrapped")
    func plainWrapping() throws {
        let wide = GreyImage(width: 40, height: 1, fill: 255)
        let lines = String(decoding: Netpbm.pgm(wide, plain: true), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 6)                                  // header (3) + 17 + 17 + 6 samples
        #expect(lines.allSatisfy { $0.count <= 70 })
        #expect(try Netpbm.readPGM(Netpbm.pgm(wide, plain: true), name: "wide.pgm") == wide)
    }

    @Test("floats in [0, 1] are clamped and rounded; grey copies to RGB")
    func conversions() {
        let image = GreyImage(width: 7, height: 1, values: [-0.5, 0, 0.2, 0.5, 1, 1.5, .nan])
        #expect(image.pixels == [0, 0, 51, 128, 255, 255, 0])
        let rgb = RGBImage(grey: GreyImage(width: 2, height: 1, pixels: [7, 200]))
        #expect(rgb.pixels == [7, 7, 7, 200, 200, 200])
        #expect(RGBImage(width: 1, height: 1, values: [0, 0.5, 2]).pixels == [0, 128, 255])
    }

    @Test("reader round-trips P5 and P2, skips comments, rescales maxval")
    func readBack() throws {
        #expect(try Netpbm.readPGM(Netpbm.pgm(grey), name: "a.pgm") == grey)
        #expect(try Netpbm.readPGM(Netpbm.pgm(grey, plain: true), name: "a.pgm") == grey)
        let commented = Array("P5 # raw grey\n# size next\n3 2\n255\n".utf8) + grey.pixels
        #expect(try Netpbm.readPGM(commented, name: "c.pgm") == grey)
        let fifteen = try Netpbm.readPGM(Array("P2\n2 1\n15\n0 15\n".utf8), name: "m.pgm")
        #expect(fifteen.pixels == [0, 255])
    }

    @Test("reader reads a file from disk")
    func readFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minidraw-netpbm-test.pgm").path
        try AtomicFile.write(Netpbm.pgm(grey), to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Netpbm.readPGM(path: path) == grey)
    }

    @Test("malformed files are refused with one line naming the file")
    func rejection() {
        func message(_ bytes: [UInt8]) -> String {
            do {
                _ = try Netpbm.readPGM(bytes, name: "bad.pgm")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let truncated = message(Array(Netpbm.pgm(grey).dropLast(2)))
        #expect(truncated == "bad.pgm: pixel data ends after 4 of 6 bytes (truncated file?)")
        let wrongMagic = message(Netpbm.ppm(colour))
        #expect(wrongMagic.hasPrefix("bad.pgm: not a PGM file"))
        #expect(wrongMagic.contains("P6"))
        #expect(message(Array("P5\n3".utf8)).hasPrefix("bad.pgm: PGM header ends early"))
        #expect(message(Array("P2\n2 1\n255\n7".utf8)).contains("sample 1 of 2 is missing"))
        #expect(message(Array("P2\n2 1\n9\n7 10".utf8)) == "bad.pgm: sample 10 exceeds maxval 9")
        #expect(message(Array("P5\n1 1\n65535\n\0\0".utf8)).contains("maxval 65535 is not supported"))
        #expect([truncated, wrongMagic].allSatisfy { !$0.contains("\n") })
        #expect(throws: FileError.self) { try Netpbm.readPGM(path: "/nonexistent/x.pgm") }
    }
}
