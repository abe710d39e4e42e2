export { Gateway } from './gateway.ts';
export type { GatewayExtensions, GatewayRequest, UpstreamStatus } from './gateway.ts';
export type { CallChannel, Peer } from './peers.ts';
