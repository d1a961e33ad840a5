import Foundation

/// `minidraw explore`: one self-contained HTML page where the reader plays with DRAW. The drawing
/// step by step (canvas, read and write windows, glimpse, write patch, KL per step) from numbers
/// the paper model computed, and an attention sandbox that computes Eq. 19-29 in JavaScript and
/// checks itself against the same equations computed in Swift. No network, no external script,
/// font or style sheet: the page opens from file:// in any current browser.
///
/// The page is put together from ExplorePageTemplate.swift (HTML and CSS), ExplorePageScript.swift
/// (the equations in JavaScript) and ExplorePageViews.swift (drawing them), with the numbers of
/// ExplorePageData.swift embedded as JSON.
package enum ExplorePage {
    /// The one file the command writes.
    package static let fileName = "explore.html"

    /// What the page holds.
    package struct Options: Sendable {
        /// The index in the test set of the first image redrawn (the page's "test image N").
        package var firstImageNumber: Int
        /// Samples drawn from the prior step by step.
        package var sampleCount: Int
        /// Seed of the noise epsilon_t (Eq. 6) and of the prior's z_t (Eq. 13).
        package var seed: UInt64
        /// Replace the page if it is there.
        package var overwrite: Bool

        package init(firstImageNumber: Int = 0, sampleCount: Int = 4, seed: UInt64 = 1, overwrite: Bool = false) {
            self.firstImageNumber = firstImageNumber
            self.sampleCount = sampleCount
            self.seed = seed
            self.overwrite = overwrite
        }
    }

    /// Writes `directory/explore.html` for `model` and returns its path and size in bytes. The path is
    /// checked before anything is computed: a page already there stops it unless `options.overwrite`.
    /// - images: the test images to redraw, the model's shape, values in [0, 1]
    package static func write(model: DRAWModel<Float>, modelName: String, images: ImageSet, directory: String,
                              options: Options) throws -> (path: String, bytes: Int) {
        let config = model.config
        guard images.imageCount > 0 else { throw VisualsError("no test images to redraw") }
        guard images.width == config.width && images.height == config.height && images.channels == config.channels else {
            throw VisualsError("images are \(images.width)x\(images.height)x\(images.channels), "
                               + "the model draws \(config.width)x\(config.height)x\(config.channels)")
        }
        var folder = try OutputFolder(directory, names: [fileName], overwrite: options.overwrite)
        let data = ExplorePageData(model: model, modelName: modelName,
                                   images: Matrix(rows: images.imageCount, columns: images.pixelsPerImage, storage: images.pixels),
                                   firstImageNumber: options.firstImageNumber, sampleCount: options.sampleCount,
                                   seed: options.seed)
        let bytes = Array(html(data).utf8)
        try folder.write(bytes, name: fileName)
        return (OutputFiles.path(fileName, in: directory), bytes.count)
    }

    /// The whole page: template, embedded numbers, script.
    static func html(_ data: ExplorePageData) -> String {
        ExplorePageTemplate.head + ExplorePageTemplate.body
            + "<script type=\"application/json\" id=\"draw-data\">\n" + json(data) + "\n</script>\n"
            + "<script>\n" + ExplorePageScript.equations + ExplorePageViews.script + "</script>\n</body>\n</html>\n"
    }
}

// MARK: - The numbers as JSON

extension ExplorePage {
    /// The JSON the page's script reads from `#draw-data`. Pictures are rounded to what a screen
    /// shows (canvases as bytes, windows and patches to 5 significant digits); the images and the
    /// self-check are at full Float precision, so the page's 1e-5 check measures the maths, not the
    /// rounding.
    static func json(_ data: ExplorePageData) -> String {
        let config = data.config
        let fields = [
            "\"config\": {\"width\": \(config.width), \"height\": \(config.height), \"channels\": \(config.channels), "
                + "\"timesteps\": \(config.timesteps), \"readSize\": \(config.readSize), \"writeSize\": \(config.writeSize), "
                + "\"attention\": \(config.attention), \"summary\": \(string(config.summary))}",
            "\"model\": \(string(data.modelName))",
            "\"seed\": \(data.seed)",
            "\"normaliserFloor\": \(paperNormaliserFloor)",
            "\"imageNumbers\": [\(data.imageNumbers.map(String.init).joined(separator: ", "))]",
            "\"images\": [\n" + data.images.map { exact($0) }.joined(separator: ",\n") + "]",
            "\"drawings\": [\n" + data.drawings.map(drawing).joined(separator: ",\n") + "]",
            "\"selfCheck\": [\n" + data.selfCheck.map(selfCheckCase).joined(separator: ",\n") + "]",
        ]
        return "{\n" + fields.joined(separator: ",\n") + "\n}"
    }

    static func drawing(_ drawing: ExploreDrawing) -> String {
        var fields = ["\"kind\": \(string(drawing.kind))", "\"title\": \(string(drawing.title))",
                      "\"canvases\": [" + drawing.canvases.map(pictureBytes).joined(separator: ",\n") + "]",
                      "\"readWindows\": " + list(drawing.readWindows),
                      "\"writeWindows\": " + list(drawing.writeWindows),
                      "\"glimpses\": " + list(drawing.glimpses),
                      "\"writePatches\": " + list(drawing.writePatches),
                      "\"klPerStep\": " + rounded(drawing.klPerStep)]
        if let imageIndex = drawing.imageIndex { fields.append("\"imageIndex\": \(imageIndex)") }
        if let loss = drawing.reconstructionLoss { fields.append("\"reconstructionLoss\": \(rounded(loss))") }
        if let loss = drawing.latentLoss { fields.append("\"latentLoss\": \(rounded(loss))") }
        return "{" + fields.joined(separator: ",\n") + "}"
    }

    static func selfCheckCase(_ check: ExploreSelfCheckCase) -> String {
        "{\"raw\": \(exact(check.raw)), \"gridSize\": \(check.gridSize),\n\"filterX\": \(exact(check.filterX)),\n"
            + "\"filterY\": \(exact(check.filterY)),\n\"glimpse\": \(exact(check.glimpse)),\n"
            + "\"writtenBack\": \(exact(check.writtenBack))}"
    }

    /// `[[...], [...]]`, one rounded array per step.
    static func list(_ rows: [[Float]]) -> String {
        "[" + rows.map(rounded).joined(separator: ",\n") + "]"
    }

    /// A picture with values in [0, 1] as a base64 string of bytes round(255 v), the page's `decodePicture`.
    static func pictureBytes(_ values: [Float]) -> String {
        let bytes = values.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
        return "\"" + Data(bytes).base64EncodedString() + "\""
    }

    /// 5 significant digits: what a picture or a printed value needs.
    static func rounded(_ value: Float) -> String { number(value, format: "%.5g") }
    static func rounded(_ values: [Float]) -> String { "[" + values.map(rounded).joined(separator: ", ") + "]" }

    /// 9 significant digits: any Float read back from them is the same Float.
    static func exact(_ values: [Float]) -> String {
        "[" + values.map { number($0, format: "%.9g") }.joined(separator: ", ") + "]"
    }

    /// A JSON number (null for NaN or infinity, which JSON cannot hold).
    static func number(_ value: Float, format: String) -> String {
        value.isFinite ? String(format: format, Double(value)) : "null"
    }

    /// A JSON string; `<` is escaped so that no text can close the page's script element.
    static func string(_ text: String) -> String { jsonStringLiteral(text, escapingLessThan: true) }
}
