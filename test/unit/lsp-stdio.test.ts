// SPDX-License-Identifier: MIT
// Drives `node dist/server.js --stdio` as a plain LSP client would (Neovim,
// Emacs eglot): initialize → didOpen → publishDiagnostics → hover → codeAction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER, SAMPLE } from '../helpers';

const CACHE = mkdtempSync(join(tmpdir(), 'iova-lsp-cache-'));

class Client {
  private buf = Buffer.alloc(0);
  private id = 0;
  private pending = new Map<number, (r: unknown) => void>();
  private waiters: { method: string; pred: (p: any) => boolean; resolve: (p: any) => void }[] = [];
  // (Scan Workspace runs the CLI, whose cache goes to XDG_CACHE_HOME: one of the tests', not the user's.)
  readonly proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: CACHE } });
  readonly logs: string[] = [];
  /** Every iovaLens/status notification, in order. */
  readonly statuses: { findings: number; files: number; indexing: boolean }[] = [];
  /** Requests the server made of this client (client/registerCapability, window/showMessageRequest, …). */
  readonly serverRequests: { method: string; params: any }[] = [];

  constructor(private readonly settings: unknown = null) {
    this.proc.stdout.on('data', (d: Buffer) => this.onData(d));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const sep = this.buf.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, sep).toString())?.[1]);
      if (this.buf.length < sep + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(sep + 4, sep + 4 + len).toString());
      this.buf = this.buf.subarray(sep + 4 + len);
      // (An error answer resolves to `{ error }`: a test can tell it from a result.)
      if (msg.id !== undefined && msg.method === undefined) this.pending.get(msg.id)?.(msg.error ? { error: msg.error } : msg.result);
      else if (msg.id !== undefined && msg.method) {
        this.serverRequests.push({ method: msg.method, params: msg.params });
        this.send({ jsonrpc: '2.0', id: msg.id, result: msg.method === 'workspace/configuration' ? [this.settings] : null });
      }
      else {
        if (msg.method === 'window/logMessage') this.logs.push(msg.params.message);
        if (msg.method === 'iovaLens/status') this.statuses.push(msg.params);
        for (const w of [...this.waiters]) {
          if (w.method === msg.method && w.pred(msg.params)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(msg.params);
          }
        }
      }
    }
  }

  private send(m: object): void {
    const s = JSON.stringify(m);
    this.proc.stdin.write(`Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`);
  }

  /** The id of the last request sent (for $/cancelRequest). */
  get lastId(): number {
    return this.id;
  }

  request<T>(method: string, params: object): Promise<T> {
    const id = ++this.id;
    this.send({ jsonrpc: '2.0', id, method, params });
    return new Promise((res) => this.pending.set(id, res as (r: unknown) => void));
  }

  notify(method: string, params: object): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  waitFor<T>(method: string, pred: (p: T) => boolean, ms = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${method} matching the test within ${ms} ms`)), ms);
      this.waiters.push({ method, pred, resolve: (p) => (clearTimeout(t), resolve(p)) });
    });
  }
}

test('the language server speaks plain LSP over stdio', async () => {
  const c = new Client();
  try {
    const root = pathToFileURL(SAMPLE).toString();
    const init = await c.request<{ capabilities: { hoverProvider: boolean; codeActionProvider: unknown } }>('initialize', {
      processId: process.pid,
      rootUri: root,
      workspaceFolders: [{ uri: root, name: 'sample' }],
      capabilities: {},
    });
    assert.equal(init.capabilities.hoverProvider, true);
    assert.ok(init.capabilities.codeActionProvider);
    c.notify('initialized', {});
    const file = join(SAMPLE, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h');
    const uri = pathToFileURL(file).toString();
    const diagsP = c.waitFor<{ uri: string; diagnostics: any[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.length >= 2);
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(file, 'utf8') } });
    const diags = (await diagsP).diagnostics;
    const codes = diags.map((d) => `${d.range.start.line + 1}:${d.code}`).sort();
    assert.deepEqual(codes, ['32:iova-reverse-lookup', '33:dma-addr-as-phys']);
    const d = diags.find((x) => x.code === 'iova-reverse-lookup');
    assert.equal(d.source, 'iova-lens');
    assert.match(d.codeDescription.href, /docs\/iova-reverse-lookup\.md$/);
    // The chain's use (nicvf_free_rcv_buffer) tests the helper's result for 0: Replay and the hover stop there.
    assert.deepEqual(d.data.guard, { step: 1 });
    assert.ok(d.relatedInformation.some((r: { location: { uri: string } }) => r.location.uri.endsWith('nicvf_queues.c')), 'callers in the .c are related');
    const hover = await c.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 31, character: 12 } });
    assert.match(hover.contents.value, /iova-reverse-lookup/);
    assert.match(hover.contents.value, /dma-handle → iova-to-phys\|identity → phys-to-virt/);
    assert.match(hover.contents.value.replace(/\u2011/g, '-'), /\| \*\*null, leak\*\*: thunderx-2017-identity \| 0\u00a0→\u00a0skipped/);
    // A client that shows diagnostics in a float of its own (Neovim, eglot): the hover says the message too.
    assert.ok(hover.contents.value.includes(d.message.replace(/[()\[\]_*`]/g, (ch: string) => `\\${ch}`)), hover.contents.value);
    assert.match(hover.contents.value, /\[Rule documentation\]\(file:/);
    // This client runs no iovaLens.* command: no dead command: link, and actions that carry their edit.
    assert.doesNotMatch(hover.contents.value, /command:|Replay in emulator/);
    const actions = await c.request<{ title: string; command?: unknown; edit?: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    assert.deepEqual(actions.map((a) => a.title), ['Suppress iova-reverse-lookup on this line (then write the reason)']);
    assert.equal(actions[0].command, undefined);
    assert.match(actions[0].edit!.changes[uri][0].newText, /^\s*\/\* iova-lens-ignore iova-reverse-lookup: TODO say why this is safe here \*\/\n$/);
    // A .patch that re-adds the 2017 teardown: diagnostics on its '+' line, in the patch itself.
    const patchText = [
      'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
      'Subject: [PATCH] net: thunderx: free by address',
      '',
      '--- a/drivers/net/ethernet/cavium/thunder/nicvf_queues.c',
      '+++ b/drivers/net/ethernet/cavium/thunder/nicvf_queues.c',
      '@@ -47,5 +47,6 @@ void nicvf_free_rcv_buffer(struct nicvf *nic, u64 buf_addr)',
      ' \tdma_unmap_page_attrs(&nic->pdev->dev, buf_addr, RCV_FRAG_LEN,',
      ' \t\t\t     DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);',
      ' \tif (phys_addr)',
      ' \t\tput_page(virt_to_page(phys_to_virt(phys_addr)));',
      '+\tput_page(virt_to_page(phys_to_virt(nicvf_iova_to_phys(nic, buf_addr))));',
      ' }',
      '',
    ].join('\n').replace(/\\t/g, '\t');
    const patchUri = pathToFileURL(join(SAMPLE, 'fix.patch')).toString();
    const pdiagsP = c.waitFor<{ uri: string; diagnostics: any[] }>('textDocument/publishDiagnostics', (p) => p.uri === patchUri && p.diagnostics.length > 0);
    c.notify('textDocument/didOpen', { textDocument: { uri: patchUri, languageId: 'diff', version: 1, text: patchText } });
    const pd = (await pdiagsP).diagnostics;
    assert.ok(pd.every((d) => d.range.start.line === 10), JSON.stringify(pd.map((d) => [d.range.start.line, d.code])));
    assert.ok(pd.some((d) => d.code === 'translate-after-unmap' && /nicvf_queues\.c:51:/.test(d.message)), JSON.stringify(pd.map((d) => d.message)));
    // No workspace/configuration capability: settings pushed in didChangeConfiguration apply.
    let pushed = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.length === 1);
    c.notify('workspace/didChangeConfiguration', { settings: { iovaLens: { rules: { 'dma-addr-as-phys': 'off' } } } });
    await pushed;
    pushed = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.length === 2);
    c.notify('workspace/didChangeConfiguration', { settings: { iovaLens: {} } });
    await pushed;
    assert.ok(!c.logs.some((l) => /cannot read settings/.test(l)), c.logs.join(' | '));
    await c.request('shutdown', {});
    c.notify('exit', {});
  } finally {
    c.proc.kill();
  }
});

