/// The HTML and CSS of `minidraw explore`'s page (ExplorePage.swift puts it together). Every
/// element the script fills has an id; nothing is loaded from anywhere: the fonts are the
/// system's, the pictures are drawn on <canvas> elements from the embedded numbers.
enum ExplorePageTemplate {
    // MARK: - Head and style

    static let head = #"""
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>MiniDRAW: see it draw</title>
    <style>
    body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px;
           padding: 0 1.2em 3em; color: #1d1d1f; background: #fafaf7; line-height: 1.45; }
    h1 { margin-bottom: 0.2em; }
    h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
    p.model { color: #555; margin-top: 0; font-size: 0.92em; }
    .controls { display: flex; flex-wrap: wrap; gap: 0.6em 1.4em; align-items: center; margin: 0.8em 0; }
    .controls input[type=range] { width: 320px; vertical-align: middle; }
    button { font: inherit; padding: 0.2em 1em; }
    .panels { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
    figure { margin: 0; }
    figcaption { font-size: 0.85em; color: #444; max-width: 260px; margin-top: 0.3em; }
    canvas { background: #000; border: 1px solid #999; image-rendering: pixelated; display: block; }
    canvas.chart { background: #fff; }
    .numbers { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85em;
               white-space: pre-wrap; background: #f0f0ea; padding: 0.5em 0.8em; border-radius: 4px; }
    .read { color: #1a9e1a; font-weight: 600; }
    .write { color: #d02020; font-weight: 600; }
    table.sliders { border-collapse: collapse; margin: 0 0 1em; max-width: 780px; font-size: 0.92em; }
    table.sliders td, table.sliders th { padding: 0.25em 0.6em; text-align: left; border-bottom: 1px solid #e4e4de; }
    table.sliders input[type=range] { width: 200px; }
    table.sliders td:nth-child(2) { white-space: nowrap; }
    .sandbox { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
    table.sliders .value { font-family: ui-monospace, Menlo, Consolas, monospace; min-width: 5em; display: inline-block; }
    .note { color: #666; font-size: 0.9em; }
    #self-check { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 600; }
    #self-check.passed { color: #1a7e1a; }
    #self-check.failed { color: #c01010; }
    </style>
    </head>

    """#

    // MARK: - Body

    static let body = #"""
    <body>
    <h1>See it draw</h1>
    <p class="model" id="model-line">DRAW (Gregor et al. 2015, arXiv 1502.04623), computed by MiniDRAW's paper model.</p>

    <section id="drawing">
    <h2>1. The drawing, step by step</h2>
    <p>DRAW builds its picture in T steps. At step t the encoder <span class="read">reads</span> a glimpse
    r<sub>t</sub> of the image and of the error image x&#770;<sub>t</sub> = x &minus; &sigma;(c<sub>t&minus;1</sub>)
    through a window placed by the decoder's previous state (Eq. 3, 27), a code z<sub>t</sub> is drawn (Eq. 6), and
    the decoder <span class="write">writes</span> a patch w<sub>t</sub> through its own window onto the canvas
    c<sub>t</sub> = c<sub>t&minus;1</sub> + write(h<sup>dec</sup><sub>t</sub>) (Eq. 8, 28, 29). Samples skip the
    encoder: z<sub>t</sub> comes from the prior N(0, I) (Eq. 13-16). Every number below was computed in Swift.</p>
    <div class="controls">
      <label>drawing <select id="drawing-choice"></select></label>
      <button id="play" type="button">play</button>
      <label>step <input type="range" id="step" min="0" max="1" value="0" step="1"></label>
      <output id="step-value">t = 0</output>
    </div>
    <div class="panels">
      <figure id="input-figure"><canvas id="input-view"></canvas>
        <figcaption>x, the test image, with the <span class="read">read window</span> of step t</figcaption></figure>
      <figure><canvas id="canvas-view"></canvas>
        <figcaption>&sigma;(c<sub>t</sub>), the canvas after step t (t = 0: the learned c<sub>0</sub>), with the
        <span class="write">write window</span> of step t</figcaption></figure>
      <figure id="glimpse-figure"><canvas id="glimpse-view"></canvas>
        <figcaption>the glimpse r<sub>t</sub> (Eq. 27) at its own N&times;N: read from x (grey), then from
        x&#770;<sub>t</sub> (orange +, blue &minus;), each half scaled to its largest value</figcaption></figure>
      <figure id="patch-figure"><canvas id="patch-view"></canvas>
        <figcaption>the write patch w<sub>t</sub> (Eq. 28), orange +, blue &minus;, scaled to its largest value</figcaption></figure>
    </div>
    <p class="note" id="drawing-note"></p>
    <figure id="kl-figure"><canvas id="kl-chart" class="chart" width="720" height="160"></canvas>
      <figcaption id="kl-caption">KL(Q(Z<sub>t</sub> | h<sup>enc</sup><sub>t</sub>) || P(Z<sub>t</sub>)) of each step
      in nats (Eq. 10-11); step t in red</figcaption></figure>
    <div class="numbers" id="step-numbers"></div>
    </section>

    <section id="sandbox">
    <h2>2. The attention sandbox (Eq. 19-29)</h2>
    <p>The decoder places each window with five numbers (Eq. 21). Move them yourself: the page computes the
    window (Eq. 22-24), the N filter centres on each axis (Eq. 19-20), the filterbanks F<sub>X</sub> and
    F<sub>Y</sub> (Eq. 25-26), the glimpse &gamma; F<sub>Y</sub> x F<sub>X</sub><sup>T</sup> (Eq. 27) and the glimpse
    written back, (1/&gamma;) F<sub>Y</sub><sup>T</sup> r F<sub>X</sub> (Eq. 29), in JavaScript, as the Swift of
    Sources/MiniDRAW/Paper/PaperAttention.swift and PaperReadWrite.swift does.</p>
    <div class="controls">
      <label>image <select id="sandbox-image"></select></label>
      <button id="use-read" type="button">the <span class="read">read window</span> of step t</button>
      <button id="use-write" type="button">the <span class="write">write window</span> of step t</button>
      <button id="use-default" type="button">all zero (an untrained decoder)</button>
    </div>
    <div class="sandbox">
    <table class="sliders">
      <tr><th>Eq. 21 emits</th><th></th><th>which becomes</th><th></th></tr>
      <tr><td>g&#771;<sub>X</sub></td><td><input type="range" id="raw-center-x" min="-1.5" max="1.5" step="any" value="0">
        <span class="value" id="raw-center-x-value"></span></td>
        <td>g<sub>X</sub> = (A + 1)/2 (g&#771;<sub>X</sub> + 1) (Eq. 22)</td><td class="value" id="center-x-value"></td></tr>
      <tr><td>g&#771;<sub>Y</sub></td><td><input type="range" id="raw-center-y" min="-1.5" max="1.5" step="any" value="0">
        <span class="value" id="raw-center-y-value"></span></td>
        <td>g<sub>Y</sub> = (B + 1)/2 (g&#771;<sub>Y</sub> + 1) (Eq. 23)</td><td class="value" id="center-y-value"></td></tr>
      <tr><td>log &sigma;<sup>2</sup></td><td><input type="range" id="raw-variance" min="-4" max="4" step="any" value="0">
        <span class="value" id="raw-variance-value"></span></td>
        <td>&sigma;<sup>2</sup> = exp(log &sigma;<sup>2</sup>) (Eq. 21)</td><td class="value" id="variance-value"></td></tr>
      <tr><td>log &delta;&#771;</td><td><input type="range" id="raw-stride" min="-4" max="1.5" step="any" value="0">
        <span class="value" id="raw-stride-value"></span></td>
        <td>&delta; = (max(A, B) &minus; 1)/(N &minus; 1) exp(log &delta;&#771;) (Eq. 24)</td><td class="value" id="stride-value"></td></tr>
      <tr><td>log &gamma;</td><td><input type="range" id="raw-intensity" min="-3" max="3" step="any" value="0">
        <span class="value" id="raw-intensity-value"></span></td>
        <td>&gamma; = exp(log &gamma;) (Eq. 21)</td><td class="value" id="intensity-value"></td></tr>
      <tr><td>N</td><td><input type="range" id="grid-size" min="1" max="12" step="1" value="5">
        <span class="value" id="grid-size-value"></span></td>
        <td>&mu;<sup>i</sup> = g + (i &minus; N/2 &minus; 1/2) &delta;, i = 1&hellip;N (Eq. 19-20)</td>
        <td class="value" id="centres-value"></td></tr>
    </table>
    <figure><canvas id="sandbox-view"></canvas>
      <figcaption>the image, the grid's extent g &plusmn; N&delta;/2 and its N&times;N filter centres</figcaption></figure>
    </div>
    <div class="panels">
      <figure><canvas id="filter-x-view"></canvas>
        <figcaption>F<sub>X</sub> [N, A] (Eq. 25): row i is filter i over the columns a = 1&hellip;A</figcaption></figure>
      <figure><canvas id="filter-y-view"></canvas>
        <figcaption>F<sub>Y</sub> [N, B] (Eq. 26): row j is filter j over the rows b = 1&hellip;B</figcaption></figure>
      <figure><canvas id="sandbox-glimpse-view"></canvas>
        <figcaption>the glimpse &gamma; F<sub>Y</sub> x F<sub>X</sub><sup>T</sup> (Eq. 27), N&times;N, 1 is white</figcaption></figure>
      <figure><canvas id="written-back-view"></canvas>
        <figcaption id="written-back-caption">written back, (1/&gamma;) F<sub>Y</sub><sup>T</sup> r F<sub>X</sub> (Eq. 29)</figcaption></figure>
    </div>
    </section>

    <section id="check">
    <h2>3. The page checks itself</h2>
    <p>The page holds the filterbanks, glimpses and write-backs that the Swift paper model computed for a few fixed
    slider settings. On load it computes them again with the JavaScript above and compares:
    <span id="self-check">not run (is JavaScript off?)</span></p>
    </section>

    """#
}
