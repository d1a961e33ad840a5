/// The JavaScript of `minidraw explore`'s page, part 2: the pictures and controls. Section 1 shows
/// the embedded drawings step by step; section 2, the attention sandbox, draws what part 1's
/// equations (ExplorePageScript.swift) compute from its sliders.
enum ExplorePageViews {
    static let script = #"""

    // MARK: - Painting on <canvas>

    const { width, height, channels, timesteps, readSize, writeSize, attention } = drawData.config;
    // Each image pixel is drawn as a square of this many screen pixels.
    const pixelScale = Math.max(1, Math.floor(224 / Math.max(width, height)));
    const readColour = "#22c322", writeColour = "#ff3030", centreColour = "#ffd200";

    // Decodes a picture stored as base64 bytes round(255 v) (ExplorePage.pictureBytes) to values in [0, 1].
    function decodePicture(text) {
      const bytes = atob(text);
      const values = new Float32Array(bytes.length);
      for (let k = 0; k < bytes.length; k++) values[k] = bytes.charCodeAt(k) / 255;
      return values;
    }

    function clamp(value) { return Math.min(Math.max(value, 0), 1); }
    function grey(value) { const v = Math.round(255 * clamp(value)); return `rgb(${v},${v},${v})`; }
    // Orange for a positive value, blue for a negative one, black for 0; `value` already divided by the scale.
    function signed(value) {
      const t = clamp(Math.abs(value));
      return value >= 0 ? `rgb(${Math.round(255 * t)},${Math.round(140 * t)},0)`
                        : `rgb(${Math.round(40 * t)},${Math.round(120 * t)},${Math.round(255 * t)})`;
    }
    function heat(value) { const t = clamp(value); return `rgb(${Math.round(255 * t)},${Math.round(215 * t)},${Math.round(60 * t)})`; }
    function largestMagnitude(values) { return Math.max(1e-12, ...Array.from(values, Math.abs)); }

    // Resizes `canvas` to width x height screen pixels, clears it to black and returns its context.
    function prepare(canvas, canvasWidth, canvasHeight) {
      canvas.width = canvasWidth;
      canvas.height = canvasHeight;
      const context = canvas.getContext("2d");
      context.fillStyle = "#000";
      context.fillRect(0, 0, canvasWidth, canvasHeight);
      return context;
    }

    // Fills a columns x rows block of cells from (left, top), cell k (row by row) in colour(k).
    function paintCells(context, left, top, columns, rows, cellWidth, cellHeight, colour) {
      for (let row = 0; row < rows; row++) {
        for (let column = 0; column < columns; column++) {
          context.fillStyle = colour(row * columns + column);
          context.fillRect(left + column * cellWidth, top + row * cellHeight, cellWidth, cellHeight);
        }
      }
    }

    // An image [C B A] with values in [0, 1]: in colour with 3 channels, else its first plane in grey.
    function paintImage(canvas, values) {
      const context = prepare(canvas, width * pixelScale, height * pixelScale);
      const plane = width * height;
      const colour = channels === 3
        ? k => `rgb(${[0, 1, 2].map(c => Math.round(255 * clamp(values[c * plane + k]))).join(",")})`
        : k => grey(values[k]);
      paintCells(context, 0, 0, width, height, pixelScale, pixelScale, colour);
      return context;
    }

    // A window's grid on an image painted at pixelScale: its extent g ± N delta / 2 and, when asked, its
    // N x N filter centres (Eq. 19-20). Pixel a = 1...A covers screen pixels (a - 1) s ... a s.
    function strokeWindow(context, window, gridSize, colour, showCentres) {
      const screen = position => (position - 0.5) * pixelScale;
      const half = gridSize * window.stride / 2;
      context.strokeStyle = colour;
      context.lineWidth = 2;
      context.strokeRect(screen(window.centerX - half), screen(window.centerY - half),
                         2 * half * pixelScale, 2 * half * pixelScale);
      if (!showCentres) return;
      context.fillStyle = centreColour;
      for (const y of gridCentres(window.centerY, window.stride, gridSize)) {
        for (const x of gridCentres(window.centerX, window.stride, gridSize)) {
          context.beginPath();
          context.arc(screen(x), screen(y), Math.max(1.5, pixelScale / 3), 0, 2 * Math.PI);
          context.fill();
        }
      }
    }

