/**
 * Shell detector, built on a real shell grammar (tree-sitter-bash, through web-tree-sitter's WASM
 * runtime). Two modes, chosen per field:
 * - command fields (`command`, `cmd`, `script`, …) are parsed as scripts and every simple command
 *   is checked against the rules in shell-rules.ts;
 * - every other string is treated as a value a tool may splice into a command line: it is parsed
 *   as if interpolated unquoted, inside '…' and inside "…"; a value that starts another command
 *   (`x; id`, `$(id)`, `| nc …`) is an injection, and the injected commands get the same rules.
 *
 * Why not sh-syntax: its JS API exposes only statement positions (`Cmd` is `{Pos, End}`), it is
 * async-only and instantiates a fresh WASM instance per call (reusing one crashes with "memory
 * access out of bounds"). tree-sitter-bash is maintained, error-tolerant (hostile fragments still
 * yield a tree), linear-time, and parses synchronously once initialised.
 */
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import type { Detector, Finding, ScanContext } from '../types.ts';
import { bound, collapseRuns, decodedViews, finding, guarded, lowerAscii } from './common.ts';
import { fieldLeaf, fieldRole, type FieldRole } from './field-roles.ts';
import { extract, MAX_CMDS, type Script } from './shell-ast.ts';
import { expandBraceCommands, reHead, simpleScript } from './shell-fast.ts';
import { nestedScripts } from './shell-nested.ts';
import { applyRules } from './shell-rules.ts';

export interface ShellDetectorOptions {
  /** Max characters of one field parsed (default 4 KiB: parsing is ~50 µs per short command, ~0.5 ms per KiB of hostile input). */
  readonly maxScan?: number;
  /** Field-name leaves treated as whole commands. */
  readonly commandFields?: readonly string[];
  /** Force a mode regardless of the field name. */
  readonly mode?: 'command' | 'argument';
  /**
   * Parser time per scanned field, in ms (default 25). Error recovery on some hostile shapes
   * (`(a b) = 1 AND ` repeated) costs ~10 ms per KiB; past the budget the parse is cancelled and a
   * medium `shell.too-complex` finding says the rest was not inspected (fail closed, never slow).
   */
  readonly parseBudgetMs?: number;
}

const D = 'shell';
const DEFAULT_COMMAND_FIELDS = ['command', 'cmd', 'commands', 'script', 'shell', 'bash', 'sh', 'commandline', 'command_line', 'cmdline', 'run', 'exec', 'code'];
const PLACEHOLDER = 'wardenarg';
/** Names that make a spliced-in command an attack signal (recon, exfiltration, shells, Windows built-ins). */
const KNOWN = new Set(
  ('id whoami uname cat ls dir type net netstat ipconfig ifconfig systeminfo sysinfo ping nslookup dig host curl wget nc ncat netcat socat telnet ' +
    'bash sh zsh dash ksh csh python python2 python3 perl ruby php node lua sleep echo printf rm cp mv chmod chown touch find grep egrep awk sed head tail ' +
    'more less env printenv set export kill pkill killall ps ss ssh scp ftp tftp base64 xxd eval exec sudo su crontab pwd hostname tasklist taskkill reg ' +
    'powershell pwsh cmd certutil bitsadmin wmic start nohup timeout vi vim nmap tee dd mkfifo openssl xterm gcc make git apt apt-get yum pip npm docker ' +
    'kubectl mysql psql mail sendmail shutdown reboot halt systemctl service useradd usermod passwd which whereis locate w who last history source ' +
    'tar zip unzip gzip rsync mount lsof strace nohup xargs chattr at schtasks runas icacls attrib del copy move ver set phpinfo uptime').split(' '),
);

