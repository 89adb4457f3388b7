// SPDX-License-Identifier: MIT
// The emulator webview in real VS Code (code-server 4.139.1 + the packaged
// .vsix, driven by Chromium through playwright-core): the live stream of
// S1 and S4 with its green/red cells, the platform picker, the address box,
// Replay in emulator from the nicvf diagnostic (matrix outcomes, the link back
// to the source), keyboard use, virtualisation, trace export, restore after a
// window reload, rejection of malformed webview messages, and the panel at
// the width Replay opens it (≈490 px) and at 220 px.
// Screenshots: test-results/screenshots/webview-*.png.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import * as h from './harness';
import * as w from './webview-helpers';

const SOURCE = 'nicvf_queues.c';

describe('IOVA Lens emulator webview in code-server (UI)', { timeout: 40 * 60_000 }, () => {
  let server: h.Server | undefined;
  let session: h.BrowserSession | undefined;
  let setupError: Error | undefined;

  before(async () => {
    try {
      await h.ensureTools();
      const vsix = process.env.IOVA_E2E_VSIX ? path.resolve(process.env.IOVA_E2E_VSIX) : h.packageVsix();
      server = await h.startCodeServer(vsix);
      session = await h.launchBrowser();
    } catch (e) {
      setupError = e instanceof Error ? e : new Error(String(e));
    }
  }, { timeout: 30 * 60_000 });

  after(async () => {
    await session?.close();
    await server?.stop();
  });

  async function step(name: string, fn: (page: Page, view: w.View) => Promise<void>): Promise<void> {
    if (setupError) throw new Error(`end-to-end setup failed (toolchain, packaging or code-server): ${setupError.message}`, { cause: setupError });
    assert.ok(session && server, 'code-server/browser did not start');
    const page = session.page;
    const start = Date.now();
    try {
      await fn(page, h.webviewFrame(page));
      await page.mouse.move(1400, 880);
      await h.screenshot(page, name, 'webview');
      h.log(`step "${name}" passed in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    } catch (e) {
      const shot = await h.screenshot(page, `FAILED-${name}`, 'webview');
      const err = e instanceof Error ? e : new Error(String(e));
      err.message += `\n  screenshot: ${path.relative(h.ROOT, shot)}\n  code-server log tail:\n${server.logTail(15)}`
        + `\n  browser console tail:\n${session.console.filter((l) => !/open-vsx|ENOTFOUND|serviceWorker/.test(l)).slice(-15).join('\n')}`;
      throw err;
    }
  }

  test('S1 plays as a live stream of green translation rows', { timeout: 180_000 }, () => step('S1-stream', async (page, view) => {
    await h.openWorkbench(page, h.workbenchUrl(server!));
    await w.runCommandWhenListed(page, 'IOVA Lens: Open Emulator');
    await page.locator('.tabs-container .tab', { hasText: 'IOVA Lens Emulator' }).waitFor({ state: 'visible' });
    await view.locator('#title').waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await w.text(view, '#title'), 'IOVA Lens Emulator');
    await w.waitOutcome(view, /correct/);
    // the stream is playing: rows appear while the cursor advances
    await h.eventually(async () => assert.ok((await view.locator('#rows tr.xrow').count()) > 0, 'rows appear while playing'));
    await w.playToEnd(view);
    const rows = await w.rows(view);
    assert.ok(rows.length > 5, `${rows.length} rendered rows`);
    // the view follows the stream: the last rows are on screen — the last one whole, not below the list's end
    assert.equal(rows[rows.length - 1].n, String(Number(/Translations \((\d+);/.exec(await w.text(view, '#rows-h'))?.[1]) - 1));
    const inside = async (row: ReturnType<w.View['locator']>) => {
      const box = (await view.locator('#rows-scroll').boundingBox())!;
      const r = (await row.boundingBox())!;
      return r.y >= box.y - 0.5 && r.y + r.height <= box.y + box.height + 0.5;
    };
    await h.eventually(async () => assert.ok(await inside(view.locator('#rows tr.xrow').last()), 'the newest row is inside the list'));
    await view.locator('#rows-scroll').focus();
    await view.locator('#rows-scroll').press('End');
    await h.eventually(async () => assert.ok(await inside(view.locator('#rows tr.xrow.selected')), 'End: the selected (last) row is inside the list'));
    for (const r of rows) {
      assert.equal(r.ok, 'true', `S1 row ${r.n}: ${r.why}`);
      assert.match(r.cells.pa.cls, /\bok\b/, `S1 row ${r.n} PA: ${r.cells.pa.cls}`);
      assert.ok(w.isGreen(r.cells.pa.color), `S1 row ${r.n} PA is green: ${r.cells.pa.color}`);
      // teardown rows compute no VA; whatever is judged is green
      for (const k of ['walk', 'va', 'page', 'ref']) assert.doesNotMatch(r.cells[k].cls, /\bbad\b/, `S1 row ${r.n} ${k}: ${r.cells[k].cls}`);
      assert.match(r.cells.walk.text, /^L1\[\d+\] → L2\[\d+\] → L3\[\d+\]$/);
      assert.equal(r.why, 'matches the truth');
    }
    // receive rows (the first ones) are green through VA and struct page
    await view.locator('#rows-scroll').focus();
    await view.locator('#rows-scroll').press('Home');
    const first = (await w.rows(view))[0];
    assert.equal(first.n, '0');
    for (const k of ['pa', 'va', 'page', 'ref']) {
      assert.match(first.cells[k].cls, /\bok\b/, `S1 row 0 ${k}: ${first.cells[k].cls}`);
      assert.ok(w.isGreen(first.cells[k].color), `S1 row 0 ${k} is green: ${first.cells[k].color}`);
    }
    assert.match(await w.text(view, '#rows-h'), /0 wrong/);
    // pictures: the walk level by level and the memory map with marks
    assert.ok((await view.locator('#walk-svg g.wbox').count()) >= 5, 'IOVA box, three levels, PA box');
    assert.ok((await view.locator('#map-svg g.mark').count()) >= 3, 'memory map marks');
    // the events table is virtualised: 1376 events, a screenful of rows in the DOM
    const total = Number(/\/ (\d+) events/.exec(await w.text(view, '#progress'))?.[1]);
    const live = await view.locator('#events tr.event').count();
    assert.ok(total > 1000 && live > 0 && live < 100, `${live} event rows in the DOM for ${total} events`);
    const ops = await view.locator('#events tr.event').evaluateAll((trs) => trs.map((t) => (t as unknown as { getAttribute(n: string): string | null }).getAttribute('data-op')));
    assert.ok(ops.every((o) => typeof o === 'string' && o.length > 0));
  }));

  test('S4: the nicvf row is red with one-line reasons (wrong page, outside the linear map, fault)', { timeout: 120_000 }, () => step('S4-red-rows', async (_page, view) => {
    await view.locator('#scenario').selectOption('S4');
    await w.waitOutcome(view, /fault/);
    await w.playToEnd(view);
    const rows = await w.rows(view);
    const bad = rows.find((r) => r.ok === 'false');
    assert.ok(bad, `a red row among ${JSON.stringify(rows.map((r) => r.why))}`);
    assert.match(bad.cells.pa.cls, /\bbad\b/);
    assert.ok(w.isRed(bad.cells.pa.color), `PA cell red: ${bad.cells.pa.color}`);
    assert.match(bad.cells.pa.title, /another page \(buffer at 0x8123_0782\)/);
    assert.match(bad.cells.va.title, /outside the linear map/);
    assert.ok(w.isRed(bad.cells.va.color), `VA cell red: ${bad.cells.va.color}`);
    assert.ok(w.isRed(bad.whyColor), `reason red: ${bad.whyColor}`);
    assert.match(bad.why, /PA: another page/);
    const good = rows.find((r) => r.ok === 'true');
    assert.ok(good && w.isGreen(good.cells.pa.color), 'the dma_to_phys row (what the driver should use) is green');
    // keyboard: the row list takes ↑/↓/Home and the detail follows the selection
    await view.locator('#rows-scroll').focus();
    await view.locator('#rows-scroll').press('Home');
    await h.eventually(async () => assert.equal(await view.locator('#rows tr.xrow[aria-selected="true"]').getAttribute('data-n'), '0'));
    await view.locator('#rows-scroll').press('ArrowDown');
    await h.eventually(async () => assert.equal(await view.locator('#rows tr.xrow[aria-selected="true"]').getAttribute('data-n'), '1'));
    assert.match(await w.text(view, '#row-detail'), /outside the linear map/);
    assert.ok((await view.locator('#walk-svg g.wbox.bad').count()) >= 1, 'the walk picture marks the wrong PA');
    // playback keys: r restarts and plays, p pauses
    await view.locator('#rows-scroll').press('r');
    await view.locator('#rows-scroll').press('p');
    await h.eventually(async () => assert.equal(await view.locator('#pb-play').getAttribute('aria-pressed'), 'false'));
    await view.locator('#pb-step').click();
    assert.match(await w.text(view, '#progress'), /^\d+ \/ 16 events$/);
  }));

  test('switching platforms re-runs the program', { timeout: 120_000 }, () => step('platform-switch', async (_page, view) => {
    // The platform line is awaited, not read once: the outcome before and after a switch can be the
    // same (smmuv3 dma and identity are both "correct"), so waitOutcome may return before the re-run.
    await view.locator('#pf-preset').selectOption('arm64-64k-smmuv3');
    await w.waitOutcome(view, /^correct$/);
    await h.eventually(async () => assert.match(await w.text(view, '#platform'), /platform: arm64-64k-smmuv3 /));
    await view.locator('#pf-domain').selectOption('identity');
    await w.waitOutcome(view, /^correct$/);
    await h.eventually(async () => assert.match(await w.text(view, '#platform'), /platform: arm64-64k-smmuv3,domain=identity /));
    await view.locator('#pf-era').selectOption('2017');
    await w.waitOutcome(view, /null/);
    await h.eventually(async () => assert.match(await w.text(view, '#platform'), /domain=identity,era=2017/));
    // The scenario's driver runs again, not just its chain: S2's story — every receive looks up 0.
    assert.match(await w.text(view, '#chain'), /^program nicvf-2017 · chain: dma-handle → iova-to-phys\|identity/);
    await w.playToEnd(view);
    const rows = await w.rows(view);
    assert.ok(rows.length > 1, `${rows.length} rows`);
    await view.locator('#rows-scroll').focus();
    await view.locator('#rows-scroll').press('Home');
    const first = (await w.rows(view))[0];
    assert.equal(first.cells.pa.text, '0x0');
    assert.ok(w.isRed(first.cells.pa.color));
    // an impossible combination is refused by the emulator with its reason
    await view.locator('#pf-domain').selectOption('dma-fq');
    await h.eventually(async () => assert.match(await w.text(view, '#error'), /dma-fq did not exist in era 2017/));
    // dma-ranges offset on a platform without IOMMU
    await view.locator('#pf-preset').selectOption('arm64-64k');
    await w.waitOutcome(view, /^correct$/);
    await view.locator('#pf-offset').fill('0x8000_0000');
    await view.locator('#pf-offset').press('Enter');
    await view.locator('#pf-offset').blur();
    await h.eventually(async () => assert.match(await w.text(view, '#platform'), /dma-offset=0x80000000/));
    assert.equal(await w.text(view, '#error'), '');
  }));

  test('the address box shows an address in every space, with the walk', { timeout: 120_000 }, () => step('address-box', async (_page, view) => {
    await view.locator('#scenario').selectOption('S1');
    await w.waitOutcome(view, /correct/);
    await w.playToEnd(view);
    await view.locator('#address').fill('0x9_1230_0782');
    await view.locator('#address').press('Enter');
    const p2v = view.locator('#address-result tr.addr-row[data-fn="phys_to_virt"]');
    await p2v.waitFor({ state: 'visible' });
    assert.match((await p2v.textContent()) ?? '', /0xffff_0008_9230_0782/);
    assert.match((await view.locator('#address-result tr.addr-row[data-fn="pfn_to_page"]').textContent()) ?? '', /0xffff_ffdf_c224_8c00/);
    assert.ok((await view.locator('#address-result tr.addr-row[data-space="as a kernel VA"]').count()) > 0);
    assert.ok((await view.locator('#address-result tr.addr-row[data-space="as a DMA address"]').count()) > 0);
    // an IOVA of the run: its mapping and the walk, level by level
    await view.locator('#address').fill('fffe0782');
    await view.locator('#address').press('Enter');
    await view.locator('#address-result tr.addr-row[data-fn="mapping"]').waitFor({ state: 'visible' });
    assert.match((await view.locator('#address-result tr.addr-row[data-fn="mapping"]').textContent()) ?? '', /0xfffe_0000 → 0x9_123/);
    for (const l of ['walk L1[0]', 'walk L2[7]', 'walk L3[8190]']) assert.equal(await view.locator(`#address-result tr.addr-row[data-fn="${l}"]`).count(), 1, l);
    // not an address: said so, and the last address's rows are gone (they would read as this text's answer)
    await view.locator('#address').fill('0xZZ');
    await view.locator('#address').press('Enter');
    assert.match(await w.text(view, '#address-error'), /not a hex address/);
    assert.equal(await view.locator('#address-result tr.addr-row').count(), 0);
    await view.locator('#address').fill('0x1_0000_0000_0000_0000');
    await view.locator('#address').press('Enter');
    assert.match(await w.text(view, '#address-error'), /more than 64 bits/);
    // as many "_" as one likes: the host gets the address, not the text
    await view.locator('#address').fill(`0x9_1230${'_'.repeat(60)}0782`);
    await view.locator('#address').press('Enter');
    await p2v.waitFor({ state: 'visible' });
    assert.equal(await view.locator('#status[data-rejected]').count(), 0, 'nothing rejected by the host');
  }));

  test(`Replay in emulator from the ${SOURCE}:50 quick fix opens the matrix with the outcome per platform`, { timeout: 180_000 }, () => step('replay-matrix', async (page, view) => {
    await h.openFile(page, SOURCE);
    await h.waitForProblems(page, (r) => r.some((x) => x.includes('linear-map-assumption') && /\[Ln 50,/.test(x)), 60_000);
    await w.goToLineColumn(page, 50, 32);
    await h.eventually(async () => {
      await page.keyboard.press('Control+.');
      const item = page.locator('.action-widget .monaco-list-row', { hasText: 'Replay in emulator' }).first();
      await item.waitFor({ state: 'visible', timeout: 5000 });
    }, 60_000, 500);
    await h.screenshot(page, 'quick-fix-menu', 'webview');
    await page.locator('.action-widget .monaco-list-row', { hasText: 'Replay in emulator' }).first().click();
    await view.locator('#matrix-section').waitFor({ state: 'visible', timeout: 60_000 });
    const title = await w.text(view, '#matrix-title');
    assert.match(title, /linear-map-assumption/);
    assert.match(title, /line 50/);
    assert.match(title, /nicvf_free_rcv_buffer/);
    const m = await w.matrix(view);
    h.log(`matrix: ${JSON.stringify(m)}`);
    // Line 50 is `if (phys_addr) put_page(…)`: the driver tests the lookup's 0 and skips put_page — the page
    // leaks, nothing oopses (without the test the replay would put_page a bogus struct page: null, fault).
    assert.equal(m['thunderx-2017-identity'], 'null leak', 'identity domain 2017 → null, and the skipped put_page leaks');
    assert.match(await w.text(view, '#matrix-chain'), /· the code tests iova-to-phys\|identity \(step 1\) for 0 and stops there on 0$/);
    assert.match(m['arm64-64k-dma-ranges'], /\bfault\b/, 'dma-ranges offset → fault');
    assert.match(m['arm64-64k-swiotlb-force'], /\bbounce-slot\b/, 'SWIOTLB forced → bounce-slot');
    assert.equal(m['arm64-64k-smmuv3'], 'correct', 'IOMMU DMA domain → correct');
    assert.ok(Object.keys(m).length >= 12, `${Object.keys(m).length} platforms`);
    // the panel opened the first failing cell's run below the matrix
    await h.eventually(async () => assert.equal(await view.locator('#matrix tr.matrix-row.open').count(), 1));
    // the identity/2017 cell: the run ends at the test, the trace says what was skipped and why
    await view.locator('#matrix button.mcell[data-platform="thunderx-2017-identity"]').click();
    await w.waitOutcome(view, /^null, leak$/);
    await h.eventually(async () => assert.match(await w.text(view, '#platform'), /platform: thunderx-2017-identity /));
    assert.match(await w.text(view, '#chain'), /chain: dma-handle → iova-to-phys\|identity → phys-to-virt → virt-to-page → put-page · the code tests iova-to-phys\|identity \(step 1\) for 0/);
    await w.playToEnd(view);
    const skipped = await view.locator('#events tr.event', { hasText: 'gave 0 and the driver tests for it' }).count();
    assert.equal(skipped, 1, 'the skip is a line of the trace');
    assert.equal(await view.locator('#events tr.event[data-op="fault"]').count(), 0, 'no oops');
    const idRows = await w.rows(view);
    assert.ok(idRows.length === 1 && idRows[0].cells.pa.text === '0x0' && w.isRed(idRows[0].cells.pa.color), JSON.stringify(idRows));
    await h.eventually(async () => assert.match(await w.text(view, '#row-detail'), /iova-to-phys gave 0 and the driver tests for it: it skips phys-to-virt → virt-to-page → put-page/));
    // (The picture: the row, its detail with the skip, and the trace's last lines.)
    await view.locator('#rows-h').evaluate((e) => (e as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'start' }));
    await page.mouse.move(1400, 880);
    await h.screenshot(page, 'replay-guard-identity', 'webview');
    // a cell opens its run's stream
    await view.locator('#matrix button.mcell[data-platform="arm64-64k-dma-ranges"]').click();
    await w.waitOutcome(view, /fault/);
    await h.eventually(async () => assert.match(await w.text(view, '#platform'), /platform: arm64-64k-dma-ranges /));
    assert.equal(await view.locator('#matrix tr.matrix-row.open').getAttribute('data-platform'), 'arm64-64k-dma-ranges');
    await w.playToEnd(view);
    const rows = await w.rows(view);
    assert.ok(rows.length === 1 && rows[0].ok === 'false' && w.isRed(rows[0].cells.pa.color), JSON.stringify(rows));
    // keyboard: the matrix is one Tab stop, ↓ moves between cells, Enter opens
    const stops = () => view.locator('#matrix button.mcell[tabindex="0"]');
    assert.equal(await stops().count(), 1, 'one Tab stop in the matrix');
    await view.locator('#matrix button.mcell[data-platform="arm64-64k-smmuv3"]').focus();
    assert.equal(await stops().getAttribute('data-platform'), 'arm64-64k-smmuv3', 'the Tab stop follows the focus');
    await page.keyboard.press('Enter');
    await w.waitOutcome(view, /^correct$/);
    await view.locator('#matrix button.mcell[data-platform="arm64-64k-dma-ranges"]').click();
    await w.waitOutcome(view, /fault/);
  }));

  test('the source link jumps back to the code', { timeout: 120_000 }, () => step('source-link', async (page, view) => {
    const link = view.locator('#source-link');
    assert.match((await link.textContent()) ?? '', /nicvf_queues\.c:50 \(nicvf_free_rcv_buffer\)/);
    // The source editor's cursor was left at line 50, column 32 by the quick-fix step;
    // the link puts it at the start of line 50.
    await link.click();
    await h.activeTab(page, SOURCE).waitFor({ state: 'visible' });
    await page.locator('.statusbar-item', { hasText: /^\s*Ln 50, Col 1\s*$/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    // the emulator stays in view beside the source
    await view.locator('#matrix-section').waitFor({ state: 'visible' });
  }));

  test('Export trace writes the run as JSON', { timeout: 120_000 }, () => step('export', async (page, view) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iova-trace-'));
    const file = path.join(dir, 'trace.json');
    try {
      await view.locator('#export').click();
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await h.eventually(async () => assert.match(await input.inputValue(), /iova-lens-trace-chain-arm64-64k-dma-ranges\.json$/));
      await input.fill(file);
      await h.sleep(500); // the simple file dialog validates the typed path
      await page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).first().click();
      await h.eventually(async () => assert.ok(fs.existsSync(file), `${file} written`));
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(json.platform.name, 'arm64-64k-dma-ranges');
      assert.deepEqual(json.outcome, ['fault']);
      assert.ok(json.events.length > 0 && json.events.every((e: { op?: unknown }) => typeof e.op === 'string'));
      assert.match(JSON.stringify(json.truth), /"pa":"0x[0-9a-f]+"/);
      await h.eventually(async () => assert.match(await w.text(view, '#status'), /Trace saved to .*trace\.json/));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }));

  test('malformed messages from the webview are rejected', { timeout: 60_000 }, () => step('malformed-rejected', async (_page, view) => {
    const before = await w.text(view, '#outcome');
    await view.locator('body').evaluate(() => {
      const g = globalThis as unknown as { dispatchEvent(e: unknown): boolean; CustomEvent: new (t: string) => unknown };
      g.dispatchEvent(new g.CustomEvent('iova-lens:selftest-malformed'));
    });
    await h.eventually(async () => assert.equal(await view.locator('#status').getAttribute('data-rejected'), '10'));
    assert.match(await w.text(view, '#status'), /rejected 10 malformed messages/);
    assert.equal(await w.text(view, '#outcome'), before, 'nothing ran');
    assert.equal(await w.text(view, '#error'), '');
  }));

  test('after a window reload the panel is restored with its matrix, run and selection', { timeout: 180_000 }, () => step('restored-after-reload', async (page, view) => {
    await w.playToEnd(view);
    await view.locator('#rows-scroll').focus();
    await view.locator('#rows-scroll').press('Home');
    await view.locator('#address').fill('0x123_0780');
    await view.locator('#address').press('Enter');
    await h.sleep(800); // let setState reach the workbench
    const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
    await h.runCommand(page, 'Developer: Reload Window');
    await reloaded;
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.tabs-container .tab', { hasText: 'IOVA Lens Emulator' }).waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.tabs-container .tab', { hasText: 'IOVA Lens Emulator' }).click();
    await view.locator('#title').waitFor({ state: 'visible', timeout: 60_000 });
    await w.waitOutcome(view, /fault/, 60_000);
    await h.eventually(async () => assert.match(await w.text(view, '#platform'), /platform: arm64-64k-dma-ranges /));
    await view.locator('#matrix-section').waitFor({ state: 'visible' });
    assert.match(await w.text(view, '#matrix-title'), /nicvf_free_rcv_buffer.*line 50|line 50/);
    assert.match(await w.text(view, '#progress'), /^(\d+) \/ \1 events$/, 'cursor restored at the end');
    assert.equal(await view.locator('#address').inputValue(), '0x123_0780');
    await h.eventually(async () => assert.ok((await view.locator('#address-result tr.addr-row').count()) > 0));
  }));

  // Replay opens the panel beside the editor, ≈490 px wide; VS Code lets an editor group get down to 220 px.
  // (A sideways-scrolling table went unnoticed there: VS Code's overlay scrollbars do not show until hovered.)
  test('beside an editor (≈490 px) and at 220 px the panel reflows: no control, value or reason is cut or off to the side', { timeout: 180_000 }, () => step('narrow-panel', async (page, view) => {
    const frame = page.locator(`iframe.webview.ready[src*="extensionId=${h.EXTENSION_ID}"]`);
    const size = page.viewportSize() ?? { width: 1440, height: 900 };
    const controls = '#scenario, #open-matrix, #export, #close-matrix, #source-link, #matrix button.mcell, #picker select, #picker input, '
      + '#controls button, #pb-speed, #address, #address-form button';
    try {
      // S4: a red row (the widest VA, 0xffff_ffff_8123_0780, and a reason) and a green one
      await view.locator('#scenario').selectOption('S4');
      await w.waitOutcome(view, /fault/);
      await w.playToEnd(view);
      await view.locator('#address').fill('0x9_1230_0782');
      await view.locator('#address').press('Enter');
      await view.locator('#address-result tr.addr-row[data-fn="phys_to_virt"]').waitFor({ state: 'visible' });
      // Wide (1000 px, about the panel alone in the editor area): the table, its addresses whole — a VA's last digits
      // (…_0780 against the buffer's …_0782) are what a reviewer compares.
      const wide = await w.setWebviewWidth(page, view, 1000);
      assert.ok(Math.abs(wide - 1000) <= 6, `the webview is ${wide} px wide, wanted 1000`);
      assert.ok(await view.locator('.stream > table.head').isVisible(), 'at 1000 px the stream is a table');
      await view.locator('#rows tr.xrow[data-ok="false"]').scrollIntoViewIfNeeded();
      const full = await w.notWhole(view, '#rows tr.xrow td[data-key="dev"], #rows tr.xrow td[data-key="pa"], #rows tr.xrow td[data-key="va"], #rows tr.xrow td[data-key="page"]', { text: true });
      assert.deepEqual(full, [], `addresses whole in the table at ${wide} px`);
      assert.match(await view.locator('#rows tr.xrow[data-ok="false"] td[data-key="va"]').innerText(), /^0xffff_ffff_8123_0780$/);
      await h.screenshot(page, 'wide-1000-stream', 'webview');
      for (const target of [490, 220]) {
        const width = await w.setWebviewWidth(page, view, target);
        assert.ok(Math.abs(width - target) <= 6, `the webview is ${width} px wide, wanted ${target}`);
        assert.deepEqual(await w.notWhole(view, controls), [], `controls at ${width} px`);
        assert.deepEqual(await w.notWhole(view, '#address-result tr.addr-row > *'), [], `address rows at ${width} px`);
        assert.equal(await w.sidewaysOverflow(view), 0, `at ${width} px the panel does not scroll sideways`);
        // every value and reason of the translation rows shown whole, inside the panel
        const bad = view.locator('#rows tr.xrow[data-ok="false"]');
        await bad.scrollIntoViewIfNeeded();
        assert.deepEqual(await w.notWhole(view, '#rows tr.xrow td', { text: true }), [], `translation rows at ${width} px`);
        assert.match(await bad.locator('td.why').innerText(), /^PA: another page \(buffer at 0x8123_0782\)$/);
        assert.match(await bad.locator('td[data-key="va"]').innerText(), /0xffff_ffff_8123_0780/);
        const f = (await frame.boundingBox())!;
        for (const key of ['td[data-key="va"]', 'td[data-key="page"]', 'td[data-key="ref"]', 'td.why']) {
          const b = (await bad.locator(key).boundingBox())!;
          assert.ok(b.x >= f.x - 0.5 && b.x + b.width <= f.x + f.width + 0.5 && b.y >= f.y - 0.5 && b.y + b.height <= f.y + f.height + 0.5,
            `${key} of the red row at ${JSON.stringify(b)}, inside the webview at ${JSON.stringify(f)} (${width} px)`);
        }
        await h.screenshot(page, `narrow-${target}-stream`, 'webview');
        await view.locator('#picker').scrollIntoViewIfNeeded();
        await h.screenshot(page, `narrow-${target}-controls`, 'webview');
      }
    } finally {
      await page.setViewportSize(size);
    }
  }));
});
