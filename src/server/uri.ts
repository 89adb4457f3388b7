// SPDX-License-Identifier: MIT
import { fileURLToPath, pathToFileURL } from 'node:url';

export const URI = {
  toPath(uri: string): string {
    return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  },
  fromPath(path: string): string {
    return pathToFileURL(path).toString();
  },
};