/** Characters that can end a word or open a substitution when a value is spliced in unquoted. */
const ARG_SYNTAX = /[;|&\n\r`$<>(){}]|\\n/;
/** Value starts that parse differently in command position than as an argument. */
const COMMAND_POSITION = /^\s*(?:[({!]|[\w.:-]+\s*\(\s*\)|(?:if|for|while|until|case|function|select|coproc|time)\s)/;
/** Shell metacharacters (separators, substitution, redirection, grouping, quoting, escapes, line breaks): none is valid in a host name. */
const HOST_META = /[;|&`$<>(){}'"\\\n\r]/;
/** A word that can name a command: no quotes, blanks or punctuation a parse error could leave in it. */
const COMMAND_WORD = /^[a-z0-9][a-z0-9._+-]*$/;

/**
 * Rules from the field's own syntax (see field-roles.ts). A host name is letters, digits, dots,
 * dashes, colons and brackets: a shell metacharacter in it is a probe for a tool that builds a
 * command line (`ping $host`), whether or not a command follows; a blank followed by a known
 * program (`ls -l /`, `wget http://…`) is a command line where a host was expected.
 */
function hostSignals(view: string, out: Finding[]): void {
  if (HOST_META.test(view)) {
    out.push(finding(D, 'shell.host-metachar', 'high', 'host argument contains shell metacharacters (no host name does)'));
    return;
  }
  const words = view.trim().split(/\s+/);
  const first = words[0] ?? '';
  if (words.length > 1 && (KNOWN.has(lowerAscii(first.slice(first.lastIndexOf('/') + 1))) || first.startsWith('/'))) {
    out.push(finding(D, 'shell.injection', 'high', 'host argument is a command line'));
  }
}

let language: Language | undefined;

/** Loads the grammar once per process (the WASM runtime and grammar are shared by all detectors). */
async function loadLanguage(): Promise<Language> {
  if (language) return language;
  await Parser.init();
  const require = createRequire(import.meta.url);
  language = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
  return language;
}

/** Text-level signals that are not shell syntax but arrive through the same arguments. */
function textSignals(view: string, out: Finding[], asCommand: boolean): void {
  const t = lowerAscii(view);
  const trimmed = t.trimStart();
  if (trimmed.startsWith('() {') || trimmed.startsWith('(){')) out.push(finding(D, 'shell.shellshock', 'critical', 'value is a Shellshock function-definition payload'));
  if (t.includes('<!--#exec') || t.includes('<!--#include')) out.push(finding(D, 'shell.ssi', 'high', 'server-side include directive'));
  // In a command field, awk's system() or grep patterns are ordinary; code-execution calls matter in data arguments.
  // Command fields instead parse the strings inline code passes to system()/os.system() and judge
  // them by the shell rules (shell-nested.ts), so `python3 -c "print(1)"` stays clean.
  if (asCommand) return;
  for (const call of ['eval(', 'assert(', '${@', '$_get[', '$_post[', '$_request[', '<?php', '<?=', 'system(', 'shell_exec(', 'passthru(', 'popen(', 'proc_open(', 'pcntl_exec(', 'os.system(', 'subprocess.', '__import__(', 'runtime.getruntime().exec', 'child_process', 'phpinfo()', '{${', 'exec(']) {
    const i = t.indexOf(call);
    if (i >= 0 && (i === 0 || !/[a-z0-9_]/.test(t[i - 1] as string) || call.startsWith('.'))) {
      out.push(finding(D, 'shell.code-exec', 'high', 'code-execution call in an argument'));
      break;
    }
  }
}

const MAX_NESTING = 64;
/** Nested scripts (`sh -c`, `| sh`, shell-outs) parsed per scan; real commands have one or two. */
const MAX_NESTED = 32;
/** Levels of script-in-script followed (`sh -c "sh -c '…'"` is two); past it the value fails closed. */
const MAX_NESTED_DEPTH = 2;

/**
 * Cuts the source where bracket nesting passes {@link MAX_NESTING}: error recovery on deep
 * `$($($(` chains is the parser's slow path, and no real command nests that deep. The cut is a
 * medium finding, so the policy still sees that something was not inspected.
 */
function cutDeep(src: string, out: Finding[]): string {
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth = Math.max(0, depth - 1);
    if (depth > MAX_NESTING) {
      out.push(finding(D, 'shell.too-deep', 'medium', `brackets nest deeper than ${MAX_NESTING}; the rest was not parsed`));
      return src.slice(0, i);
    }
  }
  return src;
}

