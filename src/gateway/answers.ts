/**
 * What a client's answer to an upstream's request may carry back to the upstream: the fields the
 * protocol defines for that result (2025-11-25 `CreateMessageResult` and `ElicitResult`, whose
 * `_meta` every result may have). Anything else is dropped, as progress keeps only its numbers
 * and message: what is passed on is what the protocol defines, and all of it is judged by the
 * call's input rules (`GatewayExtensions.inspectAnswer`).
 */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  'sampling/createMessage': ['role', 'content', 'model', 'stopReason', '_meta'],
  'elicitation/create': ['action', 'content', '_meta'],
};

/** The protocol's fields of `answer`, the result of a `method` request (none for another method). */
export function answerFields(method: string, answer: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) return out;
  const from = answer as Record<string, unknown>;
  for (const k of FIELDS[method] ?? []) if (Object.hasOwn(from, k) && from[k] !== undefined) out[k] = from[k];
  return out;
}
