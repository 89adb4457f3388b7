// SPDX-License-Identifier: MIT
// Phase A, issue 7 "Editor experience": what a reviewer sees in real VS Code
// (code-server 4.139.1 + the packaged .vsix, driven by Chromium through
// playwright-core) — the squiggle and the hover (rule, chain, platform table,
// links), each code action applied and its result in the file (Show
// documentation, Replay in emulator, the pfn_to_page quick fix, suppress with a
// reason typed into the input box), a .patch file's diagnostics on its added
// line, Scan Workspace (progress + info notification, Problems count = status
// bar count = the CLI's count), and restricted mode (workspace trust on, the
// folder not trusted: diagnostics still appear).
//
// Every run works on a fresh temporary COPY of test/fixtures/workspace (the
// fixtures are never modified). Screenshots: test-results/screenshots/editor-*.png.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import * as h from './harness';

const THUNDER = 'drivers/net/ethernet/cavium/thunder';
const SOURCE = 'nicvf_queues.c';
const HEADER = 'nicvf_queues.h';
const PATCH = 'rx-teardown.patch';
const REASON = 'buffer comes from alloc_pages and is always in the linear map';

// A patch that re-adds the 2017 teardown: its '+' line (line 11) is flagged.
const PATCH_TEXT = [
  'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
  'Subject: [PATCH] net: thunderx: free by address',
  '',
  `--- a/${THUNDER}/nicvf_queues.c`,
  `+++ b/${THUNDER}/nicvf_queues.c`,
  '@@ -47,5 +47,6 @@ void nicvf_free_rcv_buffer(struct nicvf *nic, u64 buf_addr)',
  ' \tdma_unmap_page_attrs(&nic->pdev->dev, buf_addr, RCV_FRAG_LEN,',
  ' \t\t\t     DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);',
  ' \tif (phys_addr)',
  ' \t\tput_page(virt_to_page(phys_to_virt(phys_addr)));',
  '+\tput_page(virt_to_page(phys_to_virt(nicvf_iova_to_phys(nic, buf_addr))));',
  ' }',
  '',
].join('\n');
const PATCH_PLUS_LINE = 11;

// ----------------------------------------------------------- page helpers ---

/** Screen centre of the first squiggle (of class `cls`) on 1-based `line` in the active editor. */
async function squiggleAt(page: Page, line: number, cls = 'squiggly-warning'): Promise<{ x: number; y: number }> {
  return h.eventually(async () => {
    const p = await h.activeEditor(page).evaluate((editor, a) => {
      const num = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((e) => Number((e.textContent ?? '').trim()) === a.line);
      if (!num) return undefined;
      const nr = num.getBoundingClientRect();
      for (const s of editor.querySelectorAll(`.view-overlays .${a.cls}`)) {
        const r = s.getBoundingClientRect();
        const y = (r.top + r.bottom) / 2;
        if (r.width > 0 && y >= nr.top && y <= nr.bottom) return { x: r.left + Math.min(r.width / 2, 30), y };
      }
      return undefined;
    }, { line, cls });
    assert.ok(p, `a ${cls} squiggle on line ${line}`);
    return p;
  }, 60_000);
}

/** Text of 1-based `line` in the active editor as rendered (non-breaking spaces normalised). */
async function lineText(page: Page, line: number): Promise<string> {
  return h.activeEditor(page).evaluate((editor, n) => {
    const num = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((e) => Number((e.textContent ?? '').trim()) === n);
    if (!num) return '';
    const nr = num.getBoundingClientRect();
    const row = [...editor.querySelectorAll('.view-lines .view-line')].find((e) => {
      const r = e.getBoundingClientRect();
      const y = (r.top + r.bottom) / 2;
      return y >= nr.top && y <= nr.bottom;
    });
    return (row?.textContent ?? '').replace(/\u00a0/g, ' ');
  }, line);
}