test('a client other than VS Code: asked to watch C files and the config, told of a bad config by a notification, and a file: URI Node cannot map (a host, an encoded slash) is analysed, not fatal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lsp-client-'));
  cpSync(SAMPLE, dir, { recursive: true });
  writeFileSync(join(dir, '.iova-lens.json'), '{ "rules": { "linear-map-assumption": 3 } }');
  const c = new Client();
  try {
    const root = pathToFileURL(dir).toString();
    const told = c.waitFor<{ type: number; message: string }>('window/showMessage', (p) => /linear-map-assumption/.test(p.message));
    await c.request('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'w' }], capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } } });
    c.notify('initialized', {});
    assert.equal((await told).type, 2, 'a warning');
    const src = 'void *f(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn phys_to_virt(iommu_iova_to_phys(d, a));\n}\n';
    for (const uri of ['file://remotehost/share/x.c', `${pathToFileURL(join(dir, 'drivers'))}/a%2Fb.c`]) {
      const got = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.length > 0);
      c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: src } });
      await got;
    }
    const reg = c.serverRequests.find((r) => r.method === 'client/registerCapability');
    assert.ok(reg, JSON.stringify(c.serverRequests));
    const watchers = reg.params.registrations[0].registerOptions.watchers.map((w: { globPattern: string }) => w.globPattern);
    assert.deepEqual(watchers, ['**/*.{c,h}', '**/.iova-lens.json']);
    assert.ok(!c.serverRequests.some((r) => r.method === 'window/showMessageRequest'), 'no request that wants an answer');
    // A settings section of the wrong type is one line, and the settings stay as they were.
    c.notify('workspace/didChangeConfiguration', { settings: { iovaLens: 'x' } });
    await c.request('textDocument/hover', { textDocument: { uri: 'file:///nowhere.c' }, position: { line: 0, character: 0 } });
    assert.ok(c.logs.some((l) => l === 'IOVA Lens: ignoring settings.iovaLens = "x" (not an object of iovaLens.* settings)'), c.logs.join(' | '));
    await c.request('shutdown', {});
    c.notify('exit', {});
  } finally {
    c.proc.kill();
  }
});

