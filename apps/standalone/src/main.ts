import 'reflect-metadata';
import { runDemo } from './demo/run-demo';
import { runStandalone } from './first-run/run-standalone';
import { ArgsError, parseStandaloneArgs, USAGE, type StandaloneArgs } from './standalone-args';

// All three apps in one process, sharing one set of (by default embedded) infrastructure; with --demo,
// the sample upstream and demo traffic too.
function argsOrExit(): StandaloneArgs {
  try {
    return parseStandaloneArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ArgsError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const args = argsOrExit();
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
void (args.demo ? runDemo(args.durationSeconds) : runStandalone());
