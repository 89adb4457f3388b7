// Packages the .vsix from a staging folder holding only what ships (dist/,
// media/, package.json, README, CHANGELOG, LICENSE): vsce otherwise walks every file of
// the checkout — including the 600 MB code-server in .tools/ — before it
// applies .vscodeignore.
import { cpSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const stage = join(root, '.cache', `vsix-stage-${process.pid}`);
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'dist', 'media']) {
  if (existsSync(join(root, f))) cpSync(join(root, f), join(stage, f), { recursive: true });
}
// `--out FILE` lets concurrent test runs package side by side.
const oi = process.argv.indexOf('--out');
const out = oi > 0 ? resolve(process.argv[oi + 1]) : join(root, 'iova-lens.vsix');
const vsce = join(require.resolve('@vscode/vsce/package.json'), '..', 'vsce');
try {
  execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', out], { cwd: stage, stdio: 'inherit' });
} finally {
  rmSync(stage, { recursive: true, force: true });
}
