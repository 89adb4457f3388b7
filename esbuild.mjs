// Builds the four bundles (extension, server, cli, webview), copies the
// tree-sitter wasm files and rule docs next to them, and (with --tests)
// transpiles every test file to out/ for `node --test`.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

function copyAssets() {
  mkdirSync('dist/docs', { recursive: true });
  // The wasm files are loaded from beside the bundles (never from node_modules)
  // so the packaged .vsix and the npm CLI find them the same way.
  cpSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'dist/web-tree-sitter.wasm');
  cpSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'), 'dist/tree-sitter-c.wasm');
  for (const f of readdirSync('src/core/rules')) {
    if (f.endsWith('.md')) cpSync(join('src/core/rules', f), join('dist/docs', f));
  }
}

const pkg = JSON.parse((await import('node:fs')).readFileSync('package.json', 'utf8'));
const node = {
  define: { __IOVA_LENS_VERSION__: JSON.stringify(pkg.version) },
  bundle: true, platform: 'node', format: 'cjs', target: 'node20',
  // The ESM build of web-tree-sitter needs import.meta.url; a CJS bundle must take its CJS build.
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/web-tree-sitter.cjs' },
  sourcemap: !production, minify: production, logLevel: 'warning',
};
const contexts = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js' },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['src/cli/scan-worker.ts'], outfile: 'dist/scan-worker.js' },
  { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production,
    logLevel: 'warning', entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview/main.js' },
];

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) walk(p, out); else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

if (args.has('--tests')) {
  // Tests run unbundled from out/ (one JS file per TS file) so a failing
  // assertion points at the test's own line.
  // IOVA_OUT lets several people (or agents) transpile tests without clobbering each other's out/.
  const outdir = process.env.IOVA_OUT || 'out';
  rmSync(outdir, { recursive: true, force: true });
  const files = [...walk('src').filter((f) => !f.startsWith(join('src', 'webview'))), ...walk('test')];
  await esbuild.build({
    entryPoints: files, outdir, outbase: '.', platform: 'node', format: 'cjs', target: 'node20',
    sourcemap: 'inline', logLevel: 'warning',
  });
} else if (watch) {
  copyAssets();
  for (const c of contexts) await (await esbuild.context(c)).watch();
  console.log('[watch] build started');
} else {
  rmSync('dist', { recursive: true, force: true });
  await Promise.all(contexts.map((c) => esbuild.build(c)));
  copyAssets();
}
