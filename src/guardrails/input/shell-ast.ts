/**
 * Turns a tree-sitter-bash syntax tree into a flat list of simple commands with what the rules
 * need: the effective command name (through sudo/env/xargs/timeout wrappers), unquoted
 * arguments, redirections, the commands it pipes into, whether it runs inside a substitution,
 * and the variables it expands. The walk is iterative-depth-bounded so hostile nesting cannot
 * overflow the stack.
 */
import type { Node } from 'web-tree-sitter';
import { decodeEscapes } from './shell-escapes.ts';
import { literalOutput } from './shell-nested.ts';
import { unwrap } from './shell-wrappers.ts';

export interface Redirect {
  readonly op: string;
  /** File or word; for a heredoc (`<<`), its body; for a here-string (`<<<`), the string. */
  readonly target: string;
}

export interface Cmd {
  /** Effective command name, lower-case, path stripped (`/usr/bin/ID` → `id`). */
  name: string;
  /** Name as written (unquoted), for path checks (`/tmp/x`). */
  rawName: string;
  /** Unquoted arguments after the effective name. */
  args: string[];
  /** Wrappers stripped to reach the name (`sudo`, `xargs`): under xargs, operands also come from stdin. */
  via?: string[];
  /** Arguments as written (quotes and backslashes kept), for Windows paths the shell would unescape. */
  rawArgs: string[];
  redirects: Redirect[];
  /** Commands in later stages of the same pipeline. */
  downstream: Cmd[];
  /** True when this command runs inside `$(…)`, backticks or `<(…)`. */
  inSubstitution: boolean;
  /** Commands nested in substitutions inside this command's words. */
  nested: Cmd[];
  /** Variable names expanded in this command's words (`IFS` for `${IFS}`). */
  expands: string[];
  /** Assignments before the command or standalone (`HISTFILE=/dev/null`). */
  assigns: string[];
  /** For `read` as a `while` condition: the loop body (`… | while read l; do $l; done` runs each line read). */
  loopBody?: Cmd[];
  /**
   * A name computed by a command substitution the parse could not resolve (`$(echo … | rev) x`,
   * `` `foo` ``): the commands inside it. Not set for a path under a computed directory (`$(dirname $0)/run.sh`).
   */
  nameSubst?: Cmd[];
  /** `args` with `$X` / `${X}` replaced by literal values assigned earlier on the same input (`G=sudo; usermod -aG $G bob`); set only when one was. */
  resolvedArgs?: string[];
  start: number;
  end: number;
}

export interface Script {
  cmds: Cmd[];
  /** Function names defined, with the names their bodies call in a pipeline or background. */
  functions: Array<{ name: string; calls: string[]; selfPipe: boolean }>;
  /** Nesting exceeded the walk bound (the rest was not inspected). */
  tooDeep: boolean;
  /** More than {@link MAX_CMDS} commands: the rest was not inspected. */
  tooMany?: boolean;
  hasError: boolean;
}

const MAX_DEPTH = 200;
/** Commands extracted per parse: each costs many WASM node reads, and no legitimate argument holds more. */
export const MAX_CMDS = 64;
/** Unquotes a word node the way the shell would (quotes removed, backslash escapes resolved). */
export function wordText(n: Node): string {
  switch (n.type) {
    case 'raw_string':
      return n.text.slice(1, -1);
    case 'ansi_c_string':
      // `$'\x72m'` is `rm` to the shell: decode, or the rules see a command named `\x72m`.
      return decodeEscapes(n.text.slice(2, -1));
    case 'translated_string': {
      const inner = n.namedChildren[0];
      return inner ? wordText(inner) : n.text;
    }
    case 'string':
      return n.text.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    case 'concatenation':
      return n.namedChildren.map((c) => (c ? wordText(c) : '')).join('');
    case 'command_name': {
      const inner = n.namedChildren[0];
      return inner ? wordText(inner) : n.text.replace(/\\(.)/g, '$1');
    }
    case 'word':
      return n.text.replace(/\\(.)/g, '$1');
    default:
      return n.text;
  }
}

