/**
 * Demo MCP server: a ticket system holding PRIVATE customer data (names, e-mails, phones).
 * Run alone: node bin/run-ts.js examples/demo/tickets-server.ts   (stdio)
 */
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { TICKETS } from './data.ts';

export function createTicketsServer(): McpServer {
  const server = new McpServer({ name: 'demo-tickets', version: '1.0.0' });
  const closedRead = { readOnlyHint: true, openWorldHint: false };
  server.registerTool(
    'get_ticket',
    { description: 'Get one support ticket by id (e.g. T-1001).', inputSchema: z.object({ id: z.string() }), annotations: closedRead },
    async ({ id }) => {
      const t = TICKETS.find((x) => x.id === id);
      if (!t) return { isError: true, content: [{ type: 'text', text: `no ticket ${id}` }] };
      return { content: [{ type: 'text', text: JSON.stringify(t, null, 2) }], structuredContent: { ...t } };
    },
  );
  server.registerTool(
    'search_tickets',
    { description: 'Search tickets by text; an empty query lists all.', inputSchema: z.object({ query: z.string().default('') }), annotations: closedRead },
    async ({ query }) => {
      const q = query.toLowerCase();
      const hits = TICKETS.filter((t) => !q || JSON.stringify(t).toLowerCase().includes(q));
      const lines = hits.map((t) => `${t.id} [${t.status}] ${t.customer} <${t.email}> ${t.phone}: ${t.subject}`);
      return { content: [{ type: 'text', text: lines.join('\n') || 'no tickets' }], structuredContent: { tickets: hits.map((t) => ({ ...t })) } };
    },
  );
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await createTicketsServer().connect(new StdioServerTransport());
}
