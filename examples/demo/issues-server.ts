/**
 * Demo MCP server: a PUBLIC issue tracker. Anyone can file an issue, so what it returns is
 * untrusted — and issue #7 carries an injected instruction.
 * Run alone: node bin/run-ts.js examples/demo/issues-server.ts   (stdio)
 */
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ISSUES } from './data.ts';

export function createIssuesServer(): McpServer {
  const server = new McpServer({ name: 'demo-issues', version: '1.0.0' });
  const openRead = { readOnlyHint: true, openWorldHint: true };
  server.registerTool('list_issues', { description: 'List open issues (number and title).', inputSchema: z.object({}), annotations: openRead }, async () => ({
    content: [{ type: 'text', text: ISSUES.map((i) => `#${i.number} ${i.title}`).join('\n') }],
    structuredContent: { issues: ISSUES.map((i) => ({ number: i.number, title: i.title })) },
  }));
  server.registerTool(
    'get_issue',
    { description: 'Get one issue with its full text.', inputSchema: z.object({ number: z.number().int() }), annotations: openRead },
    async ({ number }) => {
      const i = ISSUES.find((x) => x.number === number);
      if (!i) return { isError: true, content: [{ type: 'text', text: `no issue #${number}` }] };
      return { content: [{ type: 'text', text: `#${i.number} ${i.title} (by ${i.author})\n\n${i.body}` }], structuredContent: { ...i, visibility: 'public' } };
    },
  );
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await createIssuesServer().connect(new StdioServerTransport());
}
