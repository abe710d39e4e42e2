/**
 * Structured JSON logs (pino). One root logger; modules take a child with their name.
 * Redaction paths keep credentials out of logs even if a caller passes a header object.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'warden' },
      redact: {
        paths: ['*.authorization', '*.Authorization', 'headers.authorization', 'headers.cookie', '*.token', '*.apiKey', '*.secret', '*.password'],
        censor: '[REDACTED]',
      },
    },
    // stderr: stdout belongs to the MCP stdio transport in `warden stdio`.
    (destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
