import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../config/index.ts';
import type { AgentIdentity } from '../pipeline/types.ts';
import { compilePolicy, policyConfigSchema, type CatalogTool, type PolicyConfigInput } from './index.ts';

const tool = (server: string, name: string): CatalogTool => ({ server, name, exposed: `${server}__${name}` });
const catalog: CatalogTool[] = [
  tool('tickets', 'get_ticket'),
  tool('tickets', 'search_tickets'),
  tool('tickets', 'delete_ticket'),
  tool('github', 'get_issue'),
  tool('github', 'create_issue'),
  tool('chat', 'post_message'),
  tool('files', 'read_file'),
  tool('pay', 'refund'),
];

const cfg: PolicyConfigInput = {
  agents: {
    'support-bot': { roles: ['support'] },
    'dev-bot': { roles: ['dev'], virtualServers: ['dev'] },
  },
  roles: {
    support: {
      allow: [
        { server: 'tickets', tools: ['get_*', 'search_*', 'delete_*'] },
        { server: 'github', tools: ['get_issue'] },
        { id: 'support-channels', server: 'chat', tools: ['post_message'], when: 'args.channel.startsWith("#support-")' },
        { server: 'files', tools: ['read_file'], when: 'underPath(args.path, "/srv/reports")' },
        { server: 'pay', tools: ['refund'], when: 'args.amount < 100' },
      ],
      deny: [{ server: 'tickets', tools: ['delete_*'] }, { id: 'no-big-refunds-for-guests', server: 'pay', tools: ['refund'], when: 'args.currency != "EUR"' }],
    },
    dev: { allow: [{ server: 'github', tools: ['*'] }] },
  },
  virtualServers: { dev: { tools: ['github__*'] }, support: { tools: [{ server: 'tickets', tools: ['*'] }, 'chat__*'] } },
};

const policyOf = (c: PolicyConfigInput = cfg) => compilePolicy(policyConfigSchema.parse(c), catalog);
const agent = (id: string, roles: string[], extra: Partial<AgentIdentity> = {}): AgentIdentity => ({ id, roles, via: 'jwt', scopes: [], ...extra });
const support = agent('support-bot', ['support']);
const dev = agent('dev-bot', ['dev']);

describe('views', () => {
  test('two agents with different roles see different tools', () => {
    const p = policyOf();
    assert.deepEqual(p.view(support, 'default').tools, ['tickets__get_ticket', 'tickets__search_tickets', 'github__get_issue', 'chat__post_message', 'files__read_file', 'pay__refund']);
    assert.deepEqual(p.view(dev, 'dev').tools, ['github__get_issue', 'github__create_issue']);
    assert.equal(p.view(support, 'default').has('github__create_issue'), false);
    assert.equal(p.view(support, 'default').has('tickets__get_ticket'), true);
  });

  test('a view is cached per sorted role set and virtual server', () => {
    const p = policyOf();
    const a = p.view(agent('x', ['support', 'dev']), 'default');
    const b = p.view(agent('y', ['dev', 'support', 'undefined-role']), 'default');
    assert.equal(a, b);
    assert.notEqual(a, p.view(agent('x', ['support', 'dev']), 'support'));
  });

  test('virtual servers intersect with grants, never add', () => {
    const p = policyOf();
    assert.deepEqual(p.view(support, 'support').tools, ['tickets__get_ticket', 'tickets__search_tickets', 'chat__post_message']);
    assert.deepEqual(p.view(dev, 'default').tools, [], 'dev-bot is bound to the dev endpoint only');
    assert.equal(p.allowsEndpoint(dev, 'default'), false);
    assert.equal(p.allowsEndpoint(dev, 'dev'), true);
    assert.equal(p.allowsEndpoint(support, 'nope'), false);
  });

  test('an agent with no known roles sees nothing (default deny)', () => {
    assert.deepEqual(policyOf().view(agent('stranger', ['ghost']), 'default').tools, []);
  });

  test('defaultDeny: false shows everything not denied outright, and warns', () => {
    const p = policyOf({ ...cfg, defaultDeny: false });
    assert.equal(p.view(agent('s', []), 'default').tools.length, catalog.length);
    assert.ok(p.warnings.some((w) => w.startsWith('defaultDeny')));
    assert.equal(p.view(support, 'default').has('tickets__delete_ticket'), false);
  });
});