/** Creates the shell detector; async because the grammar is WASM. `scan` is synchronous. */
export async function createShellDetector(opts: ShellDetectorOptions = {}): Promise<Detector> {
  const lang = await loadLanguage();
  const parser = new Parser();
  parser.setLanguage(lang);
  const maxScan = opts.maxScan ?? 4 * 1024;
  // Compared with fieldLeaf's form: lower case, no `_` or `-`.
  const commandFields = new Set((opts.commandFields ?? DEFAULT_COMMAND_FIELDS).map((f) => f.toLowerCase().replace(/[_-]/g, '')));
  const parseBudgetMs = opts.parseBudgetMs ?? 25;
  // Per-scan parse deadline; `scan` is synchronous, so one pair of variables serves every call.
  let deadline = Infinity;
  let cancelled = false;
  const progressCallback = (): boolean => performance.now() > deadline;

  /** Parses, extracts and frees the tree (trees live in WASM memory and must be deleted). */
  const parse = (src: string): Script | undefined => {
    if (cancelled) return undefined;
    const tree = parser.parse(collapseRuns(src), null, { progressCallback });
    if (!tree) {
      // Cancelled by the deadline: the parser keeps its half-done state until reset.
      parser.reset();
      cancelled = true;
      return undefined;
    }
    try {
      return extract(tree.rootNode);
    } finally {
      tree.delete();
    }
  };

  /** Syntax-free text is split on blanks (no parse); anything else is parsed once (brace-expanded command words written out first). */
  const script = (src: string, out: Finding[]): Script | undefined => simpleScript(src) ?? parse(cutDeep(expandBraceCommands(src) ?? src, out));

  /** Nested scripts parsed per scan: each is a parse, and a hostile value could ask for one per command. */
  let nestedLeft = 0;

  /**
   * Applies the rules, then follows the text a command runs as code (`sh -c '…'`, `eval`,
   * `echo '…' | sh`, `sh <<< '…'`, `python -c "os.system('…')"`; see shell-nested.ts) into its own
   * parse, to depth {@link MAX_NESTED_DEPTH} and at most {@link MAX_NESTED} parses a scan.
   */
  const inspect = (s: Script, out: Finding[], depth: number): void => {
    if (s.tooDeep) out.push(finding(D, 'shell.too-deep', 'medium', 'command nests deeper than the inspector follows'));
    if (s.tooMany) out.push(finding(D, 'shell.too-complex', 'medium', `more than ${MAX_CMDS} commands in one value; the rest was not inspected`));
    applyRules(s, out);
    if (depth >= MAX_NESTED_DEPTH) {
      // Code that still hands code on at the bound (`sh -c "sh -c \"sh -c '…'\""`) would otherwise pass
      // unseen, and a fixed depth is the first thing an evasion pads past. No real command nests
      // three shells deep, so this is high (blocked), not the medium of a size bound.
      // No span: offsets in a nested parse are not offsets in the scanned value.
      if (s.cmds.some((c) => nestedScripts(c).length > 0)) out.push(finding(D, 'shell.too-deep', 'high', `code nests more than ${MAX_NESTED_DEPTH} scripts deep (sh -c, eval, | sh, shell-outs); the innermost was not inspected`));
      return;
    }
    for (const c of s.cmds) {
      for (const inner of nestedScripts(c)) {
        if (nestedLeft-- <= 0) {
          // Code is still left to follow: padding a value with harmless `sh -c :` to spend the budget
          // must not let the script after it through, so this fails closed (high), like the depth bound.
          if (!out.some((f) => f.rule === 'shell.too-complex' && f.severity === 'high')) out.push(finding(D, 'shell.too-complex', 'high', `more than ${MAX_NESTED} nested scripts in one value; the rest was not inspected`));
          return;
        }
        const sub = script(inner, out);
        if (sub) inspect(sub, out, depth + 1);
      }
    }
  };

  /** Commands of a `wardenarg …` parse that the value started (a spliced value breaking out of its word). */
  const injectionIn = (s: Script, out: Finding[], follow: boolean, role: FieldRole | undefined): boolean => {
    const injected = s.cmds.filter((c) => c.name !== PLACEHOLDER && (c.name !== '' || c.redirects.length > 0 || c.assigns.length > 0));
    // In an identifier field any command started after a separator is foreign: no user name or id holds one.
    // A name with blanks or quotes left in it after unquoting is error recovery over prose (`group' and `other'), not a command.
    const strict = role === 'host' || role === 'identifier';
    const started = injected.find((c) => !/[\s'"`]/.test(c.name) && (KNOWN.has(c.name) || c.rawName.includes('/') || (c.inSubstitution && c.name !== '') || (strict && COMMAND_WORD.test(c.name))));
    if (!started) return false;
    const shift = PLACEHOLDER.length + 1;
    const span = [Math.max(0, started.start - shift), Math.max(0, started.end - shift)] as const;
    // Free text quotes commands in Markdown code spans and joins clauses with `;`: there a command that
    // merely starts is worth a look (medium); what it would do is still judged by the rules (follow).
    if (role === 'text') out.push(finding(D, 'shell.injection-text', 'medium', 'free-text argument holds text that would start a shell command if spliced into a command line', ...span));
    else out.push(finding(D, 'shell.injection', 'high', 'argument value would start another shell command if spliced into a command line', ...span));
    if (follow) inspect({ ...s, cmds: injected }, out, 0);
    return true;
  };

  /**
   * A data argument: parsed once as `wardenarg VALUE` (the value spliced unquoted), which answers
   * both questions — did it start another command, and what would it do if something ran it (the
   * placeholder is re-headed to the value's first word). Inside '…' only a `'` can break out and
   * inside "…" only `"`, `` ` `` or `$`, so those parses happen only for values holding them.
   */
  const scanArgument = (value: string, out: Finding[], role: FieldRole | undefined): void => {
    if (!ARG_SYNTAX.test(value)) {
      if (role === 'text') return;
      const s = script(value, out);
      if (s) inspect(s, out, 0);
      return;
    }
    const variants = value.includes('\\n') ? [value, value.replace(/\\n/g, '\n')] : [value];
    let injected = false;
    for (const v of variants) {
      const plain = parse(cutDeep(`${PLACEHOLDER} ${v}`, out));
      // Free text is not run as a command by itself: only what breaks out of it is inspected.
      if (plain && !injected) injected = injectionIn(plain, out, role === 'text', role);
      if (plain && role !== 'text' && reHead(plain, PLACEHOLDER)) inspect(plain, out, 0);
      // Syntax that means something else in command position (`(…)`, `{ …; }`, `f() {…}`, `! x`) gets its own parse.
      if (role !== 'text' && COMMAND_POSITION.test(v)) {
        const s = parse(cutDeep(v, out));
        if (s) inspect(s, out, 0);
      }
      if (injected) continue;
      if (v.includes("'")) {
        const s = parse(cutDeep(`${PLACEHOLDER} '${v}'`, out));
        if (s) injected = injectionIn(s, out, true, role);
      }
      if (!injected && /["`$]/.test(v)) {
        const s = parse(cutDeep(`${PLACEHOLDER} "${v}"`, out));
        if (s) injected = injectionIn(s, out, true, role);
      }
    }
  };

  return {
    name: D,
    direction: 'input',
    scan(text: string, ctx?: ScanContext): Finding[] {
      return guarded(D, () => {
        const out: Finding[] = [];
        deadline = performance.now() + parseBudgetMs;
        cancelled = false;
        nestedLeft = MAX_NESTED;
        const body = bound(D, text, maxScan, out);
        const leaf = fieldLeaf(ctx?.field);
        const asCommand = opts.mode === 'command' || (opts.mode === undefined && leaf !== undefined && commandFields.has(leaf));
        const role = asCommand ? undefined : fieldRole(ctx?.field);
        for (const view of decodedViews(body)) {
          textSignals(view, out, asCommand);
          if (role === 'host') hostSignals(view, out);
          if (asCommand) {
            const s = script(view, out);
            if (s) inspect(s, out, 0);
          } else scanArgument(view, out, role);
        }
        if (cancelled) out.push(finding(D, 'shell.too-complex', 'medium', `parsing took longer than ${parseBudgetMs} ms; the rest was not inspected`));
        return out;
      });
    },
  };
}
