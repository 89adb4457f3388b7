// Extension-host test suite in the style of @vscode/test-electron: a module
// exporting `run()`, loaded by VS Code as `extensionTestsPath` inside the real
// (node) extension host, with the extension under development loaded from the
// repo root. Runs under code-server's bundled server (test/e2e/exthost.e2e.test.ts)
// and under @vscode/test-electron (scripts/test-electron.mjs).
//
// Each case reports one console line, which the runners turn into node:test subtests:
//   [iova-e2e] ok <name>
//   [iova-e2e] not ok <name> :: <JSON string with the error>
//   [iova-e2e] done <passed>/<total>
// No fixed sleeps: diagnostics are awaited through onDidChangeDiagnostics.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';

const PREFIX = '[iova-e2e]';
const EXTENSION_ID = 'iova-lens.iova-lens';
const THUNDER = 'drivers/net/ethernet/cavium/thunder';
const HEADER = `${THUNDER}/nicvf_queues.h`;
const SOURCE = `${THUNDER}/nicvf_queues.c`;
const CLEAN = 'drivers/net/ethernet/acme/acme_rx.c';
const CASE_TIMEOUT_MS = 90_000;

interface Case { name: string; fn: () => Promise<void> }
const cases: Case[] = [];
function test(name: string, fn: () => Promise<void>): void { cases.push({ name, fn }); }

function wsFile(rel: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open (the sample workspace)');
  return vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
}

async function open(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(wsFile(rel));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

function ruleOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'iova-lens');
}

function show(ds: readonly vscode.Diagnostic[]): string {
  return JSON.stringify(ds.map((d) => ({ line: d.range.start.line, rule: ruleOf(d), source: d.source, message: d.message })));
}

/** Resolves with the file's iova-lens diagnostics once `pred` holds (checked now and on every change). */
function waitForDiagnostics(uri: vscode.Uri, pred: (ds: vscode.Diagnostic[]) => boolean, what: string, timeoutMs = 60_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    let sub: vscode.Disposable | undefined;
    const timer = setTimeout(() => {
      sub?.dispose();
      reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} on ${uri.fsPath}; diagnostics now: ${show(vscode.languages.getDiagnostics(uri))}`));
    }, timeoutMs);
    const check = (): boolean => {
      const ds = ours(uri);
      if (!pred(ds)) return false;
      clearTimeout(timer);
      sub?.dispose();
      resolve(ds);
      return true;
    };
    if (check()) return;
    sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
  });
}

function assertDiagnostic(ds: vscode.Diagnostic[], rule: string, line0: number): void {
  const d = ds.find((x) => ruleOf(x) === rule);
  assert.ok(d, `a ${rule} diagnostic: ${show(ds)}`);
  assert.equal(d.range.start.line, line0, `${rule} on line ${line0 + 1} (0-based ${line0}): ${show([d])}`);
  assert.equal(d.source, 'iova-lens');
  assert.equal(d.severity, vscode.DiagnosticSeverity.Warning, `${rule} is a warning`);
  assert.match(d.message, /\[[^\]]+\]\s*$/, `${rule} message ends with the concerns in brackets: ${d.message}`);
  const code = d.code;
  assert.ok(typeof code === 'object' && code.target, `${rule} code links to the rule doc (codeDescription.href): ${JSON.stringify(code)}`);
  assert.ok(code.target.toString().includes(rule), `${rule} doc link names the rule: ${code.target.toString()}`);
}

const has = (...rules: string[]) => (ds: vscode.Diagnostic[]) => rules.every((r) => ds.some((d) => ruleOf(d) === r));

test('the extension activates when nicvf_queues.h is opened', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is loaded`);
  // A reviewer's first file is often the header; VS Code gives .h files the
  // languageId "cpp", so this checks the activation events cover it.
  const doc = await open(HEADER);
  console.log(`${PREFIX} info ${HEADER} has languageId ${doc.languageId}`);
  const deadline = Date.now() + 30_000;
  while (!ext.isActive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(ext.isActive, `${EXTENSION_ID} did not activate within 30 s of opening ${HEADER} (languageId ${doc.languageId}); activationEvents: ${JSON.stringify(ext.packageJSON.activationEvents)}`);
});

test('nicvf_queues.h: iova-reverse-lookup on line 32 and dma-addr-as-phys on line 33', async () => {
  const doc = await open(HEADER);
  const ds = await waitForDiagnostics(doc.uri, has('iova-reverse-lookup', 'dma-addr-as-phys'), 'iova-reverse-lookup + dma-addr-as-phys');
  assertDiagnostic(ds, 'iova-reverse-lookup', 31);
  assertDiagnostic(ds, 'dma-addr-as-phys', 32);
  assert.match(doc.lineAt(31).text, /iommu_iova_to_phys/);
  assert.match(doc.lineAt(32).text, /return dma_addr;/);
});

