import pino, { type Logger } from 'pino';

/** Paths whose values are secrets: API keys, tokens, passwords. Never written to a log. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.plaintextKey',
];

export type AppLogger = Logger;

export function createLogger(level: string, name = 'keymeter'): AppLogger {
  return pino({
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
