// SPDX-License-Identifier: MIT
// SARIF 2.1.0: rule metadata with help URIs, related locations, the chain as a
// code flow, and partialFingerprints that survive line shifts (rule + path +
// function + message, and the ordinal among results that share those).
import type { Log } from 'sarif';
import type { ScanReport } from './json';
import { RULES, NOTICES } from '../rules/index';
import { docUrl } from '../engine';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

function fingerprint(s: string): string {
  // FNV-1a 64-bit: stable across runs and platforms, no crypto dependency in core.
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * `doc`: a rule's page (markdown), when the host can read it — carried as the
 * rule's help and its first paragraph as the full description, which
 * code-scanning services (GitHub's among them) show beside an alert.
 */
export function formatSarif(r: ScanReport, doc: (id: string) => string | undefined = () => undefined): string {
  // Results with the same rule, path, function and message (dpaa_eth.c's
  // sg_fd_to_skb() has three) must not share a fingerprint, or code-scanning
  // services merge them into one alert: the 2nd, 3rd… in output order get
  // their ordinal; the first keeps the plain key, as before.
  const seen = new Map<string, number>();
  const occurrence = (f: ScanReport['findings'][number]): string => {
    const key = `${f.rule}|${f.path}|${f.function ?? ''}|${f.message}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? key : `${key}|#${n}`;
  };
  const rules = [...RULES.map((x) => x.meta), ...NOTICES];
  const loc = (path: string, line: number, column = 1, endLine?: number, endColumn?: number) => ({
    physicalLocation: {
      artifactLocation: { uri: uriPath(path), uriBaseId: '%SRCROOT%' },
      region: { startLine: line, startColumn: column, ...(endLine ? { endLine, endColumn } : {}) },
    },
  });
  // Typed against @types/sarif (the SARIF 2.1.0 object model): a misnamed or mistyped property does not compile.
  const sarif: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'iova-lens',
            version: r.version,
            informationUri: 'https://github.com/iova-lens/iova-lens',
            rules: rules.map((m) => ({
              id: m.id,
              name: friendlyName(m.id),
              shortDescription: { text: m.short },
              ...docParts(doc(m.id), docUrl(m.id)),
              helpUri: docUrl(m.id),
              defaultConfiguration: { level: LEVEL[m.defaultSeverity] },
              properties: { concerns: m.concerns },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${uriPath(r.root.endsWith('/') ? r.root : r.root + '/')}` } },
        results: r.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: rules.findIndex((m) => m.id === f.rule),
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [loc(f.path, f.line, f.column, f.endLine, f.endColumn)],
          relatedLocations: f.related.map((x, i) => ({ id: i + 1, message: { text: x.message }, ...loc(x.path, x.line) })),
          codeFlows: f.chain.length
            ? [{ threadFlows: [{ locations: [{ location: { ...loc(f.path, f.line, f.column), message: { text: f.chain.join(' → ') } } }, ...f.related.map((x) => ({ location: { ...loc(x.path, x.line), message: { text: x.message } } }))] }] }]
            : undefined,
          partialFingerprints: { 'iovaLens/v1': fingerprint(occurrence(f)) },
          properties: { concerns: f.concerns, chain: f.chain, function: f.function },
        })),
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: r.errors.map((e) => ({ level: 'warning', message: { text: e.message }, locations: [loc(e.path, 1)] })) }],
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

/** SARIF's friendly rule name: the id in PascalCase (iova-reverse-lookup → IovaReverseLookup). */
export function friendlyName(id: string): string {
  return id.replace(/(?:^|-)([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** fullDescription (the page's first paragraph) and help (the whole page, as markdown) of a rule page; nothing without one. */
function docParts(md: string | undefined, url: string): { fullDescription?: { text: string; markdown: string }; help?: { text: string; markdown: string } } {
  if (!md?.trim()) return {};
  const body = md.replace(/^#[^\n]*\n+/, '');
  const first = body.split(/\n\s*\n/)[0].replace(/\s*\n\s*/g, ' ').trim();
  // (help.text, which a viewer shows only without markdown, is the summary and where the page is.)
  return { fullDescription: { text: plain(first), markdown: first }, help: { text: `${plain(first)} Wrong and right code, where it breaks, how to suppress: ${url}`, markdown: md } };
}

/** A prose paragraph's markdown emphasis and code marks dropped (SARIF's `text` is plain; `markdown` keeps them). */
function plain(md: string): string {
  return md.replace(/\*\*([^*]+)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1').replace(/\*([^*\s][^*]*)\*/g, '$1');
}

/**
 * A path as a URI reference (SARIF's `uri` must be one): characters a path
 * segment may not hold are percent-encoded as UTF-8 — a file `a#b.c` is not
 * `a` with a fragment, `x%20.c` is not `x .c`; `/` and RFC 3986's segment
 * characters (kernel paths' `+` `,`) stay as they are.
 */
export function uriPath(path: string): string {
  const uri = path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate: U+FFFD, as the name's decoding would give
    }
  });
  // A relative reference whose first segment holds a colon reads as a scheme (`drv:a/x.c` is scheme
  // `drv`, RFC 3986 §4.2): that segment's colons are percent-encoded.
  const first = uri.indexOf('/');
  const head = first < 0 ? uri : uri.slice(0, first);
  return uri[0] !== '/' && head.includes(':') ? head.replace(/:/g, '%3A') + uri.slice(head.length) : uri;
}