describe('decideCall', () => {
  test('hidden and nonexistent tools are indistinguishable', () => {
    const p = policyOf();
    const hidden = p.decideCall(support, 'default', 'github__create_issue', {});
    const missing = p.decideCall(support, 'default', 'github__no_such_tool', {});
    const denied = p.decideCall(support, 'default', 'tickets__delete_ticket', {});
    assert.deepEqual(hidden, missing);
    assert.deepEqual(denied, missing);
    assert.equal(hidden.allow === false && hidden.code, 'WARDEN_UNKNOWN_TOOL');
  });

  test('each agent can call only its own tools', () => {
    const p = policyOf();
    assert.equal(p.decideCall(support, 'default', 'tickets__get_ticket', { id: 1 }).allow, true);
    assert.equal(p.decideCall(dev, 'dev', 'github__create_issue', {}).allow, true);
    const r = p.decideCall(dev, 'dev', 'tickets__get_ticket', {});
    assert.equal(!r.allow && r.code, 'WARDEN_UNKNOWN_TOOL');
    const f = p.decideCall(dev, 'default', 'github__create_issue', {});
    assert.equal(!f.allow && f.code, 'WARDEN_FORBIDDEN');
  });

  test('a visible tool whose condition fails is ARGUMENTS_DENIED naming the rule', () => {
    const p = policyOf();
    assert.equal(p.decideCall(support, 'default', 'chat__post_message', { channel: '#support-eu', text: 'hi' }).allow, true);
    const d = p.decideCall(support, 'default', 'chat__post_message', { channel: '#general', text: 'hi' });
    assert.equal(d.allow, false);
    assert.equal(!d.allow && d.code, 'WARDEN_ARGUMENTS_DENIED');
    assert.equal(!d.allow && d.rule, 'support-channels');
  });

  test('paths are normalised: .. cannot climb out of the allowed root', () => {
    const p = policyOf();
    assert.equal(p.decideCall(support, 'default', 'files__read_file', { path: '/srv/reports/q3.csv' }).allow, true);
    for (const path of ['/srv/reports/../../etc/passwd', '/srv/reportsX/a', 'srv/reports/a', '/srv/reports/a\\..\\..', '/srv/reports/\0x']) {
      assert.equal(p.decideCall(support, 'default', 'files__read_file', { path }).allow, false, path);
    }
  });

  test('deny rules win over allows, and a deny condition that errors denies', () => {
    const p = policyOf();
    assert.equal(p.decideCall(support, 'default', 'pay__refund', { amount: 50, currency: 'EUR' }).allow, true);
    const usd = p.decideCall(support, 'default', 'pay__refund', { amount: 50, currency: 'USD' });
    assert.equal(!usd.allow && usd.rule, 'no-big-refunds-for-guests');
    const missing = p.decideCall(support, 'default', 'pay__refund', { amount: 50 });
    assert.equal(!missing.allow && missing.code, 'WARDEN_ARGUMENTS_DENIED');
    assert.equal(!missing.allow && missing.rule, 'no-big-refunds-for-guests');
    const big = p.decideCall(support, 'default', 'pay__refund', { amount: 500, currency: 'EUR' });
    assert.equal(!big.allow && big.code, 'WARDEN_ARGUMENTS_DENIED');
  });

  test('tricky arguments fail closed', () => {
    const p = policyOf();
    const bad: unknown[] = [
      { channel: '#ѕupport-eu' }, // Cyrillic ѕ
      { channel: ['#support-eu'] },
      { channel: { value: '#support-eu' } },
      { channel: 42 },
      { channel: null },
      {},
      ['#support-eu'],
      '#support-eu',
      null,
    ];
    for (const args of bad) {
      const d = p.decideCall(support, 'default', 'chat__post_message', args);
      assert.equal(!d.allow && d.code, 'WARDEN_ARGUMENTS_DENIED', JSON.stringify(args));
    }
    for (const amount of ['5', [5], { v: 5 }, null, true]) {
      assert.equal(p.decideCall(support, 'default', 'pay__refund', { amount, currency: 'EUR' }).allow, false, JSON.stringify(amount));
    }
  });

  test('conditions can read the agent', () => {
    const p = policyOf({
      agents: {},
      roles: { r: { allow: [{ server: 'github', tools: ['get_issue'], when: 'agent.id == "a" && "r" in agent.roles' }] } },
    });
    assert.equal(p.decideCall(agent('a', ['r']), 'default', 'github__get_issue', {}).allow, true);
    assert.equal(p.decideCall(agent('b', ['r']), 'default', 'github__get_issue', {}).allow, false);
  });
});

