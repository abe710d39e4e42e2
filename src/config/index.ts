export { ConfigError, loadConfigFile, parseConfig } from './load.ts';
export type { LoadedConfig } from './load.ts';
export { configSchema, isStdio } from './schema.ts';
export type { HttpUpstreamConfig, ServerConfig, StdioUpstreamConfig, UpstreamConfig, WardenConfig } from './schema.ts';
