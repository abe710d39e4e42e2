/**
 * Judgements over node-sql-parser ASTs: destructive and privileged statements, unbounded writes,
 * tautological WHERE clauses, dangerous functions, and a literal-free "shape" used to tell
 * whether a spliced value changed a query's structure.
 */
import type { Finding } from '../types.ts';
import { finding } from './common.ts';

const D = 'sql';
type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null;

const DANGER_FUNCS: Record<string, [string, 'high' | 'critical', string]> = {
  sleep: ['sql.time-delay', 'high', 'time-delay function'],
  benchmark: ['sql.time-delay', 'high', 'time-delay function'],
  pg_sleep: ['sql.time-delay', 'high', 'time-delay function'],
  load_file: ['sql.file-access', 'high', 'reads a server file'],
  pg_read_file: ['sql.file-access', 'high', 'reads a server file'],
  lo_import: ['sql.file-access', 'high', 'reads a server file'],
  xp_cmdshell: ['sql.os-command', 'critical', 'runs an OS command'],
};

/** Walks an AST iteratively (bounded) calling `fn` on every object node. */
function walk(root: unknown, fn: (n: Obj) => void): void {
  const stack: unknown[] = [root];
  let steps = 0;
  while (stack.length > 0 && steps++ < 50000) {
    const n = stack.pop();
    if (Array.isArray(n)) stack.push(...n);
    else if (isObj(n)) {
      fn(n);
      for (const v of Object.values(n)) if (typeof v === 'object' && v !== null) stack.push(v);
    }
  }
}

function funcName(n: Obj): string {
  const name = n.name;
  if (typeof name === 'string') return name.toLowerCase();
  if (isObj(name) && Array.isArray(name.name)) return name.name.map((p: unknown) => (isObj(p) ? String(p.value) : '')).join('.').toLowerCase();
  return '';
}

type Const = number | string | boolean | null;
const STRING_TYPES = new Set(['single_quote_string', 'double_quote_string', 'string', 'natural_string']);
/** Deepest expression {@link constant} and {@link tautology} follow (a 2 KiB parse can nest a few hundred). */
const MAX_DEPTH = 400;

/** A non-NULL constant as MySQL compares it with a number (a string by its leading number). */
const num = (v: number | string | boolean): number => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : parseFloat(v) || 0);

/** MySQL's truth of a constant: a string counts by its leading number (`'1x'` true, `'abc'` false), NULL is not true. */
function truthy(v: Const): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  const n = num(v);
  return !Number.isNaN(n) && n !== 0;
}

/** `a op b` for two constants; null when NULL makes it unknown or the operator is not a comparison. */
function compare(op: string, a: Const, b: Const): boolean | null {
  if (a === null || b === null) return op === '<=>' ? a === b : null;
  // Two strings compare as text (case-insensitive, the default collation); anything else as numbers.
  const [x, y] = typeof a === 'string' && typeof b === 'string' ? [a.toLowerCase(), b.toLowerCase()] : [num(a), num(b)];
  switch (op) {
    case '=':
    case '<=>':
      return x === y;
    case '!=':
    case '<>':
      return x !== y;
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
  }
  return null;
}

/**
 * The value of an expression made only of literals (`1`, `2>1`, `NOT 0`, `'a'<>'b'`), or undefined
 * when it reads a column or calls anything.
 */
function constant(x: unknown, depth = 0): Const | undefined {
  if (!isObj(x) || depth > MAX_DEPTH) return undefined;
  if (x.type === 'number') return typeof x.value === 'number' ? x.value : Number(x.value);
  if (x.type === 'bool') return x.value === true;
  if (x.type === 'null') return null;
  if (typeof x.type === 'string' && STRING_TYPES.has(x.type) && typeof x.value === 'string') return x.value;
  if (x.type === 'unary_expr' && typeof x.operator === 'string') {
    const v = constant(x.expr, depth + 1);
    if (v === undefined) return undefined;
    if (x.operator.toUpperCase() === 'NOT' || x.operator === '!') return v === null ? null : !truthy(v);
    if (x.operator === '-' && typeof v === 'number') return -v;
    return undefined;
  }
  if (x.type === 'binary_expr' && typeof x.operator === 'string') {
    const op = x.operator.toUpperCase();
    const l = constant(x.left, depth + 1);
    const r = constant(x.right, depth + 1);
    if (l === undefined || r === undefined) return undefined;
    if (op === 'AND' || op === '&&') return truthy(l) && truthy(r);
    if (op === 'OR' || op === '||') return truthy(l) || truthy(r);
    if (op === 'XOR') return truthy(l) !== truthy(r);
    return compare(op, l, r) ?? undefined;
  }
  return undefined;
}

/** A LIKE pattern of only `%` (`name LIKE '%'`): matches every row with a value. */
const matchesAll = (w: Obj): boolean => typeof w.operator === 'string' && w.operator.toUpperCase() === 'LIKE' && isObj(w.right) && typeof w.right.value === 'string' && /^%+$/.test(w.right.value);

/**
 * True for a WHERE that is always true: `1=1`, `'a'='a'`, `x OR 1=1`, `TRUE`, `2>1`, `NOT 0`.
 * For a DELETE or UPDATE (`write`) also a bare true literal (`WHERE 1`) and `LIKE '%'`: both
 * touch every row. A SELECT is not judged on those two, which are common query idioms.
 */
