import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

export interface AppProcess {
  readonly child: ChildProcess;
  /** App name → base URL, from the ready lines the entry point prints. */
  readonly urls: Readonly<Record<string, string>>;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ExitedProcess {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The built entry point of an app (`npm run build` produces it; `npm test` builds first). */
export function builtEntry(app: string, file = 'main.js'): string {
  const entry = join(REPO_ROOT, 'dist', 'apps', app, 'src', file);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  return entry;
}

/** Only the variables a test sets, plus PATH: the apps must not pick up the developer's environment. */
function isolatedEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

const READY_LINE = /^\s+(\w+)\s+(http:\/\/\S+)/;

/** Starts an entry point and waits until it prints its ready block (the URL lines). */
export function startAppProcess(
  entry: string,
  env: Readonly<Record<string, string>>,
  expectedApps: readonly string[],
  timeoutMs = 120_000,
  args: readonly string[] = [],
): Promise<AppProcess> {
  const child = spawn(process.execPath, [entry, ...args], { cwd: REPO_ROOT, env: isolatedEnv(env) });
  let out = '';
  const urls: Record<string, string> = {};
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready after ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        const match = READY_LINE.exec(line);
        if (match?.[1] && match[2]) urls[match[1]] = match[2];
      }
      if (expectedApps.every((app) => urls[app])) {
        clearTimeout(timer);
        resolve({ child, urls, output: () => out, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${out}`));
    });
  });
}

/** Runs an entry point to completion (for commands, and for start-ups expected to fail). */
export function runToExit(
  entry: string,
  env: Readonly<Record<string, string>>,
  timeoutMs = 60_000,
): Promise<ExitedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { cwd: REPO_ROOT, env: isolatedEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
