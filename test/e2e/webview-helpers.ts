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

// ------------------------------------------------------------ panel width ---

/** The webview's width in CSS pixels (its document's viewport). */
export async function webviewWidth(view: View): Promise<number> {
  return view.locator('body').evaluate(() => (globalThis as unknown as { innerWidth: number }).innerWidth);
}

/**
 * Resizes the browser window until the emulator webview is `target` px wide (±3 px; VS Code keeps an editor
 * group at least 220 px wide). The workbench shares a width change between its editor groups, so each try
 * re-estimates how much of it the webview gets. Returns the width reached.
 */
export async function setWebviewWidth(page: Page, view: View, target: number, height = 900): Promise<number> {
  const settled = async () => {
    let last = -1;
    for (let i = 0; i < 20; i++) {
      await h.sleep(250);
      const now = await webviewWidth(view);
      if (now === last) return now;
      last = now;
    }
    return last;
  };
  let win = page.viewportSize()?.width ?? 1440;
  let got = await webviewWidth(view);
  let rate = 0.5; // webview px per window px: two editor groups share the change
  for (let i = 0; i < 10 && Math.abs(got - target) > 3; i++) {
    const next = Math.max(480, Math.min(3000, Math.round(win + (target - got) / rate)));
    if (next === win) break;
    await page.setViewportSize({ width: next, height });
    const now = await settled();
    if (now !== got) rate = Math.max(0.2, Math.min(1, (now - got) / (next - win)));
    win = next;
    got = now;
  }
  return got;
}

/**
 * What of `selector` (visible elements only) a user would not see whole at the webview's width: a box
 * reaching past the left or right edge of the panel (its document's client width, without its scrollbar),
 * or, with `text`, a text cut short inside its box (an ellipsis or a line clamp). One line per element.
 */
export async function notWhole(view: View, selector: string, opts: { text?: boolean } = {}): Promise<string[]> {
  return view.locator('body').evaluate((_b, [sel, text]) => {
    interface E {
      getBoundingClientRect(): { left: number; right: number; width: number; height: number };
      scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number;
      id: string; tagName: string; textContent: string | null; value?: string; getAttribute(n: string): string | null;
    }
    const d = globalThis as unknown as { document: { documentElement: { clientWidth: number }; querySelectorAll(s: string): ArrayLike<E> } };
    const vw = d.document.documentElement.clientWidth;
    const out: string[] = [];
    const list = d.document.querySelectorAll(sel);
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const shown = e.tagName === 'SELECT' || e.tagName === 'INPUT' ? e.value ?? '' : (e.textContent ?? '').trim();
      const name = `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.getAttribute('data-key') ? `[${e.getAttribute('data-key')}]` : ''} "${shown.slice(0, 60)}"`;
      if (r.left < -0.5 || r.right > vw + 0.5) out.push(`${name}: box ${Math.round(r.left)}..${Math.round(r.right)} px, the panel is ${vw} px wide`);
      else if (text && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)) {
        out.push(`${name}: text cut (${e.scrollWidth}×${e.scrollHeight} px of text in ${e.clientWidth}×${e.clientHeight})`);
      }
    }
    return out;
  }, [selector, opts.text === true] as const);
}

/** The document's scroll width over its client width (> 0: the page scrolls sideways). */
export async function sidewaysOverflow(view: View): Promise<number> {
  return view.locator('body').evaluate(() => {
    const de = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return de.scrollWidth - de.clientWidth;
  });
}
