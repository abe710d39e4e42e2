/**
 * Path-traversal detector. Each argument is decoded the ways servers decode paths (percent,
 * double/triple percent, `%u`, overlong UTF-8, `0x2e`, fullwidth dots, backslashes, base64), then
 * checked for `..` segments, null bytes, `file://`, UNC and drive paths, sensitive targets, and —
 * when the tool has roots (ScanContext.roots) — for resolving outside every root.
 * Without roots only traversal shapes and sensitive targets are flagged.
 */
import { posix } from 'node:path';
import type { Detector, Finding, ScanContext } from '../types.ts';
import { base64Text, bound, decodedViews, DEFAULT_MAX_SCAN, finding, guarded, looksBase64, lowerAscii } from './common.ts';
import { sensitiveTarget } from './path-targets.ts';

export interface PathDetectorOptions {
  /** Max characters of one field inspected (default 16 KiB). */
  readonly maxScan?: number;
  /** Roots used when the scan context has none. */
  readonly defaultRoots?: readonly string[];
}

const D = 'path';

/** Undoes the non-percent encodings seen in traversal lists: `0x2e`, `%u2215`-style slashes, fullwidth dots. */
function canonical(s: string): string {
  let t = s;
  if (t.includes('0x')) t = t.replace(/0x2e/gi, '.').replace(/0x2f/gi, '/').replace(/0x5c/gi, '\\');
  // `..2f`: a percent sign stripped by a filter that left the hex behind.
  if (t.includes('..2') || t.includes('..5')) t = t.replace(/\.\.(2f|5c)/gi, '../');
  return t
    .replace(/[\u2215\u2044\u2571\uff0f]/g, '/')
    .replace(/[\u2216\u29f5\ufe68\uff3c]/g, '\\')
    .replace(/[\uff0e\u2024\u3002]/g, '.')
    .replace(/\\/g, '/');
}

/** True when some segment is a parent reference (`..`, `...`, `..;`, `.. ` with trailing dots/spaces Windows strips). */
function hasDotDot(p: string): boolean {
  for (const seg of p.split('/')) {
    if (seg.length < 2) continue;
    const core = seg.replace(/[;%].*$/, '').replace(/[ ]+$/, '');
    if (/^\.{2,}$/.test(core)) return true;
  }
  return false;
}

function withinRoots(abs: string, roots: readonly string[]): boolean {
  return roots.some((r) => {
    const root = posix.resolve('/', canonical(r));
    return abs === root || abs.startsWith(root.endsWith('/') ? root : `${root}/`);
  });
}

/** Creates the path detector. */
export function createPathDetector(opts: PathDetectorOptions = {}): Detector {
  const maxScan = opts.maxScan ?? DEFAULT_MAX_SCAN;

  const inspect = (raw: string, roots: readonly string[], out: Finding[]): void => {
    for (const view of decodedViews(raw)) {
      if (view.includes('\0')) out.push(finding(D, 'path.null-byte', 'high', 'path contains a NUL byte (extension/terminator bypass)'));
      const lower = lowerAscii(view.trim());
      // A backslash is a separator on Windows and an escape to a shell or JSON-ish decoder: try both.
      const unescaped = lower.includes('\\') ? canonical(lower.replace(/\\(.)/g, '$1')) : '';
      if (unescaped && hasDotDot(unescaped)) out.push(finding(D, 'path.traversal', 'high', 'path contains a parent-directory (..) segment after decoding'));
      let p = canonical(lower);
      const wrapper = /^(php|phar|zip|data|expect|glob|compress\.zlib|jar):/.exec(p);
      if (wrapper) out.push(finding(D, 'path.wrapper', 'high', `argument uses the ${wrapper[1]}: stream wrapper`));
      if (p.startsWith('file:')) {
        out.push(finding(D, 'path.file-url', 'high', 'argument is a file: URL'));
        p = p.replace(/^file:(\/\/[^/]*)?/, '') || '/';
      }
      if (p.startsWith('//') && /^\/\/[a-z0-9._$-]+\/[a-z0-9._$-]/.test(p) && !lower.startsWith('//')) {
        out.push(finding(D, 'path.unc', 'high', 'argument is a UNC path (remote share; leaks credentials on Windows)'));
      } else if (lower.startsWith('\\\\')) {
        out.push(finding(D, 'path.unc', 'high', 'argument is a UNC path (remote share; leaks credentials on Windows)'));
      }
      if (hasDotDot(p)) out.push(finding(D, 'path.traversal', 'high', 'path contains a parent-directory (..) segment after decoding'));
      const target = sensitiveTarget(p.startsWith('/') ? p : `/${p}`);
      if (target) out.push(finding(D, 'path.sensitive', 'high', `path targets a sensitive file (${target})`));
      if (roots.length > 0) {
        const drive = /^[a-z]:/.test(p);
        const abs = drive || p.startsWith('~') ? undefined : posix.resolve(posix.resolve('/', canonical(roots[0] as string)), p.replace(/\0.*$/, ''));
        if (abs === undefined || !withinRoots(abs, roots)) {
          out.push(finding(D, 'path.outside-roots', 'high', 'path resolves outside the roots this tool may touch'));
        }
      } else if (/^[a-z]:\/?(windows|winnt|boot\.ini|users\/[^/]+\/(ntuser|appdata))/.test(p)) {
        out.push(finding(D, 'path.sensitive', 'high', 'path targets a Windows system location'));
      }
    }
  };

  return {
    name: D,
    direction: 'input',
    scan(text: string, ctx?: ScanContext): Finding[] {
      return guarded(D, () => {
        const out: Finding[] = [];
        const body = bound(D, text, maxScan, out);
        const roots = ctx?.roots ?? opts.defaultRoots ?? [];
        const trimmed = body.trim();
        // A path argument is one token; free text with spaces is inspected token by token.
        const tokens = /\s/.test(trimmed) && !/^[a-z]:[\\/]/i.test(trimmed) ? trimmed.split(/\s+/).slice(0, 512) : [trimmed];
        for (const tok of tokens) {
          if (tok === '') continue;
          const bare = tok.replace(/^["'`(<]+|["'`)>,;]+$/g, '');
          // Free text: only path-looking tokens count for the roots check, or every word would be "relative".
          const pathLike = tokens.length === 1 || /[\\/]|^~|^[a-z]:/i.test(bare) || bare.includes('%') || bare.includes('..');
          if (!pathLike) continue;
          inspect(bare, tokens.length === 1 ? roots : /^[\\/~]|^[a-z]:/i.test(bare) || bare.includes('..') ? roots : [], out);
          if (looksBase64(bare, 16)) {
            const inner = base64Text(bare);
            if (inner && (inner.includes('../') || inner.includes('..\\') || sensitiveTarget(`/${canonical(lowerAscii(inner))}`))) {
              out.push(finding(D, 'path.encoded-traversal', 'high', 'base64-encoded argument decodes to a traversal or sensitive path'));
            }
          }
        }
        return out;
      });
    },
  };
}
