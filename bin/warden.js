#!/usr/bin/env node
// The `warden` command. The sources are TypeScript, loaded through tsx's ESM hook once at start.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
