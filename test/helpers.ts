// SPDX-License-Identifier: MIT
// Paths shared by the tests (they run from out/test/…; the repo root is above out/).
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..');
export const SAMPLE = join(REPO, 'test', 'fixtures', 'workspace');
export const CLI = join(REPO, 'dist', 'cli.js');
export const SERVER = join(REPO, 'dist', 'server.js');
