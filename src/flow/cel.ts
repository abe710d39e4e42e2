/**
 * CEL conditions for flow rules, compiled once at load. Variables: `args` (the call's arguments),
 * `result` (the CallToolResult, empty map on the request leg), `server`, `tool`.
 *
 * An expression that fails at evaluation (a missing key, a type error) returns `undefined`; each
 * caller decides what that means, always toward more safety (see rules.ts).
 */
import { Environment } from '@marcbachmann/cel-js';

const env = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: false })
  .registerVariable('args', 'map')
  .registerVariable('result', 'map')
  .registerVariable('server', 'string')
  .registerVariable('tool', 'string');

/** The inputs a condition sees. */
export interface CelInput {
  readonly args: Record<string, unknown>;
  readonly result: Record<string, unknown>;
  readonly server: string;
  readonly tool: string;
}

/** A compiled condition: true/false, or undefined when evaluation failed. */
export type CelCondition = ((input: CelInput) => boolean | undefined) & { readonly source: string };

/** Parses an expression; returns the parse error message instead of throwing. */
export function parseCel(src: string): { error?: string } {
  try {
    env.parse(src);
    return {};
  } catch (e) {
    return { error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

/** Compiles an expression once. Throws TypeError (a config mistake) when it does not parse. */
export function compileCel(src: string, path: string): CelCondition {
  let program: (ctx: Record<string, unknown>) => unknown;
  try {
    program = env.parse(src) as unknown as (ctx: Record<string, unknown>) => unknown;
  } catch (e) {
    throw new TypeError(`${path}: invalid CEL: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const fn = (input: CelInput): boolean | undefined => {
    try {
      const v = program(input as unknown as Record<string, unknown>);
      return typeof v === 'boolean' ? v : undefined;
    } catch {
      return undefined;
    }
  };
  return Object.assign(fn, { source: src });
}