test('nicvf_queues.h: quick fixes are offered for the iova-reverse-lookup warning', async () => {
  const doc = await open(HEADER);
  const ds = await waitForDiagnostics(doc.uri, has('iova-reverse-lookup'), 'iova-reverse-lookup');
  const d = ds.find((x) => ruleOf(x) === 'iova-reverse-lookup')!;
  // Asked again for a few seconds: right after the diagnostics arrive the server may publish them
  // once more (the workspace index finished), and a request that races that republish comes back
  // empty (seen once in a session's 8th full run).
  let titles: string[] = [];
  for (const deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 250))) {
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider', doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
    titles = (actions ?? []).map((a) => a.title);
    if (titles.some((t) => t.includes('iova-reverse-lookup')) || Date.now() > deadline) break;
  }
  assert.ok(titles.some((t) => t.includes('iova-reverse-lookup')), `a quick fix naming the rule: ${JSON.stringify(titles)}`);
});

test('acme_rx.c: correct code gets no diagnostics', async () => {
  const clean = await open(CLEAN);
  // Barrier instead of a sleep: open a flagged file after the clean one and
  // wait for its diagnostics; the server handles didOpen notifications in order.
  const source = await open(SOURCE);
  await waitForDiagnostics(source.uri, has('linear-map-assumption'), `linear-map-assumption (barrier after ${CLEAN})`);
  assert.deepEqual(show(ours(clean.uri)), '[]', `${CLEAN} has no iova-lens diagnostics`);
});

test('nicvf_queues.c: linear-map-assumption on lines 50 and 64', async () => {
  const doc = await open(SOURCE);
  const ds = await waitForDiagnostics(doc.uri, (x) => x.filter((d) => ruleOf(d) === 'linear-map-assumption').length >= 2, 'two linear-map-assumption');
  const lines = ds.filter((d) => ruleOf(d) === 'linear-map-assumption').map((d) => d.range.start.line);
  assert.ok(lines.includes(49) && lines.includes(63), `linear-map-assumption on 0-based lines ${JSON.stringify(lines)}, expected 49 and 63`);
  for (const l of [49, 63]) assertDiagnostic(ds.filter((d) => d.range.start.line === l), 'linear-map-assumption', l);
});

test('iovaLens.openEmulator opens the "IOVA Lens Emulator" webview panel', async () => {
  const commands = await vscode.commands.getCommands(true);
  assert.ok(commands.includes('iovaLens.openEmulator'), 'command iovaLens.openEmulator is registered');
  const findTab = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) =>
    t.label === 'IOVA Lens Emulator' && t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('iovaLens.emulator'));
  await vscode.commands.executeCommand('iovaLens.openEmulator');
  if (!findTab()) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { sub.dispose(); reject(new Error(`no "IOVA Lens Emulator" webview tab; tabs: ${JSON.stringify(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label))}`)); }, 30_000);
      const sub = vscode.window.tabGroups.onDidChangeTabs(() => { if (findTab()) { clearTimeout(timer); sub.dispose(); resolve(); } });
    });
  }
});

interface IovaLensApi { activationMs: number; ready: Promise<void>; ripgrep?: string }

test('activation: activate() returns activationMs (printed) and the server becomes ready', async () => {
  const ext = vscode.extensions.getExtension<IovaLensApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is loaded`);
  const api = await ext.activate();
  assert.equal(typeof api?.activationMs, 'number', `exports.activationMs: ${JSON.stringify(api)}`);
  console.log(`${PREFIX} info activationMs ${api.activationMs.toFixed(1)} ms (target ≤ 100 ms; the language server starts in the background)`);
  await withTimeout(api.ready, 30_000, 'exports.ready');
  assert.ok(api.activationMs < 1000, `activation took ${api.activationMs} ms`);
});

test('Scan Workspace is given the ripgrep this VS Code ships', async () => {
  const api = await vscode.extensions.getExtension<IovaLensApi>(EXTENSION_ID)!.activate();
  assert.ok(api.ripgrep && fs.existsSync(api.ripgrep), `VS Code's ripgrep under ${vscode.env.appRoot}: ${api.ripgrep}`);
  console.log(`${PREFIX} info ripgrep ${api.ripgrep}`);
});

