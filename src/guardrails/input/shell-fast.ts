/**
 * The shell detector's fast path. Most argument values contain no shell syntax at all (a file
 * name, a host, `ls -la /srv`): for those the shell's own word splitting is a split on blanks, so
 * the simple command is built here without a parse. Anything the split could get wrong (quotes,
 * escapes, expansions, operators, brackets, comments, reserved words, assignments) returns
 * `undefined` and goes to tree-sitter. Also: re-heading the placeholder command of an argument
 * parse, so one parse serves both "is this an injection?" and "what would it do as a command?".
 */
import type { Cmd, Script } from './shell-ast.ts';
import { unwrap } from './shell-wrappers.ts';

/** Characters after which a blank split is no longer the shell's word splitting. */
const SYNTAX = /[;|&$`<>(){}[\]!#'"\\\n\r\f\v]/;
/** First words the grammar reads as something other than a simple command. */
const NOT_SIMPLE = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'select', 'in', 'time', 'coproc', 'declare', 'typeset', 'export', 'readonly', 'local', 'unset', 'unsetenv']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;

/** True when `s` contains a character that makes blank-splitting differ from the shell's parse. */
export const hasShellSyntax = (s: string): boolean => SYNTAX.test(s);

/** A one-command script for syntax-free text, or undefined when the real parser is needed. */
export function simpleScript(src: string): Script | undefined {
  if (SYNTAX.test(src)) return undefined;
  const words: string[] = [];
  let start = -1;
  let end = 0;
  const re = /[^ \t]+/g;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    if (start < 0) start = m.index;
    end = m.index + m[0].length;
    words.push(m[0]);
  }
  const script: Script = { cmds: [], functions: [], tooDeep: false, hasError: false };
  const first = words[0];
  if (first === undefined) return script;
  if (NOT_SIMPLE.has(first) || ASSIGNMENT.test(first)) return undefined;
  const rest = words.slice(1);
  const { name, rawName, args, via } = unwrap(first, rest);
  const cmd: Cmd = { name, rawName, args, rawArgs: rest, redirects: [], downstream: [], inSubstitution: false, nested: [], expands: [], assigns: [], start, end };
  if (via.length > 0) cmd.via = via;
  script.cmds.push(cmd);
  return script;
}

/**
 * Turns the placeholder command of `wardenarg VALUE` into the command VALUE would be if run
 * directly (leading assignments become assignments, wrappers are unwrapped), in place. Pipelines,
 * redirects and substitutions attached to it are kept, so `nc -e sh h 1 | x` still has its
 * downstream. Returns false when there is no placeholder to re-head.
 */
export function reHead(s: Script, placeholder: string): boolean {
  const c: Cmd | undefined = s.cmds.find((x) => x.name === placeholder);
  if (!c) return false;
  let k = 0;
  while (k < c.args.length && ASSIGNMENT.test(c.args[k] as string)) k++;
  c.assigns.push(...c.args.slice(0, k));
  const head = c.args[k];
  if (head === undefined) {
    c.name = '';
    c.rawName = '';
    c.args = [];
    c.rawArgs = [];
    return true;
  }
  const u = unwrap(head, c.args.slice(k + 1));
  c.name = u.name;
  c.rawName = u.rawName;
  c.args = u.args;
  if (u.via.length > 0) c.via = u.via;
  c.rawArgs = c.rawArgs.slice(k + 1);
  return true;
}

/** A brace expansion in command position: `{rm,-rf,/}` (after a start, `;`, `&`, `|`, `(`, a newline or a backtick). */
const BRACE_COMMAND = /(^|[;&|(\n`]\s*)\{([^\s{},]*(?:,[^\s{},]*)+)\}(?=$|[\s;&|)`])/g;

/**
 * `{rm,-rf,/}` runs `rm -rf /`, but the grammar reads a brace expansion in command position as an
 * error node with no command. Returns `src` with each such expansion written out as its words
 * (one linear regex pass), or undefined when there is none.
 */
export function expandBraceCommands(src: string): string | undefined {
  if (!src.includes('{') || !src.includes(',')) return undefined;
  let changed = false;
  const out = src.replace(BRACE_COMMAND, (_m, lead: string, body: string) => {
    changed = true;
    return `${lead}${body.split(',').join(' ')}`;
  });
  return changed ? out : undefined;
}
