import Foundation

/// The paper's 29 equations (Gregor et al. 2015, arXiv 1502.04623) with their own numbers: the
/// formula in plain text, and the Swift that implements each, as patterns a line tagged
/// `// Eq. N` must contain. `EquationTagTests` holds every tagged line of Sources to this table,
/// so a tag cannot drift to a line that computes something else, and no number can shift again.
struct PaperEquation {
    let number: Int
    /// The paper's formula, in the plain-text notation of the code comments.
    let formula: String
    /// Regular expressions over a line's code (its comment removed); one must match.
    let implementedBy: [String]
}

enum PaperEquations {
    /// `DRAWModel.forward(image:cache:)` runs Eq. 1-12 in one call (`Trainer.forwardBackward(generator:)`
    /// by the run's engine); `generate(count:generator:)` Eq. 13-16 (`SampleWriter.generate(_:count:...)`
    /// by the engine asked for).
    static let wholeForward = #"\b(forward\(image:|forwardBackward\((model|generator):)"#
    static let wholeGeneration = #"\b(\.generate\(count:|generate\(model, count:)"#
    /// Eq. 22-26 as one call (the window and both filterbanks), forward or backward.
    static let window = #"[gG]eometry\.(forward\(cache:|backward\(dFilterX:)"#
    /// The latent layer's forward and backward compute Eq. 1, 2 and 6 together (the backward in
    /// parts: the sample's, the input's, and the weights' over all T steps).
    static let latentLayer = #"\blatent\.(forward|backward|sampleBackward|inputBackward)\("#

