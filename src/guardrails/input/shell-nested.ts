/**
 * Text a command hands to a shell (or to system()) as code, so the detector can parse and judge
 * it like the outer command: `sh -c '…'`, `eval …`, `sh <<< '…'`, `bash <<EOF`, `echo '…' | sh`,
 * `printf '…' | bash`, `cat <<EOF | sh`, and the shell-outs of inline interpreter code
 * (`python3 -c "os.system('…')"`, `perl -e 'system "…"'`, `awk 'BEGIN{system("…")}'`).
 * Only literal text is returned: what a pipe carries from anything but echo/printf/cat of literal
 * words is unknown here. Each function is one linear pass over the command's words.
 *
 * A pipe can end in more than `sh`: `su`, `sudo -s`, `awk '{system($0)}'` and
 * `while read l; do $l; done` also run each line they read as a command ({@link readsStdinScript}),
 * and `find … -exec sh -c '…' \;` hands its code on like `sh -c` does.
 */
import type { Cmd } from './shell-ast.ts';
import { decodeEscapes } from './shell-escapes.ts';
import { runsLoginShell, unwrap } from './shell-wrappers.ts';

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

/** su/runuser options whose value is the next word (util-linux and shadow-utils). */
const SU_LONG_VALUE = new Set(['--group', '--supp-group', '--shell', '--whitelist-environment', '--user']);
const SU_SHORT_VALUE = 'gGswu';

/**
 * `su`, `su -`, `su root`, `runuser -l root`: with no `-c` the user's login shell reads its script
 * from stdin, so `echo '…' | su` runs the text as that user. A second operand hands the shell a
 * script file instead; `runuser -u USER` is followed by the command itself.
 */
function suReadsStdin(d: Cmd): boolean {
  if (d.name !== 'su' && d.name !== 'runuser') return false;
  let operands = 0;
  let user = false;
  for (let i = 0; i < d.args.length; i++) {
    const a = d.args[i] as string;
    if (a === '--') {
      operands += d.args.length - i - 1;
      break;
    }
    if (a === '-') continue;
    if (a.startsWith('--')) {
      const key = a.split('=', 1)[0] as string;
      if (key === '--command' || key === '--session-command') return false;
      if (key === '--user') user = true;
      if (SU_LONG_VALUE.has(key) && !a.includes('=')) i++;
      continue;
    }
    if (!a.startsWith('-')) {
      operands++;
      continue;
    }
    for (let k = 1; k < a.length; k++) {
      const letter = a[k] as string;
      if (letter === 'c') return false;
      if (letter === 'u') user = d.name === 'runuser';
      if (SU_SHORT_VALUE.includes(letter)) {
        if (k === a.length - 1) i++;
        break;
      }
    }
  }
  return operands <= (user ? 0 : 1);
}

/** read's options whose value is the rest of the word or the next word (bash `read`). */
const READ_VALUE = 'adinNptu';
/** `$l`, `${l}`, `${l[@]}` as a whole word. */
const VAR_WORD = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)(?:\[[@*]\])?\}?$/;
/** Every `$name` / `${name…}` in a word. */
const VAR_REF = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;

/** The variables `read` fills (REPLY when none is named; `-a NAME` fills an array). */
function readVars(args: string[]): Set<string> {
  const vars = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!/^-[a-zA-Z]/.test(a)) {
      vars.add(a);
      continue;
    }
    for (let k = 1; k < a.length; k++) {
      const letter = a[k] as string;
      if (!READ_VALUE.includes(letter)) continue;
      const value = k < a.length - 1 ? a.slice(k + 1) : (args[++i] ?? '');
      if (letter === 'a') vars.add(value);
      break;
    }
  }
  if (vars.size === 0) vars.add('REPLY');
  return vars;
}

const refsAny = (text: string, vars: Set<string>): boolean => [...text.matchAll(VAR_REF)].some((m) => vars.has(m[1] as string));

/**
 * `while read l; do $l; done` / `do eval "$l"` / `do sh -c "$l"`: a loop that runs each line it
 * reads as a command, which is what `| sh` does with the same lines.
 */
function readLoopRunsLines(d: Cmd): boolean {
  if (d.name !== 'read' || !d.loopBody) return false;
  const vars = readVars(d.args);
  return d.loopBody.some((b) => {
    const v = VAR_WORD.exec(b.rawName);
    if (v && vars.has(v[1] as string)) return true;
    if (b.name === 'eval') return b.args.some((a) => refsAny(a, vars));
    const code = dashC(b);
    return code !== undefined && refsAny(code, vars);
  });
}

/*
 * The awk patterns below run on the program with each run of blanks collapsed to one space, so no two
 * adjacent optional blanks can split a long run of them (each pattern stays linear in the program).
 */
/** Shells an awk program can pipe its output into (`"sh"`, `"/bin/bash -s"`, `"sudo sh"`). */
const AWK_SHELL = '" ?(?:[^" ]*/)?(?:sudo )?(?:sh|bash|zsh|dash|ksh|mksh|ash)(?: -[a-z]+)* ?"';
/** One awk statement printing the input line, or a field of it, into a shell: `print | "sh"`, `print $0 | "bash"`. */
const AWK_PRINT_TO_SHELL = new RegExp(`^ ?print ?\\(? ?(?:\\$\\w+ ?)?\\)? ?\\| ?${AWK_SHELL} ?\\)? ?$`);
/** `system($0)`, `system($2)`, `$0 | getline`: a field of the input run as a command. */
const AWK_FIELD_RUN = /\bsystem ?\( ?\(? ?\$\w+ ?\)? ?\)|\$\w+ ?\| ?getline\b/;
/** `cmd = $0` … `system(cmd)` / `cmd | getline`. */
const AWK_FROM_FIELD = /\b([A-Za-z_]\w*) ?= ?\$/g;
const AWK_VAR_RUN = /\bsystem ?\( ?([A-Za-z_]\w*) ?\)|\b([A-Za-z_]\w*) ?\| ?getline\b/g;