/** Puts the cursor on the squiggle of `line` and opens the Quick Fix menu (Ctrl+.); returns the menu rows. */
async function openQuickFix(page: Page, line: number): Promise<Locator> {
  await h.goToLine(page, line);
  const p = await squiggleAt(page, line);
  await page.mouse.click(p.x, p.y); // the cursor on the diagnostic's range
  await page.mouse.move(1400, 880); // no hover over the menu
  const rows = page.locator('.action-widget .monaco-list-row');
  // A Ctrl+. that lands while the workbench is still moving focus (right after
  // a preview tab opened) is dropped — the lightbulb is there, the menu is not
  // (seen once, in the 7th full test run of a session): h.pressUntilVisible presses again.
  await page.keyboard.press('Escape');
  await h.pressUntilVisible(page, 'Control+.', rows.first());
  return rows;
}

async function pickAction(page: Page, line: number, title: string): Promise<string[]> {
  const rows = await openQuickFix(page, line);
  const titles = await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.trim()));
  const row = rows.filter({ hasText: title }).first();
  assert.ok(await row.count(), `Quick Fix menu on line ${line} offers "${title}": ${JSON.stringify(titles)}`);
  await row.click();
  return titles;
}

function cliFindings(ws: string): number {
  const r = spawnSync(process.execPath, [path.join(h.ROOT, 'dist', 'cli.js'), 'scan', ws, '--format', 'json', '--no-cache'], { encoding: 'utf8', cwd: ws });
  return (JSON.parse(r.stdout) as { findings: unknown[] }).findings.length;
}

/** Records the text of every notification toast that appears (the scan's progress toast can be brief). */
async function recordToasts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __toasts: string[] };
    w.__toasts = [];
    const seen = (el: Element) => {
      const t = (el as HTMLElement).innerText?.trim();
      if (t && !w.__toasts.includes(t)) w.__toasts.push(t);
    };
    new MutationObserver(() => document.querySelectorAll('.notification-toast').forEach(seen))
      .observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}
const toasts = (page: Page) => page.evaluate(() => (window as unknown as { __toasts: string[] }).__toasts);

/** The IOVA Lens status bar item's text (e.g. "IOVA Lens: 4"). */
async function statusText(page: Page): Promise<string> {
  const item = page.locator('.statusbar-item', { hasText: /IOVA Lens/ }).first();
  await item.waitFor({ state: 'visible' });
  return (await item.innerText()).trim();
}

// ------------------------------------------------------------------ tests ---

function suite(title: string, opts: { restricted: boolean }, body: (ctx: { ws: () => string; step: (name: string, fn: (page: Page) => Promise<void>) => Promise<void> }) => void): void {
  describe(title, { timeout: 40 * 60_000 }, () => {
    let server: h.Server | undefined;
    let session: h.BrowserSession | undefined;
    let setupError: Error | undefined;
    let ws = '';

    before(async () => {
      try {
        await h.ensureTools();
        ws = h.copyWorkspace(opts.restricted ? 'restricted' : 'editor', { [PATCH]: PATCH_TEXT });
        const vsix = process.env.IOVA_E2E_VSIX ? path.resolve(process.env.IOVA_E2E_VSIX) : h.packageVsix();
        server = await h.startCodeServer(vsix, ws, { restricted: opts.restricted });
        session = await h.launchBrowser();
      } catch (e) {
        setupError = e instanceof Error ? e : new Error(String(e));
      }
    }, { timeout: 30 * 60_000 });

    after(async () => {
      await session?.close();
      await server?.stop();
      if (ws) h.removeWorkspaceCopy(ws);
    });

    const prefix = opts.restricted ? 'editor-restricted' : 'editor';
    async function step(name: string, fn: (page: Page) => Promise<void>): Promise<void> {
      if (setupError) throw new Error(`end-to-end setup failed (toolchain, packaging or code-server): ${setupError.message}`, { cause: setupError });
      assert.ok(session && server, 'code-server/browser did not start');
      const page = session.page;
      const start = Date.now();
      try {
        await fn(page);
        await h.screenshot(page, name, prefix);
        h.log(`step "${name}" passed in ${((Date.now() - start) / 1000).toFixed(1)} s`);
      } catch (e) {
        const shot = await h.screenshot(page, `FAILED-${name}`, prefix);
        const err = e instanceof Error ? e : new Error(String(e));
        err.message += `\n  screenshot: ${path.relative(h.ROOT, shot)}\n  code-server log tail:\n${server.logTail(15)}`
          + `\n  browser console tail:\n${session.console.filter((l) => !/open-vsx|ENOTFOUND|serviceWorker/.test(l)).slice(-15).join('\n')}`;
        throw err;
      }
    }
    test('the workbench loads on a temporary copy of the sample workspace', { timeout: 120_000 }, () => step('workbench', async (page) => {
      await h.openWorkbench(page, h.workbenchUrl(server!, ws));
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'drivers' }).waitFor({ state: 'visible' });
    }));
    body({ ws: () => ws, step });
  });
}