test('after Scan workspace, a closed file\'s Problems entries follow its driver: the helper fixed in the open header clears them', async () => {
  const dir = sampleCopy('iova-lsp-scan-');
  const drv = join(dir, 'drivers/net/ethernet/cavium/thunder');
  const h = pathToFileURL(join(drv, 'nicvf_queues.h')).toString();
  const cUri = pathToFileURL(join(drv, 'nicvf_queues.c')).toString();
  await withServer(dir, async (c) => {
    const inProblems = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === cUri && p.diagnostics.length === 2);
    const scan = await c.request<{ findings: number }>('iovaLens/scanWorkspace', {});
    assert.equal(scan.findings, 4);
    await inProblems;
    const text = readFileSync(join(drv, 'nicvf_queues.h'), 'utf8');
    const fixed = text.replace('\tif (nic->iommu_domain)\n\t\treturn iommu_iova_to_phys(nic->iommu_domain, dma_addr);\n\treturn dma_addr;', '\treturn nic->rb_page ? page_to_phys(nic->rb_page) : 0;');
    assert.notEqual(fixed, text);
    const cleared = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === cUri && p.diagnostics.length === 0);
    c.notify('textDocument/didOpen', { textDocument: { uri: h, languageId: 'c', version: 1, text: fixed } });
    await cleared;
  });
});

/**
 * A server whose one workspace folder is `folder`: initialize (with these
 * capabilities and initializationOptions), initialized, `fn`, shutdown and
 * exit; the process is killed whatever happens.
 */
