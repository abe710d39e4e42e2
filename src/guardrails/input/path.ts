/**
 * Path-traversal detector. Each argument is decoded the ways servers decode paths (percent,
 * double/triple percent, `%u`, overlong UTF-8, `0x2e`, fullwidth dots, backslashes, base64), then
 * checked for `..` segments, null bytes, `file://`, UNC and drive paths, sensitive targets, and —
 * when the tool has roots (ScanContext.roots) — for resolving outside every root (case-sensitively).
 *
 * Without roots the gateway cannot know the tool's workspace, so by default it flags what no
 * workspace needs: `..` that climbs above the argument's start, a `..` hidden by any encoding,
 * secrets (home credentials, keys, `.env`) and absolute paths into OS configuration, logs and
 * process state or server installations (path-targets.ts). Plain relative names pass; a relative
 * path to a credential store does not (it resolves under the server's home directory).
 *
 * A value with spaces that does not start like a path is prose: its path-looking tokens are
 * mentions, so plainly written findings there are medium (approval); an encoded `..`, a NUL or a
 * stream wrapper has no place in prose and stays high.
 */
import { posix } from 'node:path';
import type { Detector, Finding, ScanContext, Severity } from '../types.ts';
import { base64Text, bound, decodedViews, DEFAULT_MAX_SCAN, finding, guarded, looksBase64, lowerAscii } from './common.ts';
import { sensitiveTarget, spacedBrowserStore, storeText, systemTarget } from './path-targets.ts';

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

/** A parent reference: `..`, `...`/`....` (filters that strip `../` once), `..;` (Tomcat), `.. ` (Windows strips trailing spaces). */
function isParent(seg: string): boolean {
  // By index, not by regex: a trailing-space strip with /[ ]+$/ backtracks quadratically on a long
  // run of spaces that does not end the segment.
  let end = seg.length;
  for (let i = 0; i < end; i++) {
    const c = seg.charCodeAt(i);
    if (c === 59 || c === 37) end = i; // `;` or `%`: the rest is a parameter or an encoding
  }
  while (end > 0 && seg.charCodeAt(end - 1) === 32) end--;
  if (end < 2) return false;
  for (let i = 0; i < end; i++) if (seg.charCodeAt(i) !== 46) return false;
  return true;
}

/** The text before a NUL byte (what a C API would see). */
function beforeNul(p: string): string {
  const i = p.indexOf('\0');
  return i < 0 ? p : p.slice(0, i);
}

/** A token without the quotes and brackets prose wraps it in (by index: a regex `[…]+$` backtracks on long runs). */
function stripWrapping(tok: string): string {
  let a = 0;
  let b = tok.length;
  while (a < b && `"'\`(<`.includes(tok[a]!)) a++;
  while (b > a && `"'\`)>,;`.includes(tok[b - 1]!)) b--;
  return tok.slice(a, b);
}

/** True when some segment is a parent reference. */
function hasDotDot(p: string): boolean {
  return p.split('/').some(isParent);
}

/** True when the parent references climb above where the argument starts (`a/../../x`, `/../etc`). */
function escapesStart(p: string): boolean {
  let depth = 0;
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (isParent(seg)) {
      if (--depth < 0) return true;
    } else depth++;
  }
  return false;
}

/**
 * Case-sensitive, as POSIX file systems are: `/srv/WS/secret` is not under the root `/srv/ws`. On a
 * case-insensitive volume (macOS, Windows) this rejects a differently-cased path inside a root, which
 * is the safe mistake; folding case accepted paths outside the root on every other system.
 */
function withinRoots(abs: string, roots: readonly string[]): boolean {
  return roots.some((r) => {
    const root = posix.resolve('/', canonical(r));
    return abs === root || abs.startsWith(root.endsWith('/') ? root : `${root}/`);
  });
}

/**
 * Chromium's credential stores have a space in their name (`Login Data`), as have the folders above
 * them (`Application Support`, `User Data`), so the token split of prose cut them apart. Searched in
 * the whole text instead (path-targets.ts). When the value is that path — its first segment one
 * word or the profile folder itself, the store its end — it is a path like an absolute one (high);
 * inside a sentence it is a mention (medium), as other sensitive paths in prose are. `single`: the
 * value is one path (not prose), so the store is the path itself.
 */
function browserStoreMention(value: string, out: Finding[], single = false): void {
  for (const view of decodedViews(value)) {
    const raw = storeText(view);
    const p = canonical(lowerAscii(raw));
    const at = spacedBrowserStore(p, raw);
    if (!at) continue;
    const text = at.quoted ? raw : p;
    const whole = single || (at.end === text.length && (at.start === 0 || !/\s/.test(text.slice(0, text.indexOf('/')))));
    // A command reading the store (`cp "Default/Login Data" /tmp`, `Login\ Data`): as the path itself.
    const command = COMMAND_START.test(view) || /(?:login|web)\\ data/i.test(view);
    // Exact case after a blank, with no command: a sentence naming the file (`See the Default/Login Data schema`).
    if (at.quoted && !command && !single && (at.start === 0 || /\s/.test(raw[at.start - 1] as string))) return;
    out.push(finding(D, 'path.sensitive', whole || command ? 'high' : 'medium', 'path targets a sensitive file (browser credential store)'));
    return;
  }
}

/** A value that starts with a command that reads or copies a file. */
const COMMAND_START = /^\s*(?:sudo\s+)?(?:cp|copy|xcopy|robocopy|mv|move|cat|type|sqlite3|scp|rsync|tar|zip|7z|base64|strings|xxd|head|tail|less|more|curl|nc|dd|install|ln)\s/i;

