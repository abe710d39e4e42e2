/**
 * Errors of the approval channels (admin API, signed links, CLI). These are answers to people,
 * not to agents; agents only ever see WARDEN_APPROVAL_DENIED / WARDEN_APPROVAL_TIMEOUT /
 * WARDEN_CANCELLED from the catalogue. The codes below are proposed for src/errors/catalogue.ts
 * (issue 6 report); their status and message come from the catalogue (docs/errors.md).
 */
import { ERRORS, type ErrorCode } from '../errors/index.ts';

const CODES = [
  'WARDEN_UNAUTHENTICATED', 'WARDEN_INVALID_REQUEST', 'WARDEN_NOT_FOUND', 'WARDEN_METHOD_NOT_ALLOWED',
  'WARDEN_APPROVAL_NOT_FOUND', 'WARDEN_APPROVAL_ALREADY_DECIDED', 'WARDEN_APPROVAL_EXPIRED', 'WARDEN_APPROVAL_FORBIDDEN',
  'WARDEN_APPROVAL_LINK_INVALID', 'WARDEN_APPROVAL_LINK_EXPIRED', 'WARDEN_APPROVAL_UNAVAILABLE',
] as const satisfies readonly ErrorCode[];

/** The catalogue codes the approval channels answer with, with their HTTP status and message. */
export const APPROVAL_API_ERRORS = Object.fromEntries(CODES.map((c) => [c, { http: ERRORS[c].http, message: ERRORS[c].message }])) as {
  readonly [K in (typeof CODES)[number]]: { readonly http: number; readonly message: string };
};

export type ApprovalErrorCode = keyof typeof APPROVAL_API_ERRORS;

/** A refused decision or lookup. `message` is safe to show (no tokens, no arguments). */
export class ApprovalError extends Error {
  readonly code: ApprovalErrorCode;
  readonly http: number;
  constructor(code: ApprovalErrorCode, detail?: string) {
    const spec = APPROVAL_API_ERRORS[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message);
    this.name = 'ApprovalError';
    this.code = code;
    this.http = spec.http;
  }
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}