    // Planes of n x n cells side by side, a gap between them; each plane is [values, colour of a value].
    function paintPlanes(canvas, planes, n, cell) {
      const gap = Math.max(4, cell / 4);
      const context = prepare(canvas, planes.length * n * cell + (planes.length - 1) * gap, n * cell);
      context.fillStyle = "#fafaf7";
      context.fillRect(0, 0, canvas.width, canvas.height);
      planes.forEach(([values, colour], index) => {
        paintCells(context, index * (n * cell + gap), 0, n, n, cell, cell, k => colour(values[k]));
      });
    }

    // The five numbers (g_X, g_Y, sigma^2, delta, gamma) as the Swift model saves a window.
    function savedWindow(values) {
      return { centerX: values[0], centerY: values[1], variance: values[2], stride: values[3], intensity: values[4] };
    }
    function describeWindow(values) {
      const w = savedWindow(values);
      return `g = (${w.centerX.toFixed(2)}, ${w.centerY.toFixed(2)})  delta = ${w.stride.toFixed(3)}  `
        + `sigma^2 = ${w.variance.toFixed(3)}  gamma = ${w.intensity.toFixed(3)}`;
    }

    // MARK: - Section 1: the drawing, step by step

    const element = id => document.getElementById(id);
    const stepSlider = element("step"), drawingChoice = element("drawing-choice"), playButton = element("play");
    const pictures = drawData.drawings.map(drawing => drawing.canvases.map(decodePicture));
    let playing = null;

    function currentDrawing() { return drawData.drawings[Number(drawingChoice.value)]; }
    function currentStep() { return Number(stepSlider.value); }
    function setShown(id, shown) { element(id).style.display = shown ? "" : "none"; }

    // The KL of every step as bars (Eq. 10-11), step t in red.
    function paintKL(drawing, t) {
      const chart = element("kl-chart"), context = chart.getContext("2d");
      const left = 44, bottom = chart.height - 22, top = 10, barWidth = (chart.width - left - 8) / timesteps;
      const largest = Math.max(1e-6, ...drawing.klPerStep);
      context.clearRect(0, 0, chart.width, chart.height);
      drawing.klPerStep.forEach((kl, index) => {
        const barHeight = (bottom - top) * kl / largest;
        context.fillStyle = index + 1 === t ? writeColour : "#8a8f99";
        context.fillRect(left + index * barWidth + 0.5, bottom - barHeight, Math.max(1, barWidth - 1), barHeight);
        // step t also gets a mark under the axis, visible when its KL is near 0
        if (index + 1 === t) context.fillRect(left + index * barWidth + 0.5, bottom + 2, Math.max(1, barWidth - 1), 4);
      });
      context.fillStyle = "#333";
      context.font = "12px system-ui, sans-serif";
      context.fillText(`${largest.toFixed(2)}`, 4, top + 10);
      context.fillText("0", 4, bottom);
      context.fillText("t = 1", left, chart.height - 6);
      context.fillText(`t = ${timesteps}`, chart.width - 50, chart.height - 6);
    }

