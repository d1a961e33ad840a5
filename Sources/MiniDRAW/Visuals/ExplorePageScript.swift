/// The JavaScript of `minidraw explore`'s page, part 1: the equations of selective attention
/// (paper §3.2, Eq. 19-29) as the paper model computes them (Sources/MiniDRAW/Paper/PaperAttention.swift,
/// PaperReadWrite.swift), and the self-check that compares them with the Swift numbers embedded in
/// the page. Part 2, ExplorePageViews.swift, draws.
///
/// The `// Eq. N` tags sit on their own line above the line they name (inside this Swift string a
/// trailing tag would be read as a tag of Swift code).
enum ExplorePageScript {
    static let equations = #"""
    "use strict";
    // The numbers the Swift paper model computed (ExplorePageData.swift).
    const drawData = JSON.parse(document.getElementById("draw-data").textContent);

    // MARK: - The window (Eq. 21-24)

    // The five outputs of Eq. 21, (g~_X, g~_Y, log sigma^2, log delta~, log gamma), and N become the
    // window on an A x B image.
    function attentionWindow(raw, gridSize, width, height) {
      // Eq. 22: g_X = (A + 1)/2 (g~_X + 1)
      const centerX = (width + 1) / 2 * (raw[0] + 1);
      // Eq. 23: g_Y = (B + 1)/2 (g~_Y + 1)
      const centerY = (height + 1) / 2 * (raw[1] + 1);
      // Eq. 21: sigma^2 = exp(log sigma^2)
      const variance = Math.exp(raw[2]);
      // Eq. 24: delta = (max(A, B) - 1)/(N - 1) delta~, with delta~ = exp(log delta~) (N = 1: no division by 0)
      const stride = (Math.max(width, height) - 1) / Math.max(gridSize - 1, 1) * Math.exp(raw[3]);
      // Eq. 21: gamma = exp(log gamma)
      const intensity = Math.exp(raw[4]);
      return { centerX, centerY, variance, stride, intensity, gridSize };
    }

    // The inverse of attentionWindow: the five outputs of Eq. 21 that give `window` (g_X, g_Y, sigma^2,
    // delta, gamma as the Swift model saves them) with N filters.
    function rawOutputs(window, gridSize, width, height) {
      const strideScale = (Math.max(width, height) - 1) / Math.max(gridSize - 1, 1);
      return [2 * window[0] / (width + 1) - 1, 2 * window[1] / (height + 1) - 1,
              Math.log(window[2]), Math.log(window[3] / strideScale), Math.log(window[4])];
    }

    // MARK: - The grid and the filterbanks (Eq. 19-20, 25-26)

    // The N filter centres along one axis, in the paper's 1-based pixels.
    function gridCentres(center, stride, gridSize) {
      const centres = [];
      for (let i = 1; i <= gridSize; i++) {
        // Eq. 19-20: mu^i = g + (i - N/2 - 1/2) delta
        centres.push(center + (i - gridSize / 2 - 0.5) * stride);
      }
      return centres;
    }

    // F[i, a] = exp(-(a - mu^i)^2 / (2 sigma^2)) / Z for i = 1...N, a = 1...length: [N, length], row by row.
    function filterbank(center, stride, variance, gridSize, length) {
      const filter = new Float64Array(gridSize * length);
      gridCentres(center, stride, gridSize).forEach((mean, row) => {
        let normaliser = 0;
        for (let a = 1; a <= length; a++) {
          // Eq. 25-26: exp(-(a - mu^i)^2 / (2 sigma^2))
          const weight = Math.exp(-(a - mean) * (a - mean) / (2 * variance));
          filter[row * length + a - 1] = weight;
          normaliser += weight;
        }
        // Eq. 25-26: 1 / Z, with Z kept away from 0 as in Swift (paperNormaliserFloor)
        const inverse = 1 / Math.max(normaliser, drawData.normaliserFloor);
        for (let a = 0; a < length; a++) filter[row * length + a] *= inverse;
      });
      return filter;
    }