async function withServer(folder: string, fn: (c: Client) => Promise<void>, o: { settings?: unknown; capabilities?: object; initializationOptions?: object } = {}): Promise<void> {
  const c = new Client(o.settings ?? null);
  try {
    const root = pathToFileURL(folder).toString();
    await c.request('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'w' }], capabilities: o.capabilities ?? {}, initializationOptions: o.initializationOptions });
    c.notify('initialized', {});
    await fn(c);
    await c.request('shutdown', {});
    c.notify('exit', {});
  } finally {
    c.proc.kill();
  }
}

/** A copy of the sample workspace in a new temporary folder (a tree the scan's cache has not seen). */
function sampleCopy(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(SAMPLE, dir, { recursive: true });
  return dir;
}

test('nothing is read up front: an opened document\'s driver folder is, the other drivers only by Scan Workspace (the CLI)', async () => {
  const dir = sampleCopy('iova-lsp-lazy-');
  const acme = join(dir, 'drivers/net/ethernet/acme/acme_rx.c');
  const cUri = pathToFileURL(join(dir, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.c')).toString();
  await withServer(dir, async (c) => {
    const opened = c.waitFor<{ uri: string }>('textDocument/publishDiagnostics', (p) => p.uri === pathToFileURL(acme).toString());
    c.notify('textDocument/didOpen', { textDocument: { uri: pathToFileURL(acme).toString(), languageId: 'c', version: 1, text: readFileSync(acme, 'utf8') } });
    await opened;
    // (The old server indexed every folder in the background right after `initialized`: give it the time.)
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(c.statuses.length > 0);
    assert.ok(c.statuses.every((s) => s.files <= 1), `only the open file's folder is analysed: ${JSON.stringify(c.statuses)}`);
    const inProblems = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === cUri && p.diagnostics.length === 2);
    const scan = await c.request<{ findings: number; files: number }>('iovaLens/scanWorkspace', {});
    assert.deepEqual(scan, { files: 2, findings: 4, cancelled: false });
    await inProblems;
    assert.ok(c.logs.some((l) => /IOVA Lens: scanned .*: 4 findings in \d+ ms/.test(l)), c.logs.join('\n'));
    // The closed driver's findings came from the scan's process, not from an index kept in the server.
    assert.ok(c.statuses.every((s) => s.files <= 1), JSON.stringify(c.statuses));
  });
});

test('Scan Workspace: an open document counts with its unsaved text, a closed driver as the CLI finds it under the editor\'s rule settings', async () => {
  const dir = sampleCopy('iova-lsp-scan-live-');
  const thunder = join(dir, 'drivers/net/ethernet/cavium/thunder');
  // A second copy of the driver, never opened: its findings come from the CLI.
  cpSync(thunder, join(dir, 'drivers/net/ethernet/cavium/thunder2'), { recursive: true });
  const cUri = pathToFileURL(join(thunder, 'nicvf_queues.c')).toString();
  await withServer(dir, async (c) => {
    const text = readFileSync(join(thunder, 'nicvf_queues.c'), 'utf8');
    const edited = text.replace('data = phys_to_virt(phys_addr);', 'data = NULL;');
    assert.notEqual(edited, text);
    const opened = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === cUri && p.diagnostics.length === 1);
    c.notify('textDocument/didOpen', { textDocument: { uri: cUri, languageId: 'c', version: 1, text: edited } });
    await opened;
    const h2 = pathToFileURL(join(dir, 'drivers/net/ethernet/cavium/thunder2/nicvf_queues.h')).toString();
    const h2Problems = c.waitFor<{ uri: string; diagnostics: { code: string }[] }>('textDocument/publishDiagnostics', (p) => p.uri === h2);
    const scan = await c.request<{ findings: number }>('iovaLens/scanWorkspace', {});
    // thunder (open, edited): c:50 and h:32; thunder2 (closed, from the CLI): c:50, c:64 and h:32; h:33's rule is off.
    assert.equal(scan.findings, 5);
    assert.deepEqual((await h2Problems).diagnostics.map((d) => d.code), ['iova-reverse-lookup']);
  }, { settings: { rules: { 'dma-addr-as-phys': 'off' } }, capabilities: { workspace: { configuration: true } } });
});

test('Scan Workspace runs the ripgrep the client names in initializationOptions (VS Code passes its own)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lsp-rg-'));
  const log = join(dir, 'ran');
  const wrapper = join(dir, 'vscode-rg');
  writeFileSync(wrapper, `#!/bin/sh\necho ran >> '${log}'\nexec rg "$@"\n`, { mode: 0o755 });
  await withServer(SAMPLE, async (c) => {
    const scan = await c.request<{ findings: number }>('iovaLens/scanWorkspace', {});
    assert.equal(scan.findings, 4);
    assert.ok(existsSync(log), 'the scan ran the client\'s ripgrep');
  }, { initializationOptions: { ripgrep: wrapper } });
});

test('Scan Workspace reports its progress as work-done $/progress when the client gives a token', async () => {
  await withServer(sampleCopy('iova-lsp-progress-'), async (c) => {
    const kinds: string[] = [];
    const messages: string[] = [];
    const ended = c.waitFor<{ token: string; value: { kind: string; message?: string } }>('$/progress', (p) => {
      if (p.token !== 'scan-1') return false;
      kinds.push(p.value.kind);
      if (p.value.message) messages.push(p.value.message);
      return p.value.kind === 'end';
    });
    const scan = await c.request<{ findings: number }>('iovaLens/scanWorkspace', { workDoneToken: 'scan-1' });
    assert.equal(scan.findings, 4);
    await ended;
    assert.equal(kinds[0], 'begin');
    assert.ok(kinds.includes('report'), kinds.join());
    assert.ok(messages.some((m) => /^\d+\/\d+ directories analysed$/.test(m)), messages.join(' | '));
  }, { capabilities: { window: { workDoneProgress: true } } });
});

