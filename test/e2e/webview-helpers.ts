// SPDX-License-Identifier: MIT
// Helpers for the emulator webview end-to-end tests (test/e2e/webview.e2e.test.ts).
// The webview's document is two iframes deep; these read it through
// harness.webviewFrame(). No DOM lib types here (the node tsconfig has none):
// page-side callbacks use structural types.
import type { FrameLocator, Page } from 'playwright-core';
import * as h from './harness';

export type View = FrameLocator;

interface El { textContent: string | null; getAttribute(n: string): string | null; className: string }

export async function text(view: View, selector: string): Promise<string> {
  return ((await view.locator(selector).first().textContent()) ?? '').trim();
}

/** Waits until #outcome's text matches. */
export async function waitOutcome(view: View, re: RegExp, timeoutMs = 30_000): Promise<string> {
  return h.eventually(async () => {
    const t = await text(view, '#outcome');
    if (!re.test(t)) throw new Error(`#outcome is ${JSON.stringify(t)}, expected ${re}`);
    return t;
  }, timeoutMs);
}

/** Shows the whole run (End) and waits until the row list is filled. */
export async function playToEnd(view: View): Promise<void> {
  await view.locator('#pb-end').click();
  await h.eventually(async () => {
    const p = await text(view, '#progress');
    const m = /^(\d+) \/ (\d+) events$/.exec(p);
    if (!m || m[1] !== m[2]) throw new Error(`progress ${JSON.stringify(p)}`);
  });
}

export interface RowInfo { n: string; ok: string; cells: Record<string, { text: string; cls: string; title: string; color: string }>; why: string; whyColor: string }

/** The rendered translation rows (the virtualised window), with each cell's class and computed colour. */
export async function rows(view: View): Promise<RowInfo[]> {
  return view.locator('#rows tr.xrow').evaluateAll((trs) => trs.map((tr) => {
    const t = tr as unknown as El & { querySelectorAll(s: string): ArrayLike<El>; querySelector(s: string): El | null };
    const cells: RowInfo['cells'] = {};
    const list = t.querySelectorAll('td.cell');
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      cells[c.getAttribute('data-key') ?? '?'] = { text: (c.textContent ?? '').trim(), cls: c.className, title: c.getAttribute('title') ?? '', color: (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(c).color };
    }
    const why = t.querySelector('td.why');
    return {
      n: t.getAttribute('data-n') ?? '', ok: t.getAttribute('data-ok') ?? '', cells,
      why: (why?.textContent ?? '').trim(),
      whyColor: why ? (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(why).color : '',
    };
  }));
}

/** "rgb(r, g, b)", or "color(srgb r g b)" (0..1, what a color-mix() computes to) → [r, g, b] in 0..255. */
export function rgb(css: string): [number, number, number] {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  const c = /color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(css);
  if (c) return [Number(c[1]) * 255, Number(c[2]) * 255, Number(c[3]) * 255];
  throw new Error(`not an rgb colour: ${css}`);
}

export function isGreen(css: string): boolean {
  const [r, g] = rgb(css);
  return g > r + 30;
}

export function isRed(css: string): boolean {
  const [r, g] = rgb(css);
  return r > g + 60;
}

/** Matrix rows: platform → outcome words. */
export async function matrix(view: View): Promise<Record<string, string>> {
  const list = await view.locator('#matrix tr.matrix-row').evaluateAll((trs) => trs.map((tr) => [(tr as unknown as El).getAttribute('data-platform') ?? '', (tr as unknown as El).getAttribute('data-outcome') ?? '']));
  return Object.fromEntries(list);
}

/** Ctrl+G to line:column (the cursor must be inside a diagnostic for its quick fixes). */
export async function goToLineColumn(page: Page, line: number, column: number): Promise<void> {
  await h.activeEditor(page).locator('.view-lines').click({ position: { x: 5, y: 5 } });
  const input = page.locator('.quick-input-widget input');
  await h.pressUntilVisible(page, 'Control+G', input);
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/**
 * Runs a palette command, retrying while the workbench has not listed the
 * extension's contributed commands yet (right after the window loads).
 */
export async function runCommandWhenListed(page: Page, title: string, timeoutMs = 90_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await h.pressUntilVisible(page, 'F1', input);
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 4000 });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
      return;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw e;
      await h.sleep(1000);
    }
  }
}