test('nicvf_queues.c line 50: the hover shows the rule, the chain, the platform table and both links', async () => {
  const doc = await open(SOURCE);
  const ds = await waitForDiagnostics(doc.uri, (x) => x.some((d) => ruleOf(d) === 'linear-map-assumption' && d.range.start.line === 49), 'linear-map-assumption on line 50');
  const d = ds.find((x) => ruleOf(x) === 'linear-map-assumption' && x.range.start.line === 49)!;
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, d.range.start.translate(0, 1));
  const text = (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
  assert.match(text, /IOVA Lens · `linear-map-assumption`/, `hover names the rule: ${text}`);
  assert.match(text, /Chain: `[^`]+ → [^`]+`/, `hover shows the chain: ${text}`);
  // Platforms that end alike share a row: the outcome and their names, then what each step returns (SPEC §1.5).
  assert.match(text, /\| outcome: platforms \| each step returns \|\n\|---\|---\|\n(\|[^\n]+\|\n?){3,8}\n_PA, VA, page: the buffer's own/, `hover has the platform table: ${text}`);
  // (Line 50 is `if (phys_addr) put_page(…)`: on the lookup's 0 the driver skips the rest, and the page leaks.)
  assert.match(text, /\| \*\*null, leak\*\*: thunderx\u20112017\u2011identity \| 0\u00a0→\u00a0skipped\u00a0→\u00a0skipped\u00a0→\u00a0skipped \|/, `the 2017 identity row shows the lookup's 0 and the steps the test skips: ${text}`);
  // VS Code shows the diagnostic's message above the hover: the server's part does not repeat it.
  assert.doesNotMatch(text, /assumes a linear-map address/, `no second copy of the message: ${text}`);
  assert.match(text, /\[Rule documentation\]\(file:[^)]*linear-map-assumption\.md\)/, `doc link: ${text}`);
  assert.match(text, /\[Replay in emulator\]\(command:iovaLens\.replayInEmulator\?/, `replay link: ${text}`);
});

test('nicvf_queues.c line 50: the preferred quick fix rewrites to pfn_to_page(PHYS_PFN(phys_addr))', async () => {
  const doc = await open(SOURCE);
  const ds = await waitForDiagnostics(doc.uri, (x) => x.some((d) => ruleOf(d) === 'linear-map-assumption' && d.range.start.line === 49), 'linear-map-assumption on line 50');
  const d = ds.find((x) => ruleOf(x) === 'linear-map-assumption' && x.range.start.line === 49)!;
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
  const titles = (actions ?? []).map((a) => a.title);
  for (const t of ['Replace with pfn_to_page(PHYS_PFN(phys_addr))', 'Suppress linear-map-assumption on this line (with a reason)…', 'Show documentation for linear-map-assumption', 'Replay in emulator']) {
    assert.ok(titles.includes(t), `code action "${t}" offered: ${JSON.stringify(titles)}`);
  }
  const fix = actions.find((a) => a.title.startsWith('Replace with'))!;
  assert.equal(fix.isPreferred, true, 'the replacement is the preferred fix');
  assert.ok(fix.edit, 'the fix carries an edit');
  assert.ok(await vscode.workspace.applyEdit(fix.edit), 'applyEdit');
  assert.equal(doc.lineAt(49).text.trim(), 'put_page(pfn_to_page(PHYS_PFN(phys_addr)));');
  await waitForDiagnostics(doc.uri, (x) => !x.some((d2) => ruleOf(d2) === 'linear-map-assumption' && d2.range.start.line === 49), 'linear-map-assumption gone from line 50');
  assert.ok(await doc.save(), 'saved');
});

test('a .patch file gets a diagnostic on its + line, prefixed with the post-image path:line', async () => {
  const text = [
    '--- a/drivers/net/ethernet/cavium/thunder/nicvf_queues.c',
    '+++ b/drivers/net/ethernet/cavium/thunder/nicvf_queues.c',
    '@@ -47,5 +47,6 @@ void nicvf_free_rcv_buffer(struct nicvf *nic, u64 buf_addr)',
    ' \tdma_unmap_page_attrs(&nic->pdev->dev, buf_addr, RCV_FRAG_LEN,',
    ' \t\t\t     DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);',
    ' \tif (phys_addr)',
    ' \t\tput_page(pfn_to_page(PHYS_PFN(phys_addr)));',
    '+\tput_page(virt_to_page(phys_to_virt(nicvf_iova_to_phys(nic, buf_addr))));',
    ' }',
    '',
  ].join('\n');
  const uri = wsFile('exthost-fix.patch');
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false });
  const ds = await waitForDiagnostics(uri, (x) => x.length > 0, 'diagnostics on the .patch');
  assert.ok(ds.every((d) => d.range.start.line === 7), `all on the + line (0-based 7): ${show(ds)}`);
  assert.ok(ds.some((d) => /^drivers\/net\/ethernet\/cavium\/thunder\/nicvf_queues\.c:\d+: /.test(d.message)), `message prefixed with path:line: ${show(ds)}`);
});

function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms / 1000} s`)), ms); })])
    .finally(() => clearTimeout(timer));
}

export async function run(): Promise<void> {
  console.log(`${PREFIX} plan ${cases.length}`);
  let failed = 0;
  for (const c of cases) {
    try {
      await withTimeout(c.fn(), CASE_TIMEOUT_MS, c.name);
      console.log(`${PREFIX} ok ${c.name}`);
    } catch (e) {
      failed++;
      const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
      console.log(`${PREFIX} not ok ${c.name} :: ${JSON.stringify(text)}`);
    }
  }
  console.log(`${PREFIX} done ${cases.length - failed}/${cases.length}`);
  if (failed) throw new Error(`${failed} of ${cases.length} extension-host test(s) failed`);
}