    // Everything section 1 shows at step t of the chosen drawing.
    function showStep() {
      const drawing = currentDrawing(), t = currentStep();
      const isReconstruction = drawing.kind === "reconstruction";
      const hasWindows = attention && t > 0;
      element("step-value").textContent = `t = ${t} of ${timesteps}`;
      setShown("input-figure", isReconstruction);
      setShown("glimpse-figure", isReconstruction && attention);
      setShown("patch-figure", attention);
      setShown("kl-figure", isReconstruction);
      if (isReconstruction) {
        const context = paintImage(element("input-view"), drawData.images[drawing.imageIndex]);
        if (hasWindows) strokeWindow(context, savedWindow(drawing.readWindows[t - 1]), readSize, readColour, true);
        paintKL(drawing, t);
      }
      const canvasContext = paintImage(element("canvas-view"), pictures[Number(drawingChoice.value)][t]);
      if (hasWindows) strokeWindow(canvasContext, savedWindow(drawing.writeWindows[t - 1]), writeSize, writeColour, false);
      const lines = [`step t = ${t} of ${timesteps}` + (t === 0 ? ": the learned canvas c_0, nothing read or written yet" : "")];
      if (isReconstruction && hasWindows) {
        const glimpse = drawing.glimpses[t - 1], planeSize = readSize * readSize;
        const fromImage = glimpse.slice(0, channels * planeSize), fromError = glimpse.slice(channels * planeSize);
        const imageScale = largestMagnitude(fromImage), errorScale = largestMagnitude(fromError), planes = [];
        for (let c = 0; c < channels; c++) {
          planes.push([fromImage.slice(c * planeSize, (c + 1) * planeSize), v => grey(v / imageScale)]);
          planes.push([fromError.slice(c * planeSize, (c + 1) * planeSize), v => signed(v / errorScale)]);
        }
        paintPlanes(element("glimpse-view"), planes, readSize, Math.max(8, Math.floor(112 / readSize)));
        lines.push(`read window  (Eq. 21-24, from h^dec_${t - 1}): ${describeWindow(drawing.readWindows[t - 1])}`);
        lines.push(`glimpse r_${t} (Eq. 27): [${glimpse.map(v => v.toFixed(3)).join(", ")}]`);
      } else if (isReconstruction && attention) {
        prepare(element("glimpse-view"), 2 * 112, 112);
      }
      if (hasWindows) {
        const patch = drawing.writePatches[t - 1], planeSize = writeSize * writeSize, scale = largestMagnitude(patch);
        const planes = [];
        for (let c = 0; c < channels; c++) planes.push([patch.slice(c * planeSize, (c + 1) * planeSize), v => signed(v / scale)]);
        paintPlanes(element("patch-view"), planes, writeSize, Math.max(8, Math.floor(140 / writeSize)));
        lines.push(`write window (Eq. 21-24, from h^dec_${t}): ${describeWindow(drawing.writeWindows[t - 1])}`);
        lines.push(`write patch w_${t} (Eq. 28): largest |w| = ${scale.toFixed(3)}`);
      } else if (attention) {
        prepare(element("patch-view"), 140, 140);
      }
      if (isReconstruction) {
        const total = drawing.klPerStep.reduce((sum, kl) => sum + kl, 0);
        if (t > 0) lines.push(`KL_${t} = ${drawing.klPerStep[t - 1].toFixed(3)} nats`);
        lines.push(`this image: L^x = ${drawing.reconstructionLoss.toFixed(2)} (Eq. 9) + L^z = ${drawing.latentLoss.toFixed(2)} `
                   + `(Eq. 10, sum of the bars ${total.toFixed(2)}) nats`);
      }
      element("step-numbers").textContent = lines.join("\n");
      element("drawing-note").textContent = attention ? (isReconstruction ? ""
        : "A sample reads nothing: z_t is drawn from the prior N(0, I) (Eq. 13), so there is no glimpse and no KL.")
        : "This model reads and writes whole images (Eq. 17-18): there are no windows, glimpses or patches.";
      element("use-read").disabled = !(isReconstruction && hasWindows);
      element("use-write").disabled = !hasWindows;
    }

    function togglePlay() {
      if (playing !== null) {
        clearInterval(playing);
        playing = null;
        playButton.textContent = "play";
        return;
      }
      if (currentStep() >= timesteps) stepSlider.value = 0;
      playButton.textContent = "pause";
      playing = setInterval(() => {
        if (currentStep() >= timesteps) { togglePlay(); return; }
        stepSlider.value = currentStep() + 1;
        showStep();
      }, Math.max(40, Math.round(4000 / timesteps)));
    }

    // MARK: - Section 2: the attention sandbox

    const rawSliders = ["raw-center-x", "raw-center-y", "raw-variance", "raw-stride", "raw-intensity"].map(element);
    const gridSlider = element("grid-size"), sandboxImage = element("sandbox-image");