describe('load', () => {
  test('a condition that does not compile is a config error naming the key path', () => {
    assert.throws(
      () => policyOf({ roles: { r: { allow: [{ server: 's', tools: ['t'], when: 'args.x +' }] } } }),
      (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('roles.r.allow[0].when:')),
    );
    assert.throws(
      () => policyOf({ roles: { r: { allow: [{ server: 's', tools: ['t'], when: '"a string"' }] } } }),
      (e: unknown) => e instanceof ConfigError && /bool/.test(e.problems[0] ?? ''),
    );
    assert.throws(
      () => policyOf({ roles: { r: { allow: [{ server: 's', tools: ['t'], when: 'secret == 1' }] } } }),
      (e: unknown) => e instanceof ConfigError && /roles\.r\.allow\[0\]\.when/.test(e.problems[0] ?? ''),
    );
  });

  test('an agent bound to an undefined virtual server is refused', () => {
    assert.throws(() => policyOf({ agents: { a: { roles: [], virtualServers: ['ghost'] } } }), (e: unknown) => e instanceof ConfigError && /agents\.a\.virtualServers\[0\]/.test(e.problems[0] ?? ''));
  });

  test('unknown keys are refused by the schema', () => {
    assert.equal(policyConfigSchema.safeParse({ roles: { r: { allow: [{ server: 's', tool: ['t'] }] } } }).success, false);
    assert.equal(policyConfigSchema.safeParse({ roles: { r: { allow: [{ server: 's' }] } } }).success, false);
  });

  test('warnings: undefined roles and rules that match nothing', () => {
    const p = policyOf({ agents: { a: { roles: ['ghost'] } }, roles: { r: { allow: [{ server: 'nope', tools: ['x'] }] } } });
    assert.ok(p.warnings.some((w) => w.includes('agents.a.roles[0]')));
    assert.ok(p.warnings.some((w) => w.includes('roles.r.allow[0]: matches no tool')));
  });

  test('hot reload: a new policy changes grants for new calls; withCatalog picks up new tools', () => {
    const before = policyOf();
    const after = compilePolicy(policyConfigSchema.parse({ ...cfg, roles: { ...cfg.roles, support: { allow: [{ server: 'github', tools: ['*'] }] } } }), catalog);
    assert.equal(before.decideCall(support, 'default', 'github__create_issue', {}).allow, false);
    assert.equal(after.decideCall(support, 'default', 'github__create_issue', {}).allow, true);
    const grown = before.withCatalog([...catalog, tool('tickets', 'get_comments')]);
    assert.equal(grown.view(support, 'default').has('tickets__get_comments'), true);
    assert.equal(before.view(support, 'default').has('tickets__get_comments'), false);
  });
});

describe('resources and prompts', () => {
  test('are filtered by the same rules', () => {
    const p = compilePolicy(
      policyConfigSchema.parse({
        roles: { r: { allow: [{ server: 'docs', resources: ['file:///public/*'], prompts: ['summar*'] }], deny: [{ server: 'docs', resources: ['file:///public/secret*'] }] } },
        virtualServers: { narrow: { tools: [], resources: [{ server: 'docs', uris: ['file:///public/a*'] }] } },
      }),
      {
        tools: [],
        resources: [
          { server: 'docs', uri: 'file:///public/a.md', exposed: 'file:///public/a.md' },
          { server: 'docs', uri: 'file:///public/secret.md', exposed: 'file:///public/secret.md' },
          { server: 'docs', uri: 'file:///private/b.md', exposed: 'file:///private/b.md' },
        ],
        prompts: [{ server: 'docs', name: 'summarize', exposed: 'docs__summarize' }, { server: 'docs', name: 'translate', exposed: 'docs__translate' }],
      },
    );
    const a = agent('a', ['r']);
    assert.deepEqual(p.view(a, 'default').resources, ['file:///public/a.md']);
    assert.deepEqual(p.view(a, 'default').prompts, ['docs__summarize']);
    assert.equal(p.view(a, 'default').hasResource('docs', 'file:///public/z.md'), true);
    assert.equal(p.view(a, 'narrow').hasResource('docs', 'file:///public/z.md'), false);
    assert.deepEqual(p.view(a, 'narrow').prompts, []);
  });
});

describe('explain', () => {
  test('lists every rule that led to the decision', () => {
    const p = policyOf();
    const steps = p.explain(support, 'default', 'pay__refund', { amount: 50, currency: 'USD' });
    const last = steps.at(-1)!;
    assert.equal(last.outcome, 'deny');
    assert.equal(last.rule, 'no-big-refunds-for-guests');
    assert.ok(steps.some((s) => s.rule === 'roles.support.allow[4]' && s.check === 'allow rule'));
    assert.ok(steps.some((s) => s.rule === 'no-big-refunds-for-guests' && s.check === 'condition' && s.outcome === 'pass'));
  });

  test('tells operators hidden from nonexistent', () => {
    const p = policyOf();
    const hidden = p.explain(support, 'default', 'tickets__delete_ticket', {});
    assert.ok(hidden.some((s) => s.check === 'catalog' && s.outcome === 'match'));
    assert.ok(hidden.some((s) => s.check === 'deny rule' && s.rule === 'roles.support.deny[0]'));
    const missing = p.explain(support, 'default', 'nope__nope', {});
    assert.ok(missing.some((s) => s.check === 'catalog' && s.outcome === 'no-match'));
  });
});
