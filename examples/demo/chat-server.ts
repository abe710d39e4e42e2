/**
 * Demo MCP server: a chat that posts to channels — the EXTERNAL SINK. `#general` is seen by
 * everyone (partners included); `#support-*` channels are internal to the support team.
 * Run alone: node bin/run-ts.js examples/demo/chat-server.ts   (stdio)
 */
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

export function createChatServer(): McpServer {
  const server = new McpServer({ name: 'demo-chat', version: '1.0.0' });
  const posted: { channel: string; text: string }[] = [];
  server.registerTool(
    'post_message',
    {
      description: 'Post a message to a channel, e.g. #general or #support-tickets.',
      inputSchema: z.object({ channel: z.string().regex(/^#[a-z0-9-]+$/), text: z.string().max(10_000) }),
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    async ({ channel, text }) => {
      posted.push({ channel, text });
      process.stderr.write(`[chat] ${channel}: ${text.slice(0, 80).replace(/\n/g, ' ')}\n`);
      return { content: [{ type: 'text', text: `posted to ${channel} (message ${posted.length})` }] };
    },
  );
  server.registerTool(
    'list_channels',
    { description: 'List channels.', inputSchema: z.object({}), annotations: { readOnlyHint: true, openWorldHint: false } },
    async () => ({ content: [{ type: 'text', text: '#general\n#random\n#support-tickets\n#support-team' }] }),
  );
  server.registerTool(
    'read_channel',
    { description: 'Messages posted to a channel in this run.', inputSchema: z.object({ channel: z.string() }), annotations: { readOnlyHint: true, openWorldHint: false } },
    async ({ channel }) => ({ content: [{ type: 'text', text: posted.filter((p) => p.channel === channel).map((p) => p.text).join('\n---\n') || '(empty)' }] }),
  );
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await createChatServer().connect(new StdioServerTransport());
}
