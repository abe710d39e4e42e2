export { ERRORS, JsonRpc, WardenError, isWardenError } from './catalogue.ts';
export type { ErrorCode, ErrorSpec } from './catalogue.ts';
