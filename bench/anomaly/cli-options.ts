import { PIPELINE_MIX } from './pipeline-mix';
import { DEFAULT_SCENARIO, type ScenarioOptions } from './traffic-model';

/**
 * Reads `--seed N --keys N --weeks N --learning-weeks N --mix pipeline` over the defaults; other flags are
 * returned as they are.
 */
export function parseScenarioArgs(argv: readonly string[]): {
  scenario: ScenarioOptions;
  flags: Map<string, string>;
} {
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (!arg.startsWith('--')) {
      throw new RangeError(`arguments: expected --name value, got ${JSON.stringify(arg)}`);
    }
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('--')) {
      flags.set(arg.slice(2), 'true');
    } else {
      flags.set(arg.slice(2), value);
      index += 1;
    }
  }
  const whole = (name: string, fallback: number): number => {
    const text = flags.get(name);
    if (text === undefined) {
      return fallback;
    }
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`--${name}: must be a whole number, got ${JSON.stringify(text)}`);
    }
    return value;
  };
  return {
    scenario: {
      ...DEFAULT_SCENARIO,
      seed: whole('seed', DEFAULT_SCENARIO.seed),
      keys: whole('keys', DEFAULT_SCENARIO.keys),
      weeks: whole('weeks', DEFAULT_SCENARIO.weeks),
      learningWeeks: whole('learning-weeks', DEFAULT_SCENARIO.learningWeeks),
      ...mixOf(flags.get('mix')),
    },
    flags,
  };
}

function mixOf(name: string | undefined): Pick<ScenarioOptions, 'mix'> {
  if (name === undefined) return {};
  if (name === PIPELINE_MIX.name) return { mix: PIPELINE_MIX };
  throw new RangeError(`--mix: expected ${PIPELINE_MIX.name}, got ${JSON.stringify(name)}`);
}
