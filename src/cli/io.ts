// SPDX-License-Identifier: MIT
/** Where a CLI command writes; tests pass a capturing implementation. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** A one-line progress message on stderr (empty string clears it); only called when errIsTTY. */
  progress(s: string): void;
  isTTY: boolean;
  /** Progress is wanted: stderr is a terminal, or IOVA_LENS_PROGRESS=lines asks for it as lines (the editor's Scan Workspace reads them). */
  errIsTTY: boolean;
}

/** `failed`: what to do when standard output cannot be written (main.ts outputFailed()). */
export function processIo(failed: (e: NodeJS.ErrnoException) => void = (e) => { throw e; }): Io {
  const lines = process.env.IOVA_LENS_PROGRESS === 'lines';
  return {
    // (A file or /dev/full as stdout is written synchronously: its error is thrown here, not emitted.)
    out: (s) => {
      try {
        process.stdout.write(s);
      } catch (e) {
        failed(e as NodeJS.ErrnoException);
      }
    },
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
    progress: (s) => {
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${s}`);
      else if (lines && s) process.stderr.write(`${s}\n`);
    },
    isTTY: !!process.stdout.isTTY,
    errIsTTY: !!process.stderr.isTTY || lines,
  };
}