    static let all: [PaperEquation] = [
        // §2.1, the network
        PaperEquation(number: 1, formula: "mu_t = W(h^enc_t)",
                      implementedBy: [#"\bmu\.(forward|backwardParameters)\("#, latentLayer, wholeForward]),
        PaperEquation(number: 2, formula: "sigma_t = exp(W(h^enc_t))",
                      implementedBy: [#"\blogSigma\.(forward|backwardParameters)\("#, #"exp\(cache\.logSigma"#, latentLayer, wholeForward]),
        PaperEquation(number: 3, formula: "x_hat_t = x - sigmoid(c_{t-1})",
                      implementedBy: [#"\berrorImage(Backward)?\("#, #"x\[index\] - xHat\[index\]"#, wholeForward]),
        PaperEquation(number: 4, formula: "r_t = read(x, x_hat_t, h^dec_{t-1})",
                      implementedBy: [#"Geometry\.read\(image:"#, #"\breadWithoutAttention\("#, wholeForward]),
        PaperEquation(number: 5, formula: "h^enc_t = RNN^enc(h^enc_{t-1}, [r_t, h^dec_{t-1}])",
                      implementedBy: [#"\bencoder\.(forward|backward|gatesBackward|parametersBackward|constantInputGates|constantInputBackward)\("#,
                                      #"[eE]ncoderInput\.setColumns\(|setColumns\([^)]*from: w\.dEncoderInput"#, wholeForward]),
        PaperEquation(number: 6, formula: "z_t ~ Q(Z_t | h^enc_t), sampled as z_t = mu_t + sigma_t epsilon_t",
                      implementedBy: [#"mu\.storage\[index\] \+ sigma \* cache\.noise"#, #"\bfillNoise\("#, #"\bbatchSlices\.load\(batch:"#,
                                      #"\bpaper\.noise\(batchSize:"#, latentLayer, wholeForward]),
        PaperEquation(number: 7, formula: "h^dec_t = RNN^dec(h^dec_{t-1}, z_t)",
                      implementedBy: [#"\bdecoder\.(forward|backward|gatesBackward)\((input: step|dHidden)"#,
                                      #"\bdecoder\.parametersBackward\(dGates: stacks"#, wholeForward]),
        PaperEquation(number: 8, formula: "c_t = c_{t-1} + write(h^dec_t)",
                      implementedBy: [#"Geometry\.write\(patch: step"#, #"step\.canvas\.add\(step\.writePatch\)"#, wholeForward]),
        // §2.2, the loss
        PaperEquation(number: 9, formula: "L^x = -log D(x | c_T)",
                      implementedBy: [#"softplus\(logit\) - image"#, #"\breconstructionLoss(Backward)?\(image:"#, wholeForward]),
        PaperEquation(number: 10, formula: "L^z = sum_t KL(Q(Z_t | h^enc_t) || P(Z_t))",
                      implementedBy: [#"\baccumulateKL\("#, wholeForward]),
        PaperEquation(number: 11, formula: "L^z = 1/2 (sum_t mu_t^2 + sigma_t^2 - log sigma_t^2) - T/2",
                      implementedBy: [#"\baccumulateKL\("#, #"m \* m \+ s \* s - 2 \* logSigma"#, #"\bklBackward\("#, wholeForward]),
        PaperEquation(number: 12, formula: "L = < L^x + L^z >_{z ~ Q}",
                      implementedBy: [#"meanReconstructionLoss \+ meanLatentLoss"#, #"figures\.reconstructionLoss \+ figures\.latentLoss"#,
                                      wholeForward]),
        // §2.3, generation
        PaperEquation(number: 13, formula: "z_t ~ P(Z_t)",
                      implementedBy: [#"fillGaussian\(&noise"#, wholeGeneration]),
        PaperEquation(number: 14, formula: "h^dec_t = RNN^dec(h^dec_{t-1}, z_t)",
                      implementedBy: [#"\bdecoder\.forward\(input: noise"#, wholeGeneration]),
        PaperEquation(number: 15, formula: "c_t = c_{t-1} + write(h^dec_t)",
                      implementedBy: [#"Geometry\.write\(patch: patch"#, #"\bcanvas\.add\(patch\)"#, wholeGeneration]),
        PaperEquation(number: 16, formula: "x ~ D(X | c_T)",
                      implementedBy: [#"= sigmoid\(image\.storage"#, wholeGeneration]),
        // §3.1, without attention
        PaperEquation(number: 17, formula: "read(x, x_hat_t, h^dec_{t-1}) = [x, x_hat_t]",
                      implementedBy: [#"glimpse\.setColumns\((0|size), from: (image|errorImage)"#,
                                      #"\breadWithoutAttention(Backward)?\("#, #"\bencoder\.constantInput(Gates|Backward)\("#]),
        PaperEquation(number: 18, formula: "write(h^dec_t) = W(h^dec_t)",
                      implementedBy: [#"\bwrite\.(forward|backward|backwardInput|backwardParameters)\("#, #"step\.canvas\.add\(step\.writePatch\)"#]),
        // §3.2, selective attention
        PaperEquation(number: 19, formula: "mu_X^i = g_X + (i - N/2 - 0.5) delta",
                      implementedBy: [#"gridOffset\(i\) \* stride"#, #"buildFilterbank\(center: centerX"#]),
        PaperEquation(number: 20, formula: "mu_Y^j = g_Y + (j - N/2 - 0.5) delta",
                      implementedBy: [#"gridOffset\(i\) \* stride"#, #"buildFilterbank\(center: centerY"#]),
        PaperEquation(number: 21, formula: "(g~_X, g~_Y, log sigma^2, log delta~, log gamma) = W(h^dec)",
                      implementedBy: [#"[aA]ttention\.(forward|backward|backwardInput|backwardParameters)\("#, #"exp\(parameters\[AttentionParameter\.(variance|intensity)\]"#]),
        PaperEquation(number: 22, formula: "g_X = (A + 1)/2 (g~_X + 1)",
                      implementedBy: [#"AttentionParameter\.centerX\]"#, #"window\.centerX"#, window]),
        PaperEquation(number: 23, formula: "g_Y = (B + 1)/2 (g~_Y + 1)",
                      implementedBy: [#"AttentionParameter\.centerY\]"#, #"window\.centerY"#, window]),
        PaperEquation(number: 24, formula: "delta = (max(A, B) - 1)/(N - 1) delta~",
                      implementedBy: [#"AttentionParameter\.stride\]"#, window]),
        PaperEquation(number: 25, formula: "F_X[i, a] = 1/Z_X exp(-(a - mu_X^i)^2 / (2 sigma^2))",
                      implementedBy: [#"buildFilterbank\(center: centerX"#, #"-distance \* distance / \(2 \* variance\)"#,
                                      #"exp\(row, count:"#, #"1 / max\(rowSum"#, window]),
        PaperEquation(number: 26, formula: "F_Y[j, b] = 1/Z_Y exp(-(b - mu_Y^j)^2 / (2 sigma^2))",
                      implementedBy: [#"buildFilterbank\(center: centerY"#, #"-distance \* distance / \(2 \* variance\)"#,
                                      #"exp\(row, count:"#, #"1 / max\(rowSum"#, window]),
        PaperEquation(number: 27, formula: "read(x, x_hat_t, h^dec_{t-1}) = gamma [F_Y x F_X^T, F_Y x_hat F_X^T]",
                      implementedBy: [#"Geometry\.read\(image:"#, #"\breadBackward\("#, #"\bfilterImage(Backward)?\("#,
                                      #"\breadImage(Backward)?\("#]),
        PaperEquation(number: 28, formula: "w_t = W(h^dec_t)",
                      implementedBy: [#"\bwrite\.(forward|backward|backwardInput|backwardParameters)\("#]),
        PaperEquation(number: 29, formula: "write(h^dec_t) = 1/gamma_hat F_Y_hat^T w_t F_X_hat",
                      implementedBy: [#"Geometry\.write\(patch:"#, #"\bwriteBackward\("#,
                                      #"1 / cache\.window\[row, AttentionParameter\.intensity\]"#, #"addCombination\(into: canvasPlane"#]),
    ]
}

extension PaperEquations {
    /// The paper model's lines (Sources/MiniDRAW/Paper), by equation: what a line tagged `// Eq. N` there
    /// may call instead of the fast engine's functions of `all`. `step(x, previous:` is one whole step, Eq. 1-8.
    static let wholeStep = #"\bstep\(x, previous:"#
    static let paperWindows = #"\bwindows(Backward)?\("#
    static let paperLatent = #"\bsampleLatent(Backward)?\("#
    static let paperLatentGradient = [#"dMu\.storage\[index\] = scale \* m \+ dZ"#, #"dLogSigma\.storage\[index\] = scale \* \(s \* s - 1\) \+ dZ"#]
    static let paperWriteLayer = #"\blinear(Backward)?\(.*parameters\.write[,)]"#

    static let paperModel: [Int: [String]] = [
        1: [#"\blinear(Backward)?\((encoderHidden|dMu), .*parameters\.latent\.mu\b"#, paperLatent, wholeStep],
        2: [#"\blinear(Backward)?\((encoderHidden|dLogSigma), .*parameters\.latent\.logSigma\b"#, #"map\(logSigma\) \{ Scalar\.exp"#,
            paperLatent, wholeStep],
        3: [#"-= sigmoid\(canvas\.storage"#, wholeStep],
        4: [#"\bread\(x, errorImage:"#, wholeStep],
        5: [#"\blstm(Backward)?\(parameters\.encoder"#, #"\bcolumns\(encoder\.dInput"#, wholeStep],
        6: [#"z\.storage\[index\] \+= sigma\.storage\[index\] \* noise"#, paperLatent, wholeStep] + paperLatentGradient,
        7: [#"\blstm(Backward)?\(parameters\.decoder, (input: latent|dHidden)"#, wholeStep],
        8: [#"previous\.canvas \+ written"#, wholeStep],
        9: [#"softplus\(c\) - image"#, #"\breconstructionLoss(Backward)?\(x, canvas:"#, #"scale \* \(sigmoid\(canvas\.storage\[index\]\) - image"#],
        10: [#"\bklDivergence\("#, #"latentLoss\[image\] \+= kl\[image\]"#],
        11: [#"\bklDivergence\("#, #"m \* m \+ s \* s - 2 \* latent\.logSigma"#] + paperLatentGradient,
        13: [#"fillGaussian\(&z\.storage\)"#],
        14: [#"\blstm\(parameters\.decoder, input: z,"#],
        15: [#"\bcanvas \+= (write\(patch|patch\s*$)"#],
        16: [#"GenerationStep\(canvas: map\(canvas\) \{ sigmoid"#],
        17: [#"\bconcatenate\(image, errorImage\)"#, #"\bcolumns\(dGlimpse, from: config\.imageSize"#],
        18: [paperWriteLayer, #"var written = writePatch"#, #"dPatch = d\.dCanvas"#, #"\bcanvas \+= patch\s*$"#],
        19: [#"gridOffset\(i, gridSize: n\) \* stride"#, #"filterbank\(center: centerX"#],
        20: [#"gridOffset\(i, gridSize: n\) \* stride"#, #"filterbank\(center: centerY"#],
        21: [#"\blinear(Backward)?\(.*parameters\.(read|write)Attention"#, #"Scalar\.exp\(parameters\[image, [24]\]\)"#],
        22: [#"Scalar\(a \+ 1\) / 2 \* \(parameters\[image, 0\]"#, #"dParameters\[image, 0\] = x\.dCenter"#, paperWindows],
        23: [#"Scalar\(b \+ 1\) / 2 \* \(parameters\[image, 1\]"#, #"dParameters\[image, 1\] = y\.dCenter"#, paperWindows],
        24: [#"strideScale \* Scalar\.exp\(parameters\[image, 3\]\)"#, #"dParameters\[image, 3\]"#, paperWindows],
        25: [#"filterbank\(center: centerX"#, #"filter\[i, a\] \*= inverse"#, paperWindows],
        26: [#"filterbank\(center: centerY"#, #"filter\[i, a\] \*= inverse"#, paperWindows],
        27: [#"\bread\(x, errorImage:"#, #"product\(window\.filterY, plane\), transpose\(window\.filterX\)"#,
             #"scaled\(filtered, by: window\.intensity"#, #"sumOfProducts\(dRead, product\(window\.filterY"#,
             #"product\(dRead, transpose\(projected\)\)"#, #"product\(transpose\(dProjected\), plane\)"#],
        28: [paperWriteLayer],
        29: [#"\bwrite\((writePatch|patch), windows:"#, #"product\(transpose\(window\.filterY\), w\), window\.filterX"#,
             #"scaled\(plane, by: 1 / window\.intensity"#, #"sumOfProducts\(dOut, out\)"#, #"product\(u, transpose\(dOut\)\)"#,
             #"product\(dU, transpose\(window\.filterX\)\)"#, #"product\(transpose\(w\), dU\)"#],
    ]
}

// MARK: - Reading tags

/// One line of Swift with a trailing `// ... Eq. N ...` comment.
struct TaggedLine {
    let file: String
    let lineNumber: Int
    /// The line without its comment.
    let code: String
    /// Every equation number the comment names, ranges expanded ("Eq. 22-26", "Eq. 1, 2, 6").
    let equations: [Int]
}

enum EquationTags {
    /// "Eq. " followed by numbers and ranges joined by ", " or " and ".
    static let tagPattern = try! NSRegularExpression(pattern: #"Eq\. ?(\d+(?:-\d+)?(?:(?:, | and )\d+(?:-\d+)?)*)(?![\d/])"#)

    /// The numbers a comment names.
    static func numbers(in comment: String) -> [Int] {
        let range = NSRange(comment.startIndex..., in: comment)
        return tagPattern.matches(in: comment, range: range).flatMap { match -> [Int] in
            let list = String(comment[Range(match.range(at: 1), in: comment)!])
            return list.replacingOccurrences(of: " and ", with: ", ").components(separatedBy: ", ").flatMap { item -> [Int] in
                let bounds = item.split(separator: "-").compactMap { Int($0) }
                return bounds.count == 2 ? Array(bounds[0]...bounds[1]) : bounds
            }
        }
    }

    /// Splits a line into code and trailing comment at the first `//` outside a string literal.
    static func split(_ line: String) -> (code: String, comment: String)? {
        var inString = false, previous: Character = " "
        for index in line.indices {
            let character = line[index]
            if character == "\"" && previous != "\\" { inString.toggle() }
            if !inString && character == "/" && previous == "/" {
                let commentStart = line.index(before: index)
                return (String(line[..<commentStart]), String(line[commentStart...]))
            }
            previous = character
        }
        return nil
    }

    /// Every code line under `directory` whose trailing comment names an equation.
    static func taggedLines(under directory: String) throws -> [TaggedLine] {
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }.sorted() ?? []
        var lines: [TaggedLine] = []
        for file in files {
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            for (offset, line) in text.components(separatedBy: "\n").enumerated() {
                guard let (code, comment) = split(line), !code.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let equations = numbers(in: comment)
                if !equations.isEmpty {
                    lines.append(TaggedLine(file: file, lineNumber: offset + 1, code: code, equations: equations))
                }
            }
        }
        return lines
    }

    /// Why `line` does not implement its equations, or nil when every tag fits.
    static func problem(_ line: TaggedLine) -> String? {
        let table = Dictionary(uniqueKeysWithValues: PaperEquations.all.map { ($0.number, $0) })
        for number in line.equations {
            guard let equation = table[number] else { return "Eq. \(number) is not one of the paper's 29 equations" }
            let matches = (equation.implementedBy + (PaperEquations.paperModel[number] ?? [])).contains { pattern in
                line.code.range(of: pattern, options: .regularExpression) != nil
            }
            if !matches {
                return "tagged Eq. \(number) (\(equation.formula)), but the line calls none of "
                    + "\(equation.implementedBy + (PaperEquations.paperModel[number] ?? []))"
            }
        }
        return nil
    }
}
