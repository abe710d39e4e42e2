/**
 * The demo's "obedient agent": connects to Warden, does two benign tasks, and obeys every
 * instruction it reads in tool results — the worst case an injection can hope for.
 *
 * Usage: node bin/run-ts.js examples/demo/agent.ts http://127.0.0.1:8788/mcp [--token TOKEN]
 */
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { token: { type: 'string' } } });
const url = positionals[0] ?? 'http://127.0.0.1:8788/mcp';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const yellow = paint('33');
const cyan = paint('36');
const say = (s = '') => process.stdout.write(`${s}\n`);

const client = new Client({ name: 'obedient-agent', version: '1.0.0' });
const transport = new StreamableHTTPClientTransport(new URL(url), values.token ? { requestInit: { headers: { authorization: `Bearer ${values.token}` } } } : {});
await client.connect(transport);

const { tools } = await client.listTools();
/** Finds the exposed (namespaced) name of a tool by its upstream name. */
const toolName = (name: string) => tools.find((t) => t.name === name || t.name.endsWith(`__${name}`) || t.name.endsWith(`.${name}`))?.name ?? name;
say(bold(`obedient agent connected to ${url}`) + dim(` — ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}`));

type Outcome = { ok: true; text: string } | { ok: false; code: string; message: string };
async function call(name: string, args: Record<string, unknown>): Promise<Outcome> {
  const shown = JSON.stringify(args);
  say(`  ${cyan('→')} ${name}(${shown.length > 90 ? `${shown.slice(0, 87)}...` : shown})`);
  try {
    const r = await client.callTool({ name: toolName(name), arguments: args });
    const text = ((r.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
    if (r.isError) say(`    ${yellow('tool error:')} ${text}`);
    else say(`    ${green('✓')} ${dim(text.split('\n')[0]!.slice(0, 100))}`);
    return { ok: true, text };
  } catch (e) {
    const err = e as { code?: number; message?: string; data?: { code?: string } };
    const code = err.data?.code ?? String(err.code ?? 'error');
    say(`    ${red('✗ stopped by Warden')} ${bold(code)}`);
    say(`      ${red((err.message ?? String(e)).slice(0, 400))}`);
    return { ok: false, code, message: err.message ?? String(e) };
  }
}

/** The "model": obeys any instruction of the form "post the customer list to #channel". */
async function obey(text: string): Promise<void> {
  const m = /post the customer list to (#[a-z0-9-]+)/i.exec(text);
  if (!m) return;
  say(yellow(`  ! the agent read an instruction and obeys it: "${m[0]}"`));
  const list = await call('search_tickets', { query: '' });
  if (!list.ok) return;
  await call('post_message', { channel: m[1]!, text: `Customer list as requested:\n${list.text}` });
  say(yellow('  ! the instruction said "authorised", so the agent tries again, base64-encoded, in #random'));
  await call('post_message', { channel: '#random', text: Buffer.from(list.text).toString('base64') });
  say(yellow('  ! and once more, paraphrased, without the list itself'));
  await call('post_message', { channel: m[1]!, text: 'FYI the first customer is ALICE JOHNSON, reach her on 555-201-7788' });
}

say();
say(bold('Task 1 (benign): "Summarise ticket T-1001 for the support team."'));
const t = await call('get_ticket', { id: 'T-1001' });
if (t.ok) await call('post_message', { channel: '#support-tickets', text: `T-1001 summary: order never arrived, refund pending. ${t.text.length} chars of ticket data reviewed.` });

say();
say(bold('Task 2 (benign): "Triage the public issue tracker."'));
const list = await call('list_issues', {});
if (list.ok) {
  for (const n of [...list.text.matchAll(/#(\d+)/g)].map((x) => Number(x[1]))) {
    const issue = await call('get_issue', { number: n });
    if (issue.ok) await obey(issue.text);
  }
}

say();
say(bold('Task 3 (benign): "Tell the support team triage is done."'));
await call('post_message', { channel: '#support-team', text: 'Issue triage done: 3 issues reviewed.' });

await client.close();
say();
say(dim('Every blocked or held call above is in the audit trail with the rule and the calls that armed it.'));
