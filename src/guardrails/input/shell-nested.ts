/**
 * Text a command hands to a shell (or to system()) as code, so the detector can parse and judge
 * it like the outer command: `sh -c '…'`, `eval …`, `sh <<< '…'`, `bash <<EOF`, `echo '…' | sh`,
 * `printf '…' | bash`, `cat <<EOF | sh`, and the shell-outs of inline interpreter code
 * (`python3 -c "os.system('…')"`, `perl -e 'system "…"'`, `awk 'BEGIN{system("…")}'`).
 * Only literal text is returned: what a pipe carries from anything but echo/printf/cat of literal
 * words is unknown here. Each function is one linear pass over the command's words.
 */
import type { Cmd } from './shell-ast.ts';
import { decodeEscapes } from './shell-escapes.ts';

/** Shells whose `-c` takes a script and which read their script from stdin without one. */
export const SH = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'yash', 'posh', 'csh', 'tcsh', 'fish']);
/** sh options that take the next word (`-o pipefail`, `--rcfile f`). */
const SH_VALUE = /^[-+][a-zA-Z]*[oO]$|^--(rcfile|init-file)$/;

interface ShArgs {
  /** `-c` given: the first operand is the script. */
  readonly c: boolean;
  /** `-s` given: the script is stdin even with operands. */
  readonly s: boolean;
  readonly operands: string[];
}

/** Splits a shell's words into options and operands (`bash -c -- 'x'`: `--` ends options, it is not the script). */
function shArgs(args: string[]): ShArgs {
  let c = false;
  let s = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--' || a === '-') return { c, s, operands: args.slice(a === '--' ? i + 1 : i) };
    if (!/^[-+]./.test(a)) return { c, s, operands: args.slice(i) };
    if (!a.startsWith('--') && a.startsWith('-')) {
      if (a.includes('c')) c = true;
      if (a.includes('s')) s = true;
    }
    if (SH_VALUE.test(a)) i++;
  }
  return { c, s, operands: [] };
}

/** Files that are the process's own stdin. */
const STDIN_FILES = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/**
 * True when a shell reads its script from stdin (`| sh`, `| bash -s`, `| sh -e`, `| bash /dev/fd/0`;
 * not `| sh -c …`, not `| sh file`). Under xargs, `sh -c` with no script takes the first word read
 * as the script, and `xargs -I{} sh -c {}` a whole line: stdin is code there too.
 */
export function shellReadsStdin(d: Cmd): boolean {
  if (!SH.has(d.name)) return false;
  const p = shArgs(d.args);
  const first = p.operands[0];
  if (p.c) return d.via?.includes('xargs') === true && (first === undefined || first.includes('{}') || /^[^\w\s]{1,4}$/.test(first));
  return p.s || first === undefined || STDIN_FILES.has(first);
}

/** {@link shellReadsStdin}, or `source /dev/stdin` / `. /dev/stdin` (the current shell runs stdin). */
export function readsStdinScript(d: Cmd): boolean {
  if (d.name === 'source' || d.name === '.') return STDIN_FILES.has(d.args[0] ?? '') && d.args[0] !== '-';
  return shellReadsStdin(d);
}