function tautology(w: unknown, write = false, depth = 0): boolean {
  if (!isObj(w) || depth > MAX_DEPTH) return false;
  if (w.type === 'bool' && w.value === true) return true;
  if (w.type === 'binary_expr') {
    if (w.operator === 'OR') return tautology(w.left, write, depth + 1) || tautology(w.right, write, depth + 1);
    if (w.operator === 'AND') return tautology(w.left, write, depth + 1) && tautology(w.right, write, depth + 1);
    const l = w.left;
    const r = w.right;
    const lit = (x: unknown): boolean => isObj(x) && x.type !== 'column_ref' && 'value' in x && !isObj(x.value);
    if ((w.operator === '=' || w.operator === 'IS') && lit(l) && lit(r) && isObj(l) && isObj(r) && l.value === r.value) return true;
    if (w.operator === '=' && isObj(l) && isObj(r) && JSON.stringify(l) === JSON.stringify(r)) return true;
    if (write && matchesAll(w)) return true;
  } else if (!write && w.type !== 'unary_expr') return false;
  const v = constant(w);
  return v !== undefined && truthy(v);
}

/** Applies statement-level rules to a parsed statement list. */
export function astRules(stmts: unknown[], out: Finding[]): void {
  if (stmts.length > 1) out.push(finding(D, 'sql.stacked', 'high', `${stmts.length} stacked statements in one argument`));
  for (const s of stmts) {
    if (!isObj(s)) continue;
    const type = String(s.type ?? '').toLowerCase();
    if (type === 'drop') out.push(finding(D, 'sql.drop', 'high', 'DROP statement'));
    if (type === 'truncate') out.push(finding(D, 'sql.truncate', 'high', 'TRUNCATE statement'));
    if (type === 'grant' || type === 'revoke') out.push(finding(D, 'sql.privilege', 'high', `${type.toUpperCase()} changes database privileges`));
    // CREATE/ALTER USER or ROLE makes or changes an account: a privilege change, not schema.
    const account = (type === 'create' || type === 'alter') && /^(?:user|role|login)$/i.test(String(s.keyword ?? ''));
    if (account) out.push(finding(D, 'sql.privilege', 'high', `${type.toUpperCase()} of a database account or role`));
    else if (type === 'alter') out.push(finding(D, 'sql.alter', 'medium', 'ALTER changes the schema'));
    if (type === 'load_data') out.push(finding(D, 'sql.file-access', 'high', 'LOAD DATA reads a file into a table'));
    if (type === 'delete' || type === 'update') {
      if (s.where === null || s.where === undefined) out.push(finding(D, 'sql.unbounded-write', 'high', `${type.toUpperCase()} without WHERE affects every row`));
      else if (tautology(s.where, true)) out.push(finding(D, 'sql.unbounded-write', 'high', `${type.toUpperCase()} with an always-true WHERE`));
    }
    if (type === 'select' && tautology(s.where)) out.push(finding(D, 'sql.tautology', 'high', 'SELECT with an always-true WHERE (auth-bypass shape)'));
    // The MySQL grammar gives `{ type: 'into', keyword: 'OUTFILE' }`; other builds spell it in lower case or as the type.
    const into = isObj(s.into) ? `${String(s.into.type)} ${String(s.into.keyword)}`.toLowerCase() : '';
    if (/\b(?:outfile|dumpfile)\b/.test(into)) out.push(finding(D, 'sql.file-access', 'high', 'SELECT INTO OUTFILE writes a server file'));
  }
  walk(stmts, (n) => {
    if (n.type === 'function' || n.type === 'aggr_func') {
      const rule = DANGER_FUNCS[funcName(n)];
      if (rule) out.push(finding(D, rule[0], rule[1], rule[2]));
    }
    if ((n.type === 'union' || n.set_op === 'union' || n._next !== undefined) && n._next !== null && n._next !== undefined) {
      // A UNION in a whole statement is legitimate SQL; it only counts when paired with metadata reads.
      const txt = JSON.stringify(n._next).toLowerCase();
      if (txt.includes('information_schema') || txt.includes('@@version') || txt.includes('pg_catalog')) out.push(finding(D, 'sql.union', 'high', 'UNION SELECT over database metadata'));
    }
  });
}

/** A literal-free fingerprint of the statements: node types and operators, no values or names. */
export function shapeOf(stmts: unknown[]): string {
  const parts: string[] = [String(stmts.length)];
  const stack: unknown[] = [stmts];
  let steps = 0;
  while (stack.length > 0 && steps++ < 50000) {
    const n = stack.pop();
    if (Array.isArray(n)) {
      stack.push(...n);
      continue;
    }
    if (!isObj(n)) continue;
    const t = n.type;
    // Any single value or name is one leaf, whatever the dialect nests inside it.
    if (typeof t === 'string' && LEAVES.has(t)) {
      parts.push('L');
      continue;
    }
    if (typeof t === 'string') parts.push(t);
    if (typeof n.operator === 'string') parts.push(n.operator);
    for (const v of Object.values(n)) if (typeof v === 'object' && v !== null) stack.push(v);
  }
  return parts.sort().join(',');
}

const LEAVES = new Set(['column_ref', 'single_quote_string', 'double_quote_string', 'string', 'number', 'default', 'bool', 'backticks_quote_string', 'param', 'var', 'null', 'hex_string', 'full_hex_string', 'natural_string', 'bit_string', 'regex_string', 'origin']);
