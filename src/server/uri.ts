// SPDX-License-Identifier: MIT
import { fileURLToPath, pathToFileURL } from 'node:url';

export const URI = {
  /**
   * A document's file path. Never throws: Node refuses some `file:` URIs a
   * client may send — a host (`file://server/share/x.c`, a UNC path), an
   * encoded slash (`a%2Fb.c`) — and one thrown from the debounced publish
   * killed the server with every open file's diagnostics. Such a document
   * is analysed by its text under the path its URI spells.
   */
  toPath(uri: string): string {
    if (!uri.startsWith('file:')) return uri;
    try {
      return fileURLToPath(uri);
    } catch {
      try {
        const u = new URL(uri);
        return `${u.host ? `//${u.host}` : ''}${decodeURIComponent(u.pathname)}`;
      } catch {
        return uri;
      }
    }
  },
  fromPath(path: string): string {
    return pathToFileURL(path).toString();
  },
};
