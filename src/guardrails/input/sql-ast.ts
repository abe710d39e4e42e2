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

/** True for a WHERE that is always true: `1=1`, `'a'='a'`, `x OR 1=1`, `TRUE`. */
function tautology(w: unknown): boolean {
  if (!isObj(w)) return false;
  if (w.type === 'bool' && w.value === true) return true;
  if (w.type === 'binary_expr') {
    if (w.operator === 'OR') return tautology(w.left) || tautology(w.right);
    if (w.operator === 'AND') return tautology(w.left) && tautology(w.right);
    const l = w.left;
    const r = w.right;
    const lit = (x: unknown): boolean => isObj(x) && x.type !== 'column_ref' && 'value' in x && !isObj(x.value);
    if ((w.operator === '=' || w.operator === 'IS') && lit(l) && lit(r) && isObj(l) && isObj(r) && l.value === r.value) return true;
    if (w.operator === '=' && isObj(l) && isObj(r) && JSON.stringify(l) === JSON.stringify(r)) return true;
  }
  return false;
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
    if (type === 'alter') out.push(finding(D, 'sql.alter', 'medium', 'ALTER changes the schema'));
    if (type === 'delete' || type === 'update') {
      if (s.where === null || s.where === undefined) out.push(finding(D, 'sql.unbounded-write', 'high', `${type.toUpperCase()} without WHERE affects every row`));
      else if (tautology(s.where)) out.push(finding(D, 'sql.unbounded-write', 'high', `${type.toUpperCase()} with an always-true WHERE`));
    }
    if (type === 'select' && tautology(s.where)) out.push(finding(D, 'sql.tautology', 'high', 'SELECT with an always-true WHERE (auth-bypass shape)'));
    if (isObj(s.into) && (s.into.type === 'outfile' || s.into.type === 'dumpfile' || s.into.keyword === 'outfile')) out.push(finding(D, 'sql.file-access', 'high', 'SELECT INTO OUTFILE writes a server file'));
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