test('Scan Workspace over a folder gone since the start fails with one line naming it, and the server goes on', async () => {
  const gone = join(sampleCopy('iova-lsp-gone-'), 'drivers');
  await withServer(gone, async (c) => {
    rmSync(gone, { recursive: true, force: true });
    const r = await c.request<{ error?: { code: number; message: string } }>('iovaLens/scanWorkspace', {});
    assert.equal(r.error?.code, -32603, JSON.stringify(r));
    assert.match(r.error!.message, /^IOVA Lens: Scan Workspace failed: .*drivers: no such (file or )?directory$/);
    assert.ok(!r.error!.message.includes('\n'));
    // Still serving.
    assert.equal(await c.request('textDocument/hover', { textDocument: { uri: pathToFileURL(join(gone, 'x.c')).toString() }, position: { line: 0, character: 0 } }), null);
  });
});

test('Scan Workspace can be cancelled (the scan\'s process is stopped), and runs again afterwards', async () => {
  await withServer(SAMPLE, async (c) => {
    const first = c.request<{ cancelled?: boolean; error?: { code: number } }>('iovaLens/scanWorkspace', {});
    c.notify('$/cancelRequest', { id: c.lastId });
    const r = await first;
    assert.ok(r.cancelled === true || r.error?.code === -32800, JSON.stringify(r));
    assert.ok(!c.logs.some((l) => /IOVA Lens: scanned /.test(l)), 'the cancelled scan reported nothing');
    const again = await c.request<{ findings: number; cancelled: boolean }>('iovaLens/scanWorkspace', {});
    assert.deepEqual([again.findings, again.cancelled], [4, false]);
  });
});

test('the LSP lifecycle: a request before initialize is ServerNotInitialized, a second initialize and a request after shutdown are InvalidRequest', async () => {
  const c = new Client();
  try {
    const hover = { textDocument: { uri: 'file:///x.c' }, position: { line: 0, character: 0 } };
    assert.equal((await c.request<{ error: { code: number } }>('textDocument/hover', hover)).error.code, -32002);
    const root = pathToFileURL(SAMPLE).toString();
    await c.request('initialize', { processId: process.pid, rootUri: root, capabilities: {} });
    assert.equal((await c.request<{ error: { code: number } }>('initialize', { processId: process.pid, rootUri: root, capabilities: {} })).error.code, -32600);
    c.notify('initialized', {});
    assert.equal(await c.request('textDocument/hover', hover), null);
    await c.request('shutdown', {});
    assert.equal((await c.request<{ error: { code: number } }>('textDocument/hover', hover)).error.code, -32600);
    c.notify('exit', {});
  } finally {
    c.proc.kill();
  }
});

test('wrong-typed editor settings are ignored one line each; diagnostics still arrive', async () => {
  const c = new Client({ enable: 'yes', run: 7, rules: 5, include: 'drivers/**', exclude: [1] });
  try {
    const root = pathToFileURL(SAMPLE).toString();
    await c.request('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'sample' }], capabilities: { workspace: { configuration: true } } });
    c.notify('initialized', {});
    const file = join(SAMPLE, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h');
    const uri = pathToFileURL(file).toString();
    const diagsP = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.length === 2);
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(file, 'utf8') } });
    await diagsP;
    for (const key of ['enable', 'run', 'rules', 'include', 'exclude']) {
      assert.ok(c.logs.some((l) => l.startsWith(`IOVA Lens: ignoring setting iovaLens.${key}:`)), `${key}: ${c.logs.join(' | ')}`);
    }
    await c.request('shutdown', {});
    c.notify('exit', {});
  } finally {
    c.proc.kill();
  }
});