/** `printf FORMAT ARGS…` output: escapes decoded, `%s`-style conversions filled from ARGS (format not reused). */
function printfText(args: string[]): string | undefined {
  if (args[0] === '-v') return undefined;
  const rest = args[0] === '--' ? args.slice(1) : args;
  const [format, ...values] = rest;
  if (format === undefined) return undefined;
  let k = 0;
  return decodeEscapes(format).replace(/%(%|[-#0 +]*\d*(?:\.\d+)?[a-zA-Z])/g, (m, conv: string) => (conv === '%' ? '%' : conv.endsWith('b') ? decodeEscapes(values[k++] ?? '', 'echo') : (values[k++] ?? '')));
}

/** `echo [-neE] WORDS…` output; escapes are decoded (sh's echo does, bash's with -e). */
function echoText(args: string[]): string {
  let i = 0;
  while (i < args.length && /^-[neE]+$/.test(args[i] as string)) i++;
  return decodeEscapes(args.slice(i).join(' '), 'echo');
}

/** Literal text a command writes to stdout, when it is echo, printf, or cat of a heredoc/here-string. */
export function literalOutput(c: Cmd): string | undefined {
  // Under xargs the words come from stdin, so they are not literal text.
  if (c.nested.length > 0 || c.via?.includes('xargs')) return undefined;
  if (c.name === 'echo') return echoText(c.args);
  if (c.name === 'printf') return printfText(c.args);
  if (c.name === 'cat' && c.args.every((a) => a === '-')) {
    const r = c.redirects.find((x) => x.op.startsWith('<<'));
    return r ? r.target : undefined;
  }
  return undefined;
}

/** Filters that pass text through unchanged or only drop, reorder or copy whole lines. */
const PASS_THROUGH = new Set(['cat', 'tee', 'grep', 'egrep', 'fgrep', 'sort', 'uniq', 'head', 'tail', 'envsubst']);

/**
 * True when a pipeline stage hands on its input as whole lines (`tee log`, `grep -v '#'`, `sort -u`,
 * `cat -`), so what reaches the next stage is text already written. Byte cuts (`tail -c +2`) and
 * `grep -o` (parts of lines) can assemble a command that was not written, so they transform.
 */
export function passesThrough(c: Cmd): boolean {
  if (!PASS_THROUGH.has(c.name) || c.nested.length > 0) return false;
  if ((c.name === 'head' || c.name === 'tail') && c.args.some((a) => /^-[a-zA-Z]*c|^--bytes/.test(a))) return false;
  if (/grep$/.test(c.name) && c.args.some((a) => /^-[a-zA-Z]*o|^--only/.test(a))) return false;
  return true;
}

/** The script of `sh -c SCRIPT`, `su -c SCRIPT` / `su --command=SCRIPT`. */
function dashC(c: Cmd): string | undefined {
  if (SH.has(c.name)) {
    const p = shArgs(c.args);
    return p.c ? p.operands[0] : undefined;
  }
  if (c.name === 'su' || c.name === 'runuser') {
    for (let i = 0; i < c.args.length; i++) {
      const a = c.args[i] as string;
      if (a === '-c' || a === '--command' || a === '--session-command') return c.args[i + 1];
      if (a.startsWith('--command=')) return a.slice(10);
    }
  }
  return undefined;
}

/** Options that put interpreter code in the next word, per interpreter. */
const CODE_OPT: Record<string, RegExp> = {
  python: /^-[a-zA-Z]*c$/,
  python2: /^-[a-zA-Z]*c$/,
  python3: /^-[a-zA-Z]*c$/,
  perl: /^-[a-zA-Z]*[eE]$/,
  ruby: /^-[a-zA-Z]*e$/,
  node: /^(-e|-p|--eval|--print)$/,
  nodejs: /^(-e|-p|--eval|--print)$/,
  php: /^-r$/,
  lua: /^-e$/,
};
const AWK = new Set(['awk', 'gawk', 'mawk', 'nawk', 'busybox-awk']);

/** Inline program text of `python -c`, `perl -e`, `node -e`, `php -r`, `awk 'PROGRAM'`; undefined if none. */
export function inlineCode(c: Cmd): string | undefined {
  const opt = CODE_OPT[c.name] ?? (/^python3\.\d+$/.test(c.name) ? CODE_OPT.python : undefined);
  if (opt) {
    const i = c.args.findIndex((a) => opt.test(a));
    return i >= 0 ? c.args[i + 1] : undefined;
  }
  if (!AWK.has(c.name)) return undefined;
  for (let i = 0; i < c.args.length; i++) {
    const a = c.args[i] as string;
    if (a === '--') return c.args[i + 1];
    if (a === '-f' || a.startsWith('--file')) return undefined;
    if (a === '-F' || a === '-v') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** Calls that run a string (or list of words) as a command, in Python, Perl, Ruby, PHP, Node and awk. */
const SHELL_OUT = /\b(?:system|popen|exec|execSync|execFile|execFileSync|spawn|spawnSync|call|run|check_call|check_output|getoutput|getstatusoutput|Popen|shell_exec|passthru|proc_open|pcntl_exec|qx)\b\s*[([]?\s*/g;
const MAX_SHELL_OUTS = 8;

/** Reads `'a', "b", …` (optionally in `[…]`) at `i`: the literals joined by blanks, or undefined. */
function literalsAt(code: string, i: number): string | undefined {
  const words: string[] = [];
  let j = i;
  if (code[j] === '[' || code[j] === '(') j++;
  while (j < code.length && words.length < 64) {
    while (code[j] === ' ') j++;
    const q = code[j];
    if (q !== '"' && q !== "'") break;
    let k = j + 1;
    while (k < code.length && code[k] !== q) k += code[k] === '\\' ? 2 : 1;
    if (k >= code.length) break;
    words.push(decodeEscapes(code.slice(j + 1, k)));
    j = k + 1;
    while (code[j] === ' ') j++;
    if (code[j] !== ',') break;
    j++;
  }
  return words.length > 0 ? words.join(' ') : undefined;
}

/**
 * Command strings the inline code passes to a shell-out call (`os.system('rm -rf /')`,
 * `subprocess.run(['rm','-rf','/'])`, `` `rm -rf /` `` in Perl/Ruby). Only literals: the point is
 * to judge what runs by the same rules, not to flag every `python -c` that calls system().
 */
export function shellOuts(code: string): string[] {
  const out: string[] = [];
  SHELL_OUT.lastIndex = 0;
  for (let m = SHELL_OUT.exec(code); m !== null && out.length < MAX_SHELL_OUTS; m = SHELL_OUT.exec(code)) {
    const lit = literalsAt(code, m.index + m[0].length);
    if (lit) out.push(lit);
  }
  // Backticks and %x(…) run a shell in Perl, Ruby and PHP.
  for (const m of code.matchAll(/`([^`]+)`|%x\(([^)]+)\)/g)) {
    if (out.length >= MAX_SHELL_OUTS) break;
    out.push((m[1] ?? m[2]) as string);
  }
  return out;
}

/** Scripts `c` runs (see the module comment): each is parsed and checked by the caller, to a bounded depth. */
export function nestedScripts(c: Cmd): string[] {
  const out: string[] = [];
  const inner = dashC(c);
  if (inner) out.push(inner);
  else if (c.name === 'eval') out.push(c.args.join(' '));
  if (shellReadsStdin(c)) for (const r of c.redirects) if (r.op.startsWith('<<')) out.push(r.target);
  // `echo '…' | sh`, and through stages that pass lines on unchanged (`echo '…' | tee log | sh`, `grep -v '#' <<EOF | sh`).
  const next = c.downstream.find((d) => !passesThrough(d));
  if (next && readsStdinScript(next)) {
    const text = literalOutput(c) ?? (passesThrough(c) && (c.name !== 'cat' || c.args.every((a) => a.startsWith('-'))) ? c.redirects.find((r) => r.op.startsWith('<<'))?.target : undefined);
    if (text !== undefined) out.push(text);
  }
  const code = inlineCode(c);
  if (code) out.push(...shellOuts(code));
  return out.filter((s) => s.trim().length > 0);
}
