/** `--name value` and `--flag` arguments; unknown names are refused with the name in the message. */
export function parseArgs(
  argv: readonly string[],
  valued: readonly string[],
  flags: readonly string[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [arg, undefined];
    if (flags.includes(name)) {
      out.set(name, 'true');
    } else if (valued.includes(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new Error(`--${name}: a value is required`);
      out.set(name, value);
    } else {
      throw new Error(
        `${arg}: unknown argument (expected ${[...valued, ...flags].map((n) => `--${n}`).join(', ')})`,
      );
    }
  }
  return out;
}

export function instantArg(args: Map<string, string>, name: string): Date | undefined {
  const value = args.get(name);
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new Error(`--${name}: must be an ISO 8601 date-time, got "${value}"`);
  }
  return date;
}