test('.iova-lens.json edits take effect at once; closing an edited header re-checks the open .c against the disk; no hover when disabled', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'iova-lsp-'));
  cpSync(SAMPLE, ws, { recursive: true });
  const settings = { enable: true, run: 'onType', rules: {}, include: [], exclude: [] };
  const c = new Client(settings);
  try {
    const root = pathToFileURL(ws).toString();
    await c.request('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'ws' }], capabilities: { workspace: { configuration: true } } });
    c.notify('initialized', {});
    const dir = join(ws, 'drivers/net/ethernet/cavium/thunder');
    const cUri = pathToFileURL(join(dir, 'nicvf_queues.c')).toString();
    const hUri = pathToFileURL(join(dir, 'nicvf_queues.h')).toString();
    const on = (uri: string, n: number) => c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.length === n);
    let ready = on(cUri, 2);
    c.notify('textDocument/didOpen', { textDocument: { uri: cUri, languageId: 'c', version: 1, text: readFileSync(join(dir, 'nicvf_queues.c'), 'utf8') } });
    await ready;
    // The config file changes on disk: the editor's file watcher says so.
    const cfg = join(ws, '.iova-lens.json');
    writeFileSync(cfg, '{ "rules": { "linear-map-assumption": "off" } }');
    ready = on(cUri, 0);
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(cfg).toString(), type: 1 }] });
    await ready;
    writeFileSync(cfg, '{ }');
    ready = on(cUri, 2);
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(cfg).toString(), type: 2 }] });
    await ready;
    // The header's helper renamed in the editor, not saved: the .c has no finding; closed unsaved: the disk's again.
    const h = readFileSync(join(dir, 'nicvf_queues.h'), 'utf8');
    c.notify('textDocument/didOpen', { textDocument: { uri: hUri, languageId: 'c', version: 1, text: h } });
    ready = on(cUri, 0);
    c.notify('textDocument/didChange', { textDocument: { uri: hUri, version: 2 }, contentChanges: [{ text: h.replaceAll('nicvf_iova_to_phys', 'nicvf_iova_to_phys_renamed') }] });
    await ready;
    ready = on(cUri, 2);
    c.notify('textDocument/didClose', { textDocument: { uri: hUri } });
    await ready;
    const hover = (await c.request('textDocument/hover', { textDocument: { uri: cUri }, position: { line: 49, character: 30 } })) as { contents?: unknown } | null;
    assert.ok(hover?.contents, 'a hover on the finding');
    settings.enable = false;
    ready = on(cUri, 0);
    c.notify('workspace/didChangeConfiguration', { settings: {} });
    await ready;
    assert.equal(await c.request('textDocument/hover', { textDocument: { uri: cUri }, position: { line: 49, character: 30 } }), null, 'disabled: no hover either');
    await c.request('shutdown', {});
    c.notify('exit', {});
  } finally {
    c.proc.kill();
  }
});

/**
 * A second kernel tree (its own MAINTAINERS and .iova-lens.json): arch DMA-API
 * code it owns (silent by the default ownsTranslation, `arch/*\/kernel/**\/*dma*`)
 * and a driver whose finding needs the helper in its sibling header.
 */
function secondTree(): string {
  const tree = mkdtempSync(join(tmpdir(), 'iova-lsp-tree-'));
  const put = (rel: string, text: string) => {
    mkdirSync(dirname(join(tree, rel)), { recursive: true });
    writeFileSync(join(tree, rel), text);
  };
  put('MAINTAINERS', '');
  put('.iova-lens.json', '{ "rules": { "linear-map-assumption": "error" } }');
  put('arch/acme/kernel/pci-dma.c', 'static void *acme_dma_to_virt(struct device *dev, dma_addr_t dma_handle)\n{\n\treturn __va(dma_handle);\n}\n');
  put('drivers/net/acme/acme.h', 'static inline u64 acme_iova_to_phys(struct acme_priv *p, dma_addr_t iova)\n{\n\treturn iommu_iova_to_phys(p->domain, iova);\n}\n');
  put(
    'drivers/net/acme/acme.c',
    '#include "acme.h"\n\nint acme_probe(struct acme_priv *p, struct device *dev)\n{\n\tp->domain = iommu_get_domain_for_dev(dev);\n\treturn 0;\n}\n\n' +
      'void acme_rx(struct acme_priv *p, dma_addr_t iova)\n{\n\tu64 pa = acme_iova_to_phys(p, iova);\n\n\tif (pa)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));\n}\n',
  );
  return tree;
}

