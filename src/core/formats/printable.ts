// SPDX-License-Identifier: MIT
// A path or a quoted byte in a line of output for people or for editors'
// quickfix parsers: a newline in a file name would split one finding (or one
// error) over two lines, and an escape character would reach the terminal.
// JSON and SARIF carry names as they are: their encoders escape.

/** `s` with C0 control characters and DEL written as `\n`, `\t`, `\xNN`. */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