    // Eq. 19-29 on the chosen image, from the sliders.
    function showSandbox() {
      const raw = rawSliders.map(slider => Number(slider.value)), n = Number(gridSlider.value);
      const image = drawData.images[Number(sandboxImage.value)];
      const window = windowWithFilterbanks(raw, n, width, height);
      rawSliders.forEach((slider, index) => { element(`${slider.id}-value`).textContent = raw[index].toFixed(2); });
      element("grid-size-value").textContent = `${n}`;
      element("center-x-value").textContent = window.centerX.toFixed(2);
      element("center-y-value").textContent = window.centerY.toFixed(2);
      element("variance-value").textContent = window.variance.toFixed(3);
      element("stride-value").textContent = window.stride.toFixed(3);
      element("intensity-value").textContent = window.intensity.toFixed(3);
      const centres = gridCentres(window.centerX, window.stride, n).map(mu => mu.toFixed(1));
      element("centres-value").textContent = `mu_X = ${centres.join(", ")}`;

      const context = paintImage(element("sandbox-view"), image);
      strokeWindow(context, window, n, readColour, true);
      const heatScale = Math.max(largestMagnitude(window.filterX), largestMagnitude(window.filterY));
      paintCells(prepare(element("filter-x-view"), width * pixelScale, n * pixelScale), 0, 0, width, n,
                 pixelScale, pixelScale, k => heat(window.filterX[k] / heatScale));
      paintCells(prepare(element("filter-y-view"), height * pixelScale, n * pixelScale), 0, 0, height, n,
                 pixelScale, pixelScale, k => heat(window.filterY[k] / heatScale));
      const glimpse = read(image, window, width, height, channels), planeSize = n * n, planes = [];
      for (let c = 0; c < channels; c++) planes.push([glimpse.slice(c * planeSize, (c + 1) * planeSize), grey]);
      paintPlanes(element("sandbox-glimpse-view"), planes, n, Math.max(6, Math.floor(168 / n)));
      const writtenBack = write(glimpse, window, width, height, channels), peak = largestMagnitude(writtenBack);
      const written = paintImage(element("written-back-view"), writtenBack.map(v => v / peak));
      strokeWindow(written, window, n, writeColour, false);
      element("written-back-caption").textContent = "written back, (1/gamma) F_Yᵀ r F_X (Eq. 29), with the glimpse r as "
        + `the patch: gamma cancels; shown scaled to its peak, ${peak.toFixed(4)}`;
    }

    // Puts the window of step t (read or write) into the sliders.
    function useStepWindow(kind) {
      const drawing = currentDrawing(), t = currentStep();
      const values = (kind === "read" ? drawing.readWindows : drawing.writeWindows)[t - 1];
      const n = kind === "read" ? readSize : writeSize;
      gridSlider.value = n;
      rawOutputs(values, n, width, height).forEach((value, index) => { rawSliders[index].value = value; });
      if (drawing.kind === "reconstruction") sandboxImage.value = drawing.imageIndex;
      showSandbox();
    }

    function useDefault() {
      rawSliders.forEach(slider => { slider.value = 0; });
      gridSlider.value = attention ? writeSize : 5;
      showSandbox();
    }

    // MARK: - Start

    function start() {
      runSelfCheck();
      element("model-line").textContent = `DRAW (Gregor et al. 2015, arXiv 1502.04623), computed by MiniDRAW's paper model: `
        + `${drawData.model}, ${drawData.config.summary}; seed ${drawData.seed}.`;
      drawData.drawings.forEach((drawing, index) => drawingChoice.add(new Option(drawing.title, index)));
      drawData.imageNumbers.forEach((number, index) => sandboxImage.add(new Option(`test image ${number}`, index)));
      stepSlider.max = timesteps;
      stepSlider.value = timesteps;
      stepSlider.addEventListener("input", showStep);
      drawingChoice.addEventListener("change", showStep);
      playButton.addEventListener("click", togglePlay);
      for (const slider of rawSliders.concat([gridSlider, sandboxImage])) slider.addEventListener("input", showSandbox);
      element("use-read").addEventListener("click", () => useStepWindow("read"));
      element("use-write").addEventListener("click", () => useStepWindow("write"));
      element("use-default").addEventListener("click", useDefault);
      useDefault();
      showStep();
    }
    start();

    """#
}