for (const [name, folders] of [
  ['a file opened on its own (no workspace folder)', (_tree: string) => [] as string[]],
  ['a multi-root workspace whose second folder is another tree', (_tree: string) => [SAMPLE, _tree]],
] as const) {
  test(`${name}: analysed in its own tree — its config, its owners, its sibling helpers`, async () => {
    const tree = secondTree();
    const c = new Client();
    try {
      const wf = folders(tree).map((f) => ({ uri: pathToFileURL(f).toString(), name: basename(f) }));
      await c.request('initialize', { processId: process.pid, rootUri: wf[0]?.uri ?? null, workspaceFolders: wf.length ? wf : null, capabilities: {} });
      c.notify('initialized', {});
      const open = async (file: string) => {
        const uri = pathToFileURL(file).toString();
        const p = c.waitFor<{ uri: string; diagnostics: { code: string; severity: number; range: { start: { line: number } } }[] }>('textDocument/publishDiagnostics', (x) => x.uri === uri);
        c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(file, 'utf8') } });
        return (await p).diagnostics.map((d) => `${d.range.start.line + 1}:${d.code}:${d.severity}`);
      };
      // The arch code owns the translation there (drivers/iommu/**, kernel/dma/**, arch DMA API): no finding.
      assert.deepEqual(await open(join(tree, 'arch/acme/kernel/pci-dma.c')), []);
      // The helper in acme.h is known; the tree's config makes the finding an error (1).
      assert.deepEqual(await open(join(tree, 'drivers/net/acme/acme.c')), ['14:linear-map-assumption:1']);
      if (folders(tree).length) {
        // The first folder's tree keeps its own (default) severity: warning (2).
        const q = await open(join(SAMPLE, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.c'));
        assert.ok(q.length > 0 && q.every((d) => d.endsWith(':2')), q.join(' '));
      }
      await c.request('shutdown', {});
      c.notify('exit', {});
    } finally {
      c.proc.kill();
    }
  });
}

/**
 * A kernel-like tree of `files` (its MAINTAINERS added) as the one workspace
 * folder; opens `open` and returns its diagnostics (`line:rule`, sorted) once
 * `count` have been published.
 */
async function diagnoseInTree(files: Record<string, string>, open: string, count: number): Promise<string[]> {
  const tree = mkdtempSync(join(tmpdir(), 'iova-lsp-tree-'));
  for (const [rel, text] of Object.entries({ MAINTAINERS: '', ...files })) {
    mkdirSync(dirname(join(tree, rel)), { recursive: true });
    writeFileSync(join(tree, rel), text);
  }
  const c = new Client();
  try {
    const root = pathToFileURL(tree).toString();
    await c.request('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'tree' }], capabilities: {} });
    c.notify('initialized', {});
    const uri = pathToFileURL(join(tree, open)).toString();
    const p = c.waitFor<{ uri: string; diagnostics: { code: string; range: { start: { line: number } } }[] }>('textDocument/publishDiagnostics', (x) => x.uri === uri && x.diagnostics.length === count, 20_000);
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: files[open] } });
    const out = (await p).diagnostics.map((d) => `${d.range.start.line + 1}:${d.code}`).sort();
    await c.request('shutdown', {});
    c.notify('exit', {});
    return out;
  } finally {
    c.proc.kill();
  }
}

test('the editor reads a header that names no API for its dma_addr_t members, as the CLI does', async () => {
  const got = await diagnoseInTree(
    {
      'drivers/net/acme/acme.h': 'struct acme_priv {\n\tvoid *fw;\n\tdma_addr_t fw_dma;\n};\n',
      'drivers/net/acme/acme_dbg.c': '#include "acme.h"\n\nstatic void *acme_fw_view(struct acme_priv *priv)\n{\n\treturn phys_to_virt(priv->fw_dma);\n}\n',
    },
    'drivers/net/acme/acme_dbg.c',
    2,
  );
  assert.deepEqual(got, ['5:dma-addr-as-phys', '5:linear-map-assumption']);
});

test('the editor follows a field that a file naming no API gives coherent memory into the file that converts it, as the CLI does', async () => {
  const got = await diagnoseInTree(
    {
      'drivers/infiniband/acme/acme_hw.c': 'int acme_mbx_create_cq(struct device *dev, struct acme_cq *cq)\n{\n\tcq->va = dma_alloc_coherent(dev, cq->len, &cq->pa, GFP_KERNEL);\n\treturn cq->va ? 0 : -ENOMEM;\n}\n',
      'drivers/infiniband/acme/acme_verbs.c': 'static void acme_copy_cq_uresp(struct acme_cq *cq, struct acme_uresp *uresp)\n{\n\turesp->page_addr[0] = virt_to_phys(cq->va);\n}\n',
    },
    'drivers/infiniband/acme/acme_verbs.c',
    1,
  );
  assert.deepEqual(got, ['3:linear-map-assumption']);
});