    // The window and both filterbanks: F_X [N, A] (Eq. 19, 25) and F_Y [N, B] (Eq. 20, 26).
    function windowWithFilterbanks(raw, gridSize, width, height) {
      const window = attentionWindow(raw, gridSize, width, height);
      window.filterX = filterbank(window.centerX, window.stride, window.variance, gridSize, width);
      window.filterY = filterbank(window.centerY, window.stride, window.variance, gridSize, height);
      return window;
    }

    // MARK: - Read and write (Eq. 27, 29)

    // gamma F_Y x F_Xᵀ for each channel plane of x [C B A]: the x half of the glimpse, [C N N].
    function read(image, window, width, height, channels) {
      const n = window.gridSize;
      const glimpse = new Float64Array(channels * n * n);
      for (let channel = 0; channel < channels; channel++) {
        const plane = channel * height * width;
        for (let j = 0; j < n; j++) {
          for (let i = 0; i < n; i++) {
            let sum = 0;
            for (let b = 0; b < height; b++) {
              let rowSum = 0;
              for (let a = 0; a < width; a++) rowSum += image[plane + b * width + a] * window.filterX[i * width + a];
              sum += window.filterY[j * height + b] * rowSum;
            }
            // Eq. 27: element (j, i) of gamma F_Y x F_Xᵀ
            glimpse[channel * n * n + j * n + i] = window.intensity * sum;
          }
        }
      }
      return glimpse;
    }

    // (1/gamma) F_Yᵀ w F_X for each channel plane of a patch w [C N N]: an image [C B A].
    function write(patch, window, width, height, channels) {
      const n = window.gridSize;
      const written = new Float64Array(channels * height * width);
      for (let channel = 0; channel < channels; channel++) {
        for (let b = 0; b < height; b++) {
          for (let a = 0; a < width; a++) {
            let sum = 0;
            for (let j = 0; j < n; j++) {
              for (let i = 0; i < n; i++) {
                sum += window.filterY[j * height + b] * patch[channel * n * n + j * n + i] * window.filterX[i * width + a];
              }
            }
            // Eq. 29: element (b, a) of (1/gamma) F_Yᵀ w F_X
            written[channel * height * width + b * width + a] = sum / window.intensity;
          }
        }
      }
      return written;
    }

    // MARK: - The self-check

    // The largest |a[k] - b[k]|; Infinity when the lengths differ or a value is not a number.
    function largestDifference(computed, expected) {
      if (computed.length !== expected.length) return Infinity;
      let largest = 0;
      for (let k = 0; k < computed.length; k++) {
        const difference = Math.abs(computed[k] - expected[k]);
        largest = difference <= largest ? largest : (Number.isNaN(difference) ? Infinity : difference);
      }
      return largest;
    }

    // Recomputes every embedded case on the first test image and writes the largest difference into
    // #self-check: "ok" under 1e-5, "mismatch" otherwise.
    function runSelfCheck() {
      const { width, height, channels } = drawData.config;
      const image = drawData.images[0];
      let largest = 0, worst = "every value equal";
      for (const check of drawData.selfCheck) {
        const window = windowWithFilterbanks(check.raw, check.gridSize, width, height);
        const glimpse = read(image, window, width, height, channels);
        const parts = { "F_X (Eq. 25)": [window.filterX, check.filterX], "F_Y (Eq. 26)": [window.filterY, check.filterY],
                        "glimpse (Eq. 27)": [glimpse, check.glimpse],
                        "written back (Eq. 29)": [write(glimpse, window, width, height, channels), check.writtenBack] };
        for (const [name, [computed, expected]] of Object.entries(parts)) {
          const difference = largestDifference(computed, expected);
          if (!(difference <= largest)) { largest = difference; worst = `${name}, N = ${check.gridSize}`; }
        }
      }
      const element = document.getElementById("self-check");
      const passed = largest < 1e-5;
      element.textContent = `${passed ? "ok" : "mismatch"}: largest difference ${largest.toExponential(2)} `
        + `(${worst}) over ${drawData.selfCheck.length} settings, tolerance 1e-5`;
      element.className = passed ? "passed" : "failed";
    }

    """#
}
