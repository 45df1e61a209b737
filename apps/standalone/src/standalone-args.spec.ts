import { ArgsError, DEFAULT_DEMO_SECONDS, parseStandaloneArgs } from './standalone-args';

describe('parseStandaloneArgs', () => {
  it('runs the product alone by default, the demo with --demo', () => {
    expect(parseStandaloneArgs([])).toEqual({
      demo: false,
      durationSeconds: DEFAULT_DEMO_SECONDS,
      help: false,
    });
    expect(parseStandaloneArgs(['--demo'])).toEqual({
      demo: true,
      durationSeconds: DEFAULT_DEMO_SECONDS,
      help: false,
    });
    expect(parseStandaloneArgs(['--help']).help).toBe(true);
    expect(parseStandaloneArgs(['-h']).help).toBe(true);
    expect(parseStandaloneArgs(['--demo', '--duration', '5'])).toEqual({
      demo: true,
      durationSeconds: 5,
      help: false,
    });
    expect(parseStandaloneArgs(['--duration=120', '--demo'])).toEqual({
      demo: true,
      durationSeconds: 120,
      help: false,
    });
  });

  it.each([
    [['--dmeo'], '--dmeo: unknown option'],
    [['--demo', '--duration'], '--duration: expected a number of seconds'],
    [['--demo', '--duration', '0'], '--duration: expected a whole number of seconds from 1 to 3600'],
    [['--demo', '--duration', '1.5'], '--duration: expected a whole number of seconds from 1 to 3600'],
    [['--duration', '5'], '--duration: only with --demo'],
  ])('refuses %j naming the option', (argv, message) => {
    expect(() => parseStandaloneArgs(argv)).toThrow(new ArgsError(message));
  });
});
