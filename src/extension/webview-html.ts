// SPDX-License-Identifier: MIT
// The emulator panel's HTML: pure, so it is unit-tested. Strict CSP with a
// per-render nonce; no data in the HTML (everything arrives by message); no
// inline handlers or styles. The skeleton's ids are what src/webview/*.ts
// and the end-to-end tests use.
export interface HtmlParts {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function renderHtml(p: HtmlParts): string {
  const csp = [
    "default-src 'none'",
    `style-src ${p.cspSource}`,
    `img-src ${p.cspSource} data:`,
    `font-src ${p.cspSource}`,
    `script-src 'nonce-${p.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${p.styleUri}">
<title>IOVA Lens Emulator</title>
</head>
<body>
<header class="bar">
  <h1 id="title">IOVA Lens Emulator</h1>
  <label>Scenario <select id="scenario" aria-label="Scenario"></select></label>
  <button type="button" id="open-matrix" title="Run this chain on every platform preset">Matrix</button>
  <button type="button" id="export" title="Save the current run's trace as JSON">Export trace…</button>
  <span id="status" role="status" aria-live="polite"></span>
</header>

<section id="matrix-section" aria-labelledby="matrix-title" hidden>
  <div class="bar">
    <h2 id="matrix-title">Matrix</h2>
    <button type="button" id="source-link" class="link" hidden></button>
    <button type="button" id="close-matrix" aria-label="Close the matrix">Close</button>
  </div>
  <p id="matrix-chain" class="mono"></p>
  <table id="matrix" class="grid">
    <caption class="sr-only">Outcome of the chain on every platform; activate a cell to open its run</caption>
    <thead><tr><th scope="col">Platform</th><th scope="col">IOMMU · domain · era · DMA</th><th scope="col">Outcome</th></tr></thead>
    <tbody></tbody>
  </table>
</section>

<section id="run-section" aria-labelledby="run-h">
  <h2 id="run-h" class="sr-only">Run</h2>
  <fieldset id="picker">
    <legend>Platform</legend>
    <label>Preset <select id="pf-preset"></select></label>
    <label>Arch <select id="pf-arch"></select></label>
    <label>Page <select id="pf-page"></select></label>
    <label>IOMMU <select id="pf-iommu"></select></label>
    <label>Domain <select id="pf-domain"></select></label>
    <label>Era <select id="pf-era"></select></label>
    <label>dma-ranges offset <input id="pf-offset" class="mono" size="14" spellcheck="false" autocomplete="off"></label>
    <label>SWIOTLB <select id="pf-swiotlb"></select></label>
    <label><input type="checkbox" id="pf-untrusted"> untrusted</label>
  </fieldset>
  <p id="platform" class="muted"></p>
  <div id="summary">
    <p>Outcome: <strong id="outcome" aria-live="polite">loading…</strong></p>
    <p id="chain" class="mono"></p>
    <p id="truth" class="mono"></p>
  </div>
  <div id="controls" class="bar" role="toolbar" aria-label="Playback">
    <button type="button" id="pb-restart" title="Restart (r)">Restart</button>
    <button type="button" id="pb-play" title="Play / pause (p)">▶ Play</button>
    <button type="button" id="pb-step" title="Step to the next translation (s)">Step</button>
    <button type="button" id="pb-end" title="Show everything (e)">End</button>
    <label>Speed <select id="pb-speed"></select></label>
    <span id="progress" class="muted"></span>
  </div>
  <div class="split">
    <div class="stream">
      <h3 id="rows-h">Translations</h3>
      <table class="grid head" aria-hidden="true"><colgroup><col class="c-num"><col class="c-dev"><col class="c-walk"><col class="c-pa"><col class="c-va"><col class="c-page"><col class="c-ref"><col class="c-why"></colgroup><thead><tr><th>#</th><th>device address</th><th>IOMMU walk</th><th>PA</th><th>phys_to_virt VA</th><th>struct page</th><th>ref</th><th>why</th></tr></thead></table>
      <div id="rows-scroll" class="vscroll" tabindex="0" role="grid" aria-labelledby="rows-h" aria-rowcount="0">
        <table id="rows" class="grid fixed"><colgroup><col class="c-num"><col class="c-dev"><col class="c-walk"><col class="c-pa"><col class="c-va"><col class="c-page"><col class="c-ref"><col class="c-why"></colgroup><tbody></tbody></table>
      </div>
      <p id="row-detail" class="mono"></p>
    </div>
    <aside class="pictures" aria-label="Pictures">
      <figure><h3>Page-table walk</h3><svg id="walk-svg" role="img" aria-label="Page-table walk of the current translation" width="380" height="300"></svg></figure>
      <figure><h3>Memory map</h3><svg id="map-svg" role="img" aria-label="Memory map with the current translation's addresses" width="380" height="300"></svg></figure>
    </aside>
  </div>
  <section id="address-section" aria-labelledby="address-h">
    <h3 id="address-h">Address</h3>
    <form id="address-form" class="bar">
      <label for="address">IOVA, PA or VA (hex)</label>
      <input id="address" class="mono" size="24" spellcheck="false" autocomplete="off" placeholder="0x9_1230_0782">
      <button type="submit">Look up</button>
      <span id="address-error" class="bad" role="alert"></span>
    </form>
    <table id="address-result" class="grid"><tbody></tbody></table>
  </section>
  <section aria-labelledby="events-h">
    <h3 id="events-h">Events</h3>
    <div id="events-scroll" class="vscroll" tabindex="0" aria-labelledby="events-h">
      <table id="events" class="grid fixed"><thead><tr><th>#</th><th>op</th><th>detail</th></tr></thead><tbody></tbody></table>
    </div>
  </section>
</section>
<p id="error" role="alert"></p>
<script nonce="${p.nonce}" src="${p.scriptUri}"></script>
</body>
</html>`;
}
