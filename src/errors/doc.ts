/** Renders docs/errors.md from the catalogue, so the doc lists exactly the catalogue's codes. */
import { ERRORS, type ErrorSpec } from './catalogue.ts';

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERRORS as Record<string, ErrorSpec>).map(
    ([code, s]) => `| \`${code}\` | ${s.rpc} | ${s.http} | ${s.message} | ${s.when.replace(/\|/g, '\\|')} |`,
  );
  return `# Error codes

Every error Warden returns carries a stable code in \`error.data.code\` (JSON-RPC errors) or in
\`result._meta["warden/error"].code\` (tool errors on \`tools/call\`). Codes are never reused or
renumbered. This file is generated from \`src/errors/catalogue.ts\`
(\`node bin/run-ts.js scripts/gen-errors-doc.ts\`); a test fails when the two differ.

- **HTTP status** applies when the error ends the HTTP exchange itself (edge checks, authentication).
  Errors inside an MCP exchange travel as JSON-RPC errors in a 200 response (or on its SSE stream).
- On \`tools/call\`, an unknown or hidden tool and every policy denial (arguments, guardrail, flow,
  approval) come back as a **tool error** (\`isError: true\`) so the model can read it; the code is
  in \`_meta["warden/error"]\`. A hidden tool is answered exactly like a tool that does not exist.
- An upstream's own JSON-RPC errors are relayed with the upstream's code and message.
- Messages never contain credentials, secrets or blocked content.

| code | JSON-RPC | HTTP | message | when |
|---|---|---|---|---|
${rows.join('\n')}
`;
}
