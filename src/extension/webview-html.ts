// SPDX-License-Identifier: MIT
// The emulator panel's HTML: pure, so it is unit-tested. Strict CSP with a
// per-render nonce; no data in the HTML (it arrives by message); no inline
// handlers.
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
<header>
  <h1 id="title">IOVA Lens Emulator</h1>
  <label>Scenario <select id="scenario" aria-label="Scenario"></select></label>
  <span id="platform" aria-live="polite"></span>
</header>
<section aria-labelledby="outcome-h">
  <h2 id="outcome-h">Outcome</h2>
  <p id="outcome" aria-live="polite">loading…</p>
  <p id="chain"></p>
  <p id="truth"></p>
</section>
<section aria-labelledby="events-h">
  <h2 id="events-h">Events</h2>
  <table id="events"><thead><tr><th>#</th><th>op</th><th>detail</th></tr></thead><tbody></tbody></table>
</section>
<p id="error" role="alert"></p>
<script nonce="${p.nonce}" src="${p.scriptUri}"></script>
</body>
</html>`;
}
