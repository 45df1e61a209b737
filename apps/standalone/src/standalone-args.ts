/** Command-line options of `npm start` (the configuration itself comes from the environment). */
export interface StandaloneArgs {
  /** `--demo`: also start the sample upstream and drive demo traffic. */
  readonly demo: boolean;
  /** `--duration <seconds>`: how long the demo drives traffic (default 30). */
  readonly durationSeconds: number;
  /** `--help` / `-h`: print the usage and exit. */
  readonly help: boolean;
}

export const DEFAULT_DEMO_SECONDS = 30;
const MAX_DEMO_SECONDS = 3600;

export const USAGE = `usage: npm start [-- --demo [--duration SECONDS]]    (npm run demo [-- --duration SECONDS])
  --demo            also start a sample market-data API, set up a customer with two keys, drive traffic
                    through the gateway and print what to try next (data in <KEYMETER_DATA_DIR>/demo)
  --duration N      seconds of demo traffic, 1 to ${MAX_DEMO_SECONDS} (default ${DEFAULT_DEMO_SECONDS})`;

export class ArgsError extends Error {}

/** Parses `--demo`, `--duration N` / `--duration=N`; anything else is an error naming it. */
export function parseStandaloneArgs(argv: readonly string[]): StandaloneArgs {
  let demo = false;
  let help = false;
  let duration: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--demo') demo = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--duration') {
      duration = argv[i + 1];
      i += 1;
      if (duration === undefined) throw new ArgsError('--duration: expected a number of seconds');
    } else if (arg.startsWith('--duration=')) duration = arg.slice('--duration='.length);
    else throw new ArgsError(`${arg}: unknown option`);
  }
  let durationSeconds = DEFAULT_DEMO_SECONDS;
  if (duration !== undefined) {
    if (!demo) throw new ArgsError('--duration: only with --demo');
    durationSeconds = Number(duration);
    if (!/^\d+$/.test(duration) || durationSeconds < 1 || durationSeconds > MAX_DEMO_SECONDS) {
      throw new ArgsError(`--duration: expected a whole number of seconds from 1 to ${MAX_DEMO_SECONDS}`);
    }
  }
  return { demo, durationSeconds, help };
}