test('the editor sees a driver allocate its own IOMMU domain in a file that names no API, as the CLI does: its lookups are silent', async () => {
  const main = 'static void *acme_da_to_va(struct acme_rproc *r, u64 da)\n{\n\tphys_addr_t pa = iommu_iova_to_phys(r->domain, da);\n\n\tif (!pa)\n\t\treturn NULL;\n\treturn phys_to_virt(pa);\n}\n';
  const iommu = (how: string) => `int acme_iommu_init(struct acme_rproc *r)\n{\n\tr->domain = ${how};\n\treturn iommu_attach_device(r->domain, r->dev);\n}\n`;
  const files = (how: string) => ({ 'drivers/remoteproc/acme/acme_iommu.c': iommu(how), 'drivers/remoteproc/acme/acme_main.c': main });
  assert.deepEqual(await diagnoseInTree(files('iommu_get_domain_for_dev(r->dev)'), 'drivers/remoteproc/acme/acme_main.c', 2), ['3:iova-reverse-lookup', '7:linear-map-assumption']);
  assert.deepEqual(await diagnoseInTree(files('iommu_domain_alloc(&platform_bus_type)'), 'drivers/remoteproc/acme/acme_main.c', 0), []);
});

test('hostile input does not stop the server: a FIFO .iova-lens.json, a hanging glob in the settings, a didOpen without text, a .patch of 130,000 lines, malformed hover params', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'iova-lsp-hostile-'));
  cpSync(SAMPLE, ws, { recursive: true });
  spawnSync('mkfifo', [join(ws, '.iova-lens.json')]);
  const c = new Client({ enable: true, run: 'onType', rules: {}, include: [], exclude: ['{1..9999999999}'] });
  try {
    const root = pathToFileURL(ws).toString();
    const init = await Promise.race([
      c.request('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'ws' }], capabilities: { workspace: { configuration: true } } }),
      new Promise((r) => setTimeout(() => r('no answer'), 15_000)),
    ]);
    assert.notEqual(init, 'no answer', 'initialize must not wait on the FIFO');
    c.notify('initialized', {});
    c.notify('textDocument/didOpen', { textDocument: { uri: pathToFileURL(join(ws, 'x.c')).toString(), languageId: 'c', version: 1, text: null } });
    const big = ['--- /dev/null', '+++ b/drivers/acme/gen.h', '@@ -0,0 +1,130000 @@', ...Array.from({ length: 130_000 }, (_, i) => `+int v${i};`), ''].join('\n');
    c.notify('textDocument/didOpen', { textDocument: { uri: pathToFileURL(join(ws, 'gen.patch')).toString(), languageId: 'diff', version: 1, text: big } });
    const file = join(ws, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h');
    const uri = pathToFileURL(file).toString();
    const diags = c.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.length === 2, 30_000);
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(file, 'utf8') } });
    await diags;
    assert.equal(await c.request('textDocument/hover', { textDocument: null, position: null }), null);
    const hover = (await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 31, character: 12 } })) as { contents?: unknown } | null;
    assert.ok(hover?.contents, 'still answering');
    assert.ok(c.logs.some((l) => /\.iova-lens\.json: cannot read config \(not a regular file/.test(l)), c.logs.join(' | '));
    assert.ok(c.logs.some((l) => /iovaLens\.exclude: glob "\{1\.\.9999999999\}": brace ranges/.test(l)), c.logs.join(' | '));
    assert.ok(c.logs.some((l) => /x\.c: the client sent no text for it; not analysed/.test(l)), c.logs.join(' | '));
    assert.equal(c.proc.exitCode, null);
    await c.request('shutdown', {});
    c.notify('exit', {});
  } finally {
    c.proc.kill();
  }
});

test('the editor follows a helper chain split over three files of the folder to its caller, as the CLI does', async () => {
  const got = await diagnoseInTree(
    {
      'drivers/acme/f0.c': 'u64 helper0(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn helper1(d, a);\n}\n',
      'drivers/acme/f1.c': 'u64 helper1(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn helper2(d, a);\n}\n',
      'drivers/acme/f2.c': 'u64 helper2(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn iommu_iova_to_phys(d, a);\n}\n',
      'drivers/acme/use.c': 'void *use(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn phys_to_virt(helper0(d, a));\n}\n',
    },
    'drivers/acme/use.c',
    2,
  );
  assert.deepEqual(got, ['3:iova-phys-unchecked', '3:linear-map-assumption']);
});
