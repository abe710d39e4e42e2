/**
 * Argument conditions: CEL expressions compiled once at load, evaluated per call.
 *
 * Fail closed by construction: a condition "holds" only when it evaluates to exactly `true`.
 * Everything else — `false`, a missing field, a wrong type (an array or object where a string was
 * expected), a function with no matching overload, any thrown error — is reported as `error` or
 * `false`, and the caller denies. CEL itself helps: field access on a missing key is an error, not
 * `null`, and there are no implicit conversions (`"5" < 100` is an error, not a comparison).
 *
 * Unicode look-alikes: `"#ѕupport-x".startsWith("#support-")` (Cyrillic ѕ) is simply false, so an
 * allow condition fails closed. For a deny condition a look-alike is the real risk (a deny list
 * can be dodged), which is why deny rules should be paired with allow-lists, and why `isAscii()`
 * is provided. `underPath(path, root)` normalises `..` segments, which `startsWith` does not.
 */
import { posix } from 'node:path';
import { Environment } from '@marcbachmann/cel-js';

/** The variables a condition sees. */
export interface ConditionInput {
  readonly args: unknown;
  readonly agent: { readonly id: string; readonly roles: readonly string[]; readonly via: string; readonly scopes: readonly string[] };
  readonly tool: { readonly server: string; readonly name: string };
}

export type ConditionResult = { readonly value: boolean } | { readonly error: string };

/** A compiled condition. `evaluate` never throws. */
export interface Condition {
  readonly source: string;
  evaluate(input: ConditionInput): ConditionResult;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** True when `path` (after resolving `.` and `..`) is `root` or below it. Rejects NUL and backslashes. */
export function underPath(path: string, root: string): boolean {
  if (!path.startsWith('/') || path.includes('\0') || path.includes('\\')) return false;
  const r = posix.normalize(root).replace(/\/+$/, '') || '/';
  const n = posix.normalize(path);
  return r === '/' || n === r || n.startsWith(`${r}/`);
}

function makeEnvironment(): Environment {
  return new Environment({
    unlistedVariablesAreDyn: false,
    // Bound the work one condition can do: conditions come from config, but a typo'd huge
    // expression should be refused at load, not slow every call.
    limits: { maxAstNodes: 2000, maxDepth: 50, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 },
  })
    .registerVariable('args', 'map')
    .registerVariable('agent', 'map')
    .registerVariable('tool', 'map')
    .registerFunction('underPath(string, string): bool', underPath)
    .registerFunction({ name: 'isAscii', receiverType: 'string', returnType: 'bool', handler: (s: string) => PRINTABLE_ASCII.test(s), params: [] });
}

let shared: Environment | undefined;

/**
 * Compiles a condition. Throws an Error (message without the expression's values) when the
 * expression does not parse, uses unknown variables, or cannot produce a bool. Callers turn the
 * throw into a config error naming the key path.
 */
export function compileCondition(source: string): Condition {
  shared ??= makeEnvironment();
  const env = shared;
  const checked = env.check(source);
  if (!checked.valid) throw new Error(firstLine(checked.error?.message ?? 'invalid expression'));
  if (checked.type !== 'bool' && checked.type !== 'dyn') throw new Error(`must be a bool expression, not ${checked.type}`);
  const program = env.parse(source);
  return Object.freeze({
    source,
    evaluate(input: ConditionInput): ConditionResult {
      // CEL's `map` type wants an object; anything else (array, string, null) fails closed here.
      if (input.args === null || typeof input.args !== 'object' || Array.isArray(input.args)) {
        return { error: 'arguments are not an object' };
      }
      try {
        const v: unknown = program({ args: input.args, agent: input.agent, tool: input.tool });
        if (v === true) return TRUE;
        if (v === false) return FALSE;
        return { error: 'condition did not produce a bool' };
      } catch (err) {
        return { error: firstLine(err instanceof Error ? err.message : 'evaluation failed') };
      }
    },
  });
}

const TRUE: ConditionResult = Object.freeze({ value: true });
const FALSE: ConditionResult = Object.freeze({ value: false });

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).slice(0, 200);
}
