// Runs every compiled test (out/**/*.test.js) in ONE `node --test` run so
// its closing summary counts everything: unit tests, rule tables, CLI goldens,
// emulator, the stdio LSP client, the end-to-end tests in real VS Code, and
// the kernel corpus test. `--unit` leaves out e2e and corpus (fast loop).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, sep } from 'node:path';

const unit = process.argv.includes('--unit');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
})(process.env.IOVA_OUT || 'out');
const slow = (f) => f.includes(`${sep}e2e${sep}`) || f.includes(`${sep}corpus${sep}`);
const selected = files.filter((f) => !unit || !slow(f)).sort((a, b) => Number(slow(a)) - Number(slow(b)) || a.localeCompare(b));
if (!existsSync('dist/cli.js')) {
  console.error('iova-lens: dist/ is missing; run `npm run build` first (npm test does it for you).');
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