/** True when an awk program runs the lines it reads as commands (`awk '{system($0)}'`, `awk '{print | "sh"}'`). */
function awkRunsLines(d: Cmd): boolean {
  if (!AWK.has(d.name)) return false;
  const program = inlineCode(d);
  if (program === undefined) return false;
  const code = program.replace(/[ \t\r\f\v]+/g, ' ');
  if (AWK_FIELD_RUN.test(code) || code.split(/[;{}\n]/).some((st) => AWK_PRINT_TO_SHELL.test(st))) return true;
  const fromField = new Set([...code.matchAll(AWK_FROM_FIELD)].map((m) => m[1] as string));
  return fromField.size > 0 && [...code.matchAll(AWK_VAR_RUN)].some((m) => fromField.has((m[1] ?? m[2]) as string));
}

/**
 * True when `d` runs what it reads on stdin as commands: a shell reading its script from stdin
 * ({@link shellReadsStdin}), `source /dev/stdin`, a root or login shell (`su`, `su - root`,
 * `sudo -s`, `sudo -i`, `doas -s`, `pkexec`), an awk program that runs its lines, or a
 * `while read` loop that does.
 */
export function readsStdinScript(d: Cmd): boolean {
  if (d.name === 'source' || d.name === '.') return STDIN_FILES.has(d.args[0] ?? '') && d.args[0] !== '-';
  return shellReadsStdin(d) || suReadsStdin(d) || runsLoginShell(d.name, d.args) || runsLines(d);
}

/**
 * Answers of {@link readLoopRunsLines} and {@link awkRunsLines}, per command: every earlier stage of a
 * pipeline asks about the same reader, and an awk program can be kilobytes long. Only `read` and
 * awk commands are stored, after extraction has settled their names and words.
 */
const linesRunner = new WeakMap<Cmd, boolean>();

function runsLines(d: Cmd): boolean {
  if (!(d.name === 'read' && d.loopBody) && !AWK.has(d.name)) return false;
  let known = linesRunner.get(d);
  if (known === undefined) {
    known = readLoopRunsLines(d) || awkRunsLines(d);
    linesRunner.set(d, known);
  }
  return known;
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

const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/** The commands of `find`'s actions (`-exec sh -c '…' {} \;`, `-execdir … +`), wrappers unwrapped. */
function findActions(c: Cmd): Cmd[] {
  if (c.name !== 'find') return [];
  const out: Cmd[] = [];
  for (let i = 0; i < c.args.length; i++) {
    if (!FIND_EXEC.has(c.args[i] as string)) continue;
    // The command ends at `;`, or at `+` right after `{}` (find's own rule).
    let j = i + 1;
    while (j < c.args.length && c.args[j] !== ';' && !(c.args[j] === '+' && c.args[j - 1] === '{}')) j++;
    const words = c.args.slice(i + 1, j);
    const first = words[0];
    if (first !== undefined) {
      const u = unwrap(first, words.slice(1));
      const action: Cmd = { name: u.name, rawName: u.rawName, args: u.args, rawArgs: words.slice(1), redirects: [], downstream: [], inSubstitution: c.inSubstitution, nested: [], expands: [], assigns: [], start: c.start, end: c.end };
      if (u.via.length > 0) action.via = u.via;
      out.push(action);
    }
    i = j;
  }
  return out;
}

/** Code one command hands on by its words: `sh -c CODE`, `su -c CODE`, `eval WORDS`, shell-outs in inline interpreter code. */
function ownCode(c: Cmd, out: string[]): void {
  const inner = dashC(c);
  if (inner) out.push(inner);
  else if (c.name === 'eval') out.push(c.args.join(' '));
  const code = inlineCode(c);
  if (code) out.push(...shellOuts(code));
}

/** Scripts `c` runs (see the module comment): each is parsed and checked by the caller, to a bounded depth. */
export function nestedScripts(c: Cmd): string[] {
  const out: string[] = [];
  ownCode(c, out);
  for (const action of findActions(c)) ownCode(action, out);
  // `sh <<< '…'`, `su <<EOF`, `awk '{system($0)}' <<< '…'`, `while read l; do $l; done <<< '…'`.
  if (readsStdinScript(c)) for (const r of c.redirects) if (r.op.startsWith('<<')) out.push(r.target);
  // `echo '…' | sh`, and through stages that pass lines on unchanged (`echo '…' | tee log | sh`, `grep -v '#' <<EOF | sh`).
  const next = c.downstream.find((d) => !passesThrough(d));
  if (next && readsStdinScript(next)) {
    const text = literalOutput(c) ?? (passesThrough(c) && (c.name !== 'cat' || c.args.every((a) => a.startsWith('-'))) ? c.redirects.find((r) => r.op.startsWith('<<'))?.target : undefined);
    if (text !== undefined) out.push(text);
  }
  return out.filter((s) => s.trim().length > 0);
}