/** Creates the path detector. */
export function createPathDetector(opts: PathDetectorOptions = {}): Detector {
  const maxScan = opts.maxScan ?? DEFAULT_MAX_SCAN;

  const inspect = (raw: string, roots: readonly string[], prose: boolean, out: Finding[]): void => {
    // Written in plain sight vs. revealed only by decoding: the second is evasion wherever it appears.
    const plain = lowerAscii(raw.trim()).replace(/\\/g, '/');
    // Only a `..` standing as its own segment counts as plain (`..%2f` hides the separator: encoded).
    const plainDotDot = plain.split('/').some((seg) => /^\.{2,}(?:;[^%]*)? *$/.test(seg));
    const mention: Severity = prose ? 'medium' : 'high';
    for (const view of decodedViews(raw)) {
      if (view.includes('\0')) out.push(finding(D, 'path.null-byte', 'high', 'path contains a NUL byte (extension/terminator bypass)'));
      const lower = lowerAscii(view.trim());
      // A backslash is a separator on Windows and an escape to a shell or JSON-ish decoder: try both.
      const unescaped = lower.includes('\\') ? canonical(lower.replace(/\\(.)/g, '$1')) : '';
      // `cased` keeps the letters for the roots check; every other rule reads lower case `p` (lowerAscii keeps offsets).
      let cased = canonical(view.trim());
      let p = lowerAscii(cased);
      const wrapper = /^(php|phar|zip|data|expect|glob|compress\.zlib|jar):./.exec(p);
      if (wrapper) out.push(finding(D, 'path.wrapper', 'high', `argument uses the ${wrapper[1]}: stream wrapper`));
      if (p.startsWith('file:')) {
        out.push(finding(D, 'path.file-url', 'high', 'argument is a file: URL'));
        p = p.replace(/^file:(\/\/[^/]*)?/, '') || '/';
        cased = cased.replace(/^file:(\/\/[^/]*)?/i, '') || '/';
      }
      // Windows takes `//server/share` as readily as `\\server\share`.
      if ((p.startsWith('//') && /^\/\/[a-z0-9._$-]+\/[a-z0-9._$-]/.test(p)) || lower.startsWith('\\\\')) {
        out.push(finding(D, 'path.unc', mention, 'argument is a UNC path (remote share; leaks credentials on Windows)'));
      }
      for (const q of unescaped ? [p, unescaped] : [p]) {
        // Backslash escapes are also how regexes and shells write literal dots (`\.\.`): in prose a mention.
        if (hasDotDot(q) && !plainDotDot) out.push(finding(D, 'path.traversal', q === p ? 'high' : mention, 'path contains an encoded parent-directory (..) segment'));
        else if (escapesStart(q)) out.push(finding(D, 'path.traversal', mention, 'path climbs above its start with parent-directory (..) segments'));
      }
      // No file system names a file with more than 255 characters (NAME_MAX on ext4, NTFS, APFS): a
      // longer segment exists to make a server truncate the path (dropping an appended extension).
      if (p.split('/').some((seg) => seg.length > 255)) out.push(finding(D, 'path.overlong', mention, 'path segment longer than any file name (path-truncation attack)'));
      const absolute = p.startsWith('/') || /^[a-z]:/.test(p);
      const target = sensitiveTarget(p.startsWith('/') ? p : `/${p}`);
      if (target) out.push(finding(D, 'path.sensitive', mention, `path targets a sensitive file (${target})`));
      if (roots.length > 0) {
        const drive = /^[a-z]:/.test(p);
        // Compared with their case (withinRoots); a drive path never matches the POSIX roots.
        const abs = drive || p.startsWith('~') ? undefined : posix.resolve(posix.resolve('/', canonical(roots[0] as string)), beforeNul(cased));
        if (abs === undefined || !withinRoots(abs, roots)) {
          out.push(finding(D, 'path.outside-roots', mention, 'path resolves outside the roots this tool may touch'));
        }
      } else if (absolute) {
        const system = systemTarget(posix.normalize(beforeNul(p)));
        if (system) out.push(finding(D, 'path.system', mention, `absolute path into a system location (${system}); configure roots for this tool to allow it`));
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
        // A path argument is one token, possibly with spaces when it starts like a path
        // (`C:\Program Files\…`, `/srv/my docs/x`); other text with spaces is prose, inspected token by token.
        const prose = /\s/.test(trimmed) && !/^(?:[a-z]:[\\/]|[\\/]|~[\\/]|\.\.?[\\/])/i.test(trimmed);
        const tokens = prose ? trimmed.split(/\s+/).slice(0, 512) : [trimmed];
        for (const tok of tokens) {
          if (tok === '') continue;
          const bare = stripWrapping(tok);
          // Free text: only path-looking tokens count for the roots check, or every word would be "relative".
          const pathLike = tokens.length === 1 || /[\\/]|^~|^[a-z]:/i.test(bare) || bare.includes('%') || bare.includes('..');
          if (!pathLike) continue;
          inspect(bare, tokens.length === 1 ? roots : /^[\\/~]|^[a-z]:/i.test(bare) || bare.includes('..') ? roots : [], prose, out);
          if (looksBase64(bare, 16)) {
            const inner = base64Text(bare);
            if (inner && (inner.includes('../') || inner.includes('..\\') || sensitiveTarget(`/${canonical(lowerAscii(inner))}`))) {
              out.push(finding(D, 'path.encoded-traversal', 'high', 'base64-encoded argument decodes to a traversal or sensitive path'));
            }
          }
        }
        // A single path value too: `…/Default/Login\\ Data`, `Default//Login Data`, `User Data/Local State`.
        if (prose) browserStoreMention(stripWrapping(trimmed), out);
        else if (!out.some((f) => f.rule === 'path.sensitive')) browserStoreMention(stripWrapping(trimmed), out, true);
        return out;
      });
    },
  };
}