/** Walks a parsed program into commands. */
export function extract(root: Node): Script {
  const script: Script = { cmds: [], functions: [], tooDeep: false, hasError: root.hasError };
  /** Literal values of standalone assignments seen so far (`a=rm; $a -rf /`), for `resolveName`. */
  const vars = new Map<string, string>();

  const visit = (n: Node, depth: number, inSub: boolean, owner: Cmd | undefined): Cmd[] => {
    if (depth > MAX_DEPTH) {
      script.tooDeep = true;
      return [];
    }
    if (script.cmds.length >= MAX_CMDS) {
      script.tooMany = true;
      return [];
    }
    const made: Cmd[] = [];
    // Each `type` read crosses into WASM: read it once.
    const t = n.type;
    const sub = inSub || t === 'command_substitution' || t === 'process_substitution';
    if (t === 'command') {
      const cmd = buildCommand(n, depth, sub);
      made.push(cmd);
      return made;
    }
    if (t === 'variable_assignment' && owner === undefined) {
      const c: Cmd = { name: '', rawName: '', args: [], rawArgs: [], redirects: [], downstream: [], inSubstitution: sub, nested: [], expands: [], assigns: [n.text], start: n.startIndex, end: n.endIndex };
      const value = n.childForFieldName('value');
      const key = n.childForFieldName('name')?.text;
      if (key) {
        if (value && vars.size < 64) vars.set(key, wordText(value));
        else vars.delete(key);
      }
      collectWords(n, c, depth);
      script.cmds.push(c);
      return [c];
    }
    if (t === 'redirected_statement') {
      const body = n.childForFieldName('body');
      const inner = body ? visit(body, depth + 1, sub, owner) : [];
      const last = inner[inner.length - 1];
      // `while read l; do …; done <<< '…'`: the loop's input is what its `read` consumes.
      const reader = body?.type === 'while_statement' ? inner.find((c) => c.loopBody) : undefined;
      for (const r of n.namedChildren) {
        if (!r || r === body) continue;
        if (r.type === 'file_redirect' || r.type === 'herestring_redirect' || r.type === 'heredoc_redirect') {
          const red = redirectOf(r);
          const target = reader && /^<(?!>)/.test(red.op) ? reader : last;
          if (target) target.redirects.push(red);
          else {
            const c: Cmd = { name: '', rawName: '', args: [], rawArgs: [], redirects: [red], downstream: [], inSubstitution: sub, nested: [], expands: [], assigns: [], start: r.startIndex, end: r.endIndex };
            script.cmds.push(c);
            made.push(c);
          }
          for (const c of r.namedChildren) {
            if (!c) continue;
            const got = visit(c, depth + 1, sub, target);
            // `cat <<EOF | sh`: the grammar hangs the pipeline's rest under the heredoc; it is still downstream.
            if (c.type === 'pipeline') for (const x of inner) x.downstream.push(...got);
            made.push(...got);
          }
        }
      }
      return [...inner, ...made];
    }
    if (t === 'pipeline') {
      const stages = n.namedChildren.filter((c): c is Node => c !== null).map((c) => visit(c, depth + 1, sub, owner));
      for (let i = 0; i < stages.length; i++) {
        const later = stages.slice(i + 1).flat();
        for (const c of stages[i] as Cmd[]) c.downstream.push(...later);
      }
      return stages.flat();
    }
    if (t === 'while_statement') {
      // `while read l; do $l; done`: the body is kept on the condition's `read`, so a pipe into the
      // loop can be judged like a pipe into `sh` (shell-nested.ts).
      const before = script.cmds.length;
      let bodyAt = -1;
      for (const c of n.namedChildren) {
        if (!c) continue;
        if (c.type === 'do_group' && bodyAt < 0) bodyAt = script.cmds.length;
        made.push(...visit(c, depth + 1, sub, owner));
      }
      if (bodyAt > before) {
        const body = script.cmds.slice(bodyAt);
        for (const r of script.cmds.slice(before, bodyAt)) if (r.name === 'read') r.loopBody = body;
      }
      return made;
    }
    if (t === 'function_definition') {
      const name = n.childForFieldName('name')?.text ?? '';
      const body = n.childForFieldName('body');
      const before = script.cmds.length;
      const inner = body ? visit(body, depth + 1, sub, owner) : [];
      const calls = script.cmds.slice(before).map((c) => c.name);
      const selfPipe = script.cmds.slice(before).some((c) => c.name === name && c.downstream.some((d) => d.name === name));
      script.functions.push({ name, calls, selfPipe });
      return inner;
    }
    for (const c of n.namedChildren) if (c) made.push(...visit(c, depth + 1, sub, owner));
    return made;
  };

  /** A redirection: its operator and target; a heredoc's target is its body. */
  const redirectOf = (r: Node): Redirect => {
    const op = r.children.find((c) => c && !c.isNamed)?.text ?? '';
    if (r.type === 'heredoc_redirect') return { op, target: r.namedChildren.find((c) => c?.type === 'heredoc_body')?.text ?? '' };
    const dest = r.namedChildren.filter((c) => c && c.type !== 'file_descriptor').map((c) => (c ? wordText(c) : '')).join(' ');
    return { op, target: dest };
  };

  const collectWords = (n: Node, into: Cmd, depth: number): void => {
    // Iterative scan of a command's subtree for expansions and substitutions.
    const stack: Array<[Node, number, boolean]> = [[n, depth, false]];
    let steps = 0;
    while (stack.length > 0 && steps++ < 4000) {
      const [cur, d, quoted] = stack.pop() as [Node, number, boolean];
      const t = cur.type;
      if (d > MAX_DEPTH) {
        script.tooDeep = true;
        continue;
      }
      if (cur !== n && (t === 'command_substitution' || t === 'process_substitution')) {
        into.nested.push(...visit(cur, d + 1, true, into));
        continue;
      }
      if (t === 'simple_expansion' || t === 'expansion') {
        const v = cur.namedChildren.find((c) => c && (c.type === 'variable_name' || c.type === 'special_variable_name'));
        // Inside "…" an expansion is one word, so `$IFS` there is data, not a hidden separator.
        if (v && !quoted) into.expands.push(v.text);
      }
      for (const c of cur.namedChildren) if (c) stack.push([c, d + 1, quoted || t === 'string']);
    }
  };

  const buildCommand = (n: Node, depth: number, sub: boolean): Cmd => {
    const nameNode = n.childForFieldName('name');
    // The first 256 arguments are inspected: each node access crosses into WASM, and no rule needs more.
    const argNodes = n.childrenForFieldName('argument').filter((c): c is Node => c !== null).slice(0, 256);
    const assigns = n.namedChildren.filter((c): c is Node => c !== null && c.type === 'variable_assignment').map((c) => c.text);
    const rawArgs = argNodes.map(wordText);
    const { name, rawName, args, via } = nameNode ? unwrap(wordText(nameNode), rawArgs) : { name: '', rawName: '', args: rawArgs, via: [] };
    const cmd: Cmd = { name, rawName, args, rawArgs: argNodes.map((x) => x.text), redirects: [], downstream: [], inSubstitution: sub, nested: [], expands: [], assigns, start: n.startIndex, end: n.endIndex };
    if (via.length > 0) cmd.via = via;
    if (vars.size > 0 && args.some((x) => x.includes('$'))) {
      let changed = false;
      const resolved = args.map((x) =>
        x.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (m, a?: string, b?: string) => {
          const value = vars.get((a ?? b) as string);
          if (value === undefined) return m;
          changed = true;
          return value;
        }),
      );
      if (changed) cmd.resolvedArgs = resolved;
    }
    // A here-string is a child of the command itself (`sh <<< "…"`), not of a redirected_statement.
    for (const c of n.namedChildren) if (c?.type === 'herestring_redirect') cmd.redirects.push(redirectOf(c));
    script.cmds.push(cmd);
    collectWords(n, cmd, depth);
    if (nameNode && /^[$`]/.test(rawName)) resolveName(cmd, nameNode);
    return cmd;
  };

  /**
   * A command named by an expansion: `$a` after a literal `a=…` on the same input, `$(echo rm)` /
   * `` `printf '\x72m'` `` of literal text, or `$(which rm)` / `$(command -v rm)`, is re-read as that
   * name (word-split, then unwrapped). A substitution left unresolved is kept in `nameSubst` for the
   * rules (a computed name hides the command); a variable stays as written (`$EDITOR f` is common).
   */
  const resolveName = (cmd: Cmd, nameNode: Node): void => {
    let value: string | undefined;
    const v = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(cmd.rawName);
    let inName: Cmd[] = [];
    if (v) value = vars.get(v[1] as string);
    else {
      inName = cmd.nested.filter((d) => d.start >= nameNode.startIndex && d.end <= nameNode.endIndex);
      const only = inName[0];
      if (inName.length === 1 && only && only.downstream.length === 0) value = literalOutput(only) ?? lookedUp(only);
    }
    const words = value?.trim().split(/\s+/).filter(Boolean);
    if (!words || words.length === 0 || /[$`]/.test(value as string)) {
      // `$(dirname $0)/run.sh` names run.sh; only a name the substitution computes is hidden.
      const text = nameNode.text;
      const tail = text.slice(Math.max(text.lastIndexOf(')'), text.lastIndexOf('`')) + 1);
      if (inName.length > 0 && !/\/[^/]+$/.test(tail)) cmd.nameSubst = inName;
      return;
    }
    const u = unwrap(words[0] as string, [...words.slice(1), ...cmd.args]);
    cmd.name = u.name;
    cmd.rawName = u.rawName;
    cmd.args = u.args;
    if (u.via.length > 0) cmd.via = [...(cmd.via ?? []), ...u.via];
  };

  visit(root, 0, false, undefined);
  return script;
}

/** `which X`, `command -v X`, `type -p X` / `-P`: the program X itself (a lookup on PATH, not a computed name). */
function lookedUp(c: Cmd): string | undefined {
  const [opt, prog, more] = c.args;
  if (c.name === 'which') return c.args.length === 1 ? opt : undefined;
  // `command -v X` unwraps to X with no arguments (command is a wrapper); `type -P X` does not.
  if (c.via?.at(-1) === 'command' && c.args.length === 0 && c.rawArgs.length === 2 && c.rawArgs[0] === '-v') return c.rawName;
  if (c.name === 'type' && (opt === '-p' || opt === '-P') && prog !== undefined && more === undefined) return prog;
  return undefined;
}
