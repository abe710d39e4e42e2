/** Shadow MCP discovery (issue 8): find client configs that bypass Warden, and route them through it. */
export { discover, normalizeUrl, runsWardenStdio, type DiscoverOptions, type DiscoveredServer, type DiscoveryProblem, type DiscoveryResult, type KnownServers } from './discover.ts';
export { planFix, applyFix, upstreamSnippet, type FixOptions, type FixPlan, type FileFix } from './fix.ts';
export { LOCATIONS, type Platform, type Format, type Location } from './clients.ts';
export { parseJsonc, stripJsonc } from './jsonc.ts';
