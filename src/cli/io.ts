// SPDX-License-Identifier: MIT
/** Where a CLI command writes; tests pass a capturing implementation. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** A one-line progress message on stderr (empty string clears it); only called when errIsTTY. */
  progress(s: string): void;
  isTTY: boolean;
  errIsTTY: boolean;
}

export function processIo(): Io {
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
    progress: (s) => {
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${s}`);
    },
    isTTY: !!process.stdout.isTTY,
    errIsTTY: !!process.stderr.isTTY,
  };
}