suite('IOVA Lens editor experience in code-server (UI, issue 7)', { restricted: false }, ({ ws, step }) => {
  test(`${SOURCE}: squiggle on line 50; the hover shows the rule, the chain and the platform table`, { timeout: 180_000 }, () => step('hover', async (page) => {
    await h.openFile(page, SOURCE);
    await h.goToLine(page, 50);
    const p = await squiggleAt(page, 50);
    assert.match(await lineText(page, 50), /put_page\(virt_to_page\(phys_to_virt\(phys_addr\)\)\);/);
    await page.mouse.move(p.x, p.y);
    const hover = page.locator('.monaco-hover', { hasText: 'Chain:' }).filter({ visible: true }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await hover.innerText();
    h.log(`hover text:\n${text}`);
    assert.match(text, /IOVA Lens · linear-map-assumption/, 'hover title names the rule');
    assert.match(text, /Chain: \S+( → \S+)+/, 'hover shows the chain');
    // VS Code shows the diagnostic's message at the top of the hover: the server's part does not say it again.
    assert.equal(text.split('phys_to_virt() assumes a linear-map address').length - 1, 1, 'the message once in the hover');
    assert.match(text, /Rule documentation/);
    assert.match(text, /Replay in emulator/);
    await h.screenshot(page, 'hover-open', 'editor');
    const table = hover.locator('table').first();
    await table.waitFor({ state: 'attached' });
    // (Names are written with non-breaking hyphens, U+2011, so that a line never breaks inside one.)
    const cells = (await table.locator('tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th,td')].map((c) => (c as HTMLElement).innerText.trim()))))
      .map((r) => r.map((c) => c.replace(/\u2011/g, '-').replace(/\s+/g, ' ')));
    h.log(`hover platform table: ${JSON.stringify(cells)}`);
    // Platforms that end alike share a row: the outcome and their names, then what each step of the chain returns (SPEC §1.5).
    assert.deepEqual(cells[0], ['outcome: platforms', 'each step returns'], 'table header');
    assert.ok(cells.length >= 4 && cells.length <= 9, `3 to 8 rows: ${JSON.stringify(cells)}`);
    const rows = cells.slice(1).map((r) => ({ outcome: r[0].split(': ')[0], names: (r[0].split(': ')[1] ?? '').split(', '), steps: r[1], cells: r.length }));
    assert.ok(rows.every((r) => r.cells === 2 && r.outcome && r.names[0] && r.steps), `every row has an outcome, platforms and the steps' results: ${JSON.stringify(cells)}`);
    const names = rows.flatMap((r) => r.names);
    assert.equal(new Set(names).size, names.length, `each platform in one row: ${JSON.stringify(names)}`);
    assert.ok(names.length >= 10 && names.includes('arm64-64k-smmuv3'), `the presets are all there: ${JSON.stringify(names)}`);
    const identity2017 = rows.find((r) => r.names.includes('thunderx-2017-identity'));
    // (Line 50 is `if (phys_addr) put_page(…)`: on the lookup's 0 the driver skips the rest and the page leaks.)
    assert.deepEqual(identity2017 && [identity2017.outcome, identity2017.steps], ['null, leak', '0 → skipped → skipped → skipped'], `the 2017 identity row: the lookup's 0, the steps the test skips, the outcome: ${JSON.stringify(cells)}`);
    assert.match(text, /the code tests iova-to-phys\|identity \(step 1\) for 0 and stops there on 0/);
    // Small: the table fits the hover (no horizontal scroll) and VS Code's default hover width (500 px)
    // at its narrowest, and no platform name is broken over two lines.
    const fit = await table.evaluate((t) => {
      const box = t.closest('.monaco-hover-content') ?? t.parentElement!;
      const width = t.getBoundingClientRect().width;
      t.style.width = 'min-content';
      const narrowest = t.getBoundingClientRect().width;
      t.style.width = '';
      const broken: string[] = [];
      let checked = 0;
      for (const td of t.querySelectorAll('tbody tr td:first-child')) {
        // (The cell is `<strong>outcome</strong>: name, name, …`.)
        const text = [...td.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && /\S/.test(n.textContent ?? ''));
        if (!text) continue;
        let at = (text.textContent ?? '').indexOf(': ') + 2;
        for (const name of (text.textContent ?? '').slice(at).split(', ')) {
          const r = document.createRange();
          r.setStart(text, at);
          r.setEnd(text, at + name.length);
          checked++;
          if (new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size > 1) broken.push(name);
          at += name.length + 2;
        }
      }
      return { width, narrowest, hover: box.getBoundingClientRect().width, hoverScroll: box.scrollWidth - box.clientWidth, broken, checked };
    });
    h.log(`hover table fit: ${JSON.stringify(fit)}`);
    assert.ok(fit.width <= fit.hover + 1 && fit.hoverScroll <= 1, `the table (${fit.width} px) fits the hover (${fit.hover} px)`);
    assert.ok(fit.narrowest <= 500, `at its narrowest the table (${fit.narrowest} px) fits a 500 px hover`);
    assert.ok(fit.checked >= 10, `${fit.checked} names checked`);
    assert.deepEqual(fit.broken, [], 'no platform name broken over two lines');
    // (The hover is ≈ 250 px tall and scrolls: the table's header to its top for the screenshot.)
    await table.evaluate((t) => t.scrollIntoView({ block: 'start' }));
    await h.screenshot(page, 'hover-open-table', 'editor');
    await page.mouse.move(1400, 880);
    await page.keyboard.press('Escape');
  }));

  test('code action "Show documentation for linear-map-assumption" opens the rule doc in the Markdown preview', { timeout: 180_000 }, () => step('show-doc', async (page) => {
    await h.openFile(page, SOURCE);
    const titles = await pickAction(page, 50, 'Show documentation for linear-map-assumption');
    h.log(`Quick Fix menu on line 50: ${JSON.stringify(titles)}`);
    for (const t of ['Replace with pfn_to_page(PHYS_PFN(phys_addr))', 'Suppress linear-map-assumption on this line (with a reason)…', 'Replay in emulator']) {
      assert.ok(titles.some((x) => x.includes(t)), `menu offers "${t}": ${JSON.stringify(titles)}`);
    }
    await page.locator('.tabs-container .tab', { hasText: 'linear-map-assumption.md' }).waitFor({ state: 'visible', timeout: 30_000 });
    const preview = page.frameLocator('iframe.webview.ready[src*="markdown-language-features"]').frameLocator('#active-frame');
    await h.eventually(async () => {
      const body = (await preview.locator('body').innerText({ timeout: 5000 })) ?? '';
      assert.match(body, /linear-map-assumption/, `preview body: ${body.slice(0, 200)}`);
    }, 60_000);
  }));

  test('code action "Replay in emulator" opens the emulator panel', { timeout: 180_000 }, () => step('replay', async (page) => {
    await h.openFile(page, SOURCE);
    await pickAction(page, 50, 'Replay in emulator');
    await page.locator('.tabs-container .tab', { hasText: 'IOVA Lens Emulator' }).waitFor({ state: 'visible', timeout: 30_000 });
    const view = h.webviewFrame(page);
    await view.locator('#title').waitFor({ state: 'visible', timeout: 60_000 });
    // the panel replays THIS finding: its rule, function and line, and its chain
    await h.eventually(async () => {
      const body = (await view.locator('body').innerText({ timeout: 5000 })).replace(/\s+/g, ' ');
      assert.match(body, /linear-map-assumption — nicvf_free_rcv_buffer\(\) line 50/, `emulator panel: ${body.slice(0, 300)}`);
      assert.match(body, /dma-handle → iova-to-phys\S* → phys-to-virt → virt-to-page → put-page/, `emulator panel shows the chain: ${body.slice(0, 300)}`);
    }, 60_000);
    await h.screenshot(page, 'replay-panel', 'editor');
    // the panel may open the source beside it: back to one editor group for the next steps
    await h.runCommand(page, 'View: Close All Editor Groups');
    await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
  }));

  test(`${PATCH}: the added (+) line gets a squiggle and a Problems row with the post-image path:line`, { timeout: 180_000 }, () => step('patch', async (page) => {
    await h.openFile(page, PATCH);
    await h.goToLine(page, PATCH_PLUS_LINE);
    const lines = await h.eventually(async () => {
      const l = await h.squiggleLines(page);
      assert.deepEqual(l, [PATCH_PLUS_LINE], `squiggles on lines ${JSON.stringify(l)} of ${PATCH}, expected only the + line ${PATCH_PLUS_LINE}`);
      return l;
    }, 60_000);
    assert.match(await lineText(page, lines[0]), /^\+\s*put_page\(virt_to_page/);
    const rows = await h.waitForProblems(page, (r) => r.some((x) => x.includes(`${THUNDER}/nicvf_queues.c:`) && x.includes(`[Ln ${PATCH_PLUS_LINE},`)), 60_000);
    h.log(`Problems rows for the patch:\n${rows.filter((x) => x.includes('nicvf_queues.c:')).join('\n---\n')}`);
  }));

  test(`${SOURCE}: the preferred quick fix turns line 50 into put_page(pfn_to_page(PHYS_PFN(phys_addr))); — in the editor and on disk`, { timeout: 180_000 }, () => step('quick-fix', async (page) => {
    await h.openFile(page, SOURCE);
    await pickAction(page, 50, 'Replace with pfn_to_page(PHYS_PFN(phys_addr))');
    await h.eventually(async () => assert.equal((await lineText(page, 50)).trim(), 'put_page(pfn_to_page(PHYS_PFN(phys_addr)));'));
    // the linear-map-assumption warning on line 50 goes away
    await h.waitForProblems(page, (r) => !r.some((x) => x.includes('linear-map-assumption') && x.includes('[Ln 50,')), 30_000);
    await page.keyboard.press('Control+S');
    const file = path.join(ws(), THUNDER, SOURCE);
    await h.eventually(async () => assert.equal(fs.readFileSync(file, 'utf8').split('\n')[49].trim(), 'put_page(pfn_to_page(PHYS_PFN(phys_addr)));'));
    const fixture = fs.readFileSync(path.join(h.WORKSPACE, THUNDER, SOURCE), 'utf8').split('\n')[49];
    assert.match(fixture, /virt_to_page\(phys_to_virt/, 'the fixture itself is untouched');
  }));

  test(`${SOURCE}: "Suppress … (with a reason)…" asks for the reason, inserts the comment above line 64 and the warning goes away`, { timeout: 180_000 }, () => step('suppress', async (page) => {
    await h.openFile(page, SOURCE);
    await h.waitForProblems(page, (r) => r.some((x) => x.includes('linear-map-assumption') && x.includes('[Ln 64,')), 30_000);
    await pickAction(page, 64, 'Suppress linear-map-assumption on this line (with a reason)');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    const prompt = await page.locator('.quick-input-widget').innerText();
    assert.match(prompt, /Why is linear-map-assumption wrong here\?/, `input box prompt: ${prompt}`);
    await input.pressSequentially(REASON, { delay: 5 });
    await h.screenshot(page, 'suppress-reason', 'editor');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await h.eventually(async () => assert.equal((await lineText(page, 64)).trim(), `/* iova-lens-ignore linear-map-assumption: ${REASON} */`));
    assert.match(await lineText(page, 65), /data = phys_to_virt\(phys_addr\);/);
    await h.waitForProblems(page, (r) => !r.some((x) => x.includes('linear-map-assumption') && /\[Ln 6[45],/.test(x)), 30_000);
    await h.eventually(async () => assert.deepEqual((await h.squiggleLines(page)).filter((l) => l >= 60 && l <= 70), [], 'no squiggle near line 65'));
    await page.keyboard.press('Control+S');
    const lines = await h.eventually(async () => {
      const l = fs.readFileSync(path.join(ws(), THUNDER, SOURCE), 'utf8').split('\n');
      assert.equal(l[63], `\t/* iova-lens-ignore linear-map-assumption: ${REASON} */`);
      return l;
    });
    assert.equal(lines[64], '\tdata = phys_to_virt(phys_addr);');
  }));

  test('IOVA Lens: Scan Workspace shows progress then "N findings in M files"; N = the CLI; Problems count = status bar count', { timeout: 180_000 }, () => step('scan', async (page) => {
    await h.openFile(page, HEADER);
    await recordToasts(page);
    await h.runCommand(page, 'IOVA Lens: Scan Workspace');
    const info = page.locator('.notification-toast', { hasText: /IOVA Lens: \d+ findings? in \d+ files?/ }).first();
    await info.waitFor({ state: 'visible', timeout: 60_000 });
    const msg = (await info.innerText()).trim();
    await h.screenshot(page, 'scan-result', 'editor');
    const seen = await toasts(page);
    h.log(`notifications seen: ${JSON.stringify(seen)}`);
    assert.ok(seen.some((t) => t.includes('IOVA Lens: scanning workspace')), `the progress notification "IOVA Lens: scanning workspace" appeared: ${JSON.stringify(seen)}`);
    const n = Number(/IOVA Lens: (\d+) findings?/.exec(msg)?.[1]);
    // after the fix (line 50) and the suppression (line 64): the header's two findings remain
    const cli = cliFindings(ws());
    assert.equal(n, cli, `Scan Workspace reports ${n} findings, the CLI on the same (saved) files ${cli}: ${msg}`);

    // The Problems count (status bar problems item and Problems panel badge: only
    // IOVA Lens reports problems in this profile) vs the IOVA Lens status bar item.
    await h.showProblems(page);
    const { status, problems, badge } = await h.eventually(async () => {
      const status = await statusText(page);
      const label = (await page.locator('[id="status.problems"]').first().getAttribute('aria-label')) ?? '';
      const problems = [...label.matchAll(/(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      const badge = (await page.locator('.panel .composite-bar .action-item', { hasText: 'Problems' }).first().innerText()).trim();
      assert.match(status, /IOVA Lens: \d+/);
      assert.equal(Number(/IOVA Lens: (\d+)/.exec(status)?.[1]), problems, `status bar "${status}" vs Problems "${label}"`);
      assert.ok(badge.includes(String(problems)), `Problems panel badge "${badge}" shows ${problems}`);
      return { status, problems: label, badge };
    });
    h.log(`scan: "${msg}"; CLI ${cli} findings; status bar "${status}"; Problems "${problems}" (panel "${badge.replace(/\s+/g, ' ')}")`);
  }));
});

suite('IOVA Lens in restricted mode (workspace trust on, folder not trusted)', { restricted: true }, ({ step }) => {
  test(`restricted mode: ${HEADER} still gets its squiggles and Problems rows`, { timeout: 180_000 }, () => step('restricted', async (page) => {
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await h.openFile(page, HEADER);
    await h.goToLine(page, 32);
    await h.eventually(async () => {
      const l = await h.squiggleLines(page);
      assert.ok(l.includes(32) && l.includes(33), `warning squiggles on lines ${JSON.stringify(l)}, expected 32 and 33`);
    }, 60_000);
    await h.waitForProblems(page, (r) => r.some((x) => x.includes('iova-reverse-lookup') && x.includes('[Ln 32,')) && r.some((x) => x.includes('dma-addr-as-phys') && x.includes('[Ln 33,')), 60_000);
    // still restricted at the end (nothing trusted the folder on the way)
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible' });
  }));
});
