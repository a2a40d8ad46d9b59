import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './exit.js';

export type SubcommandRunner = (args: string[], options: Record<string, unknown>) => Promise<number>;

/** Each subcommand lives in its own module and is imported only when called, so `mask` stays fast. */
async function runModule(name: string, args: string[], options: Record<string, unknown>): Promise<number> {
  const mod = (await import(`./commands/${name}.js`)) as { run: SubcommandRunner };
  return mod.run(args, options);
}

function csv(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('chat-image-editor')
    .description('Edit photos by chatting: Discord, Slack and Feishu/Lark bots, a local playground, and the tools behind them.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .option('--config <file>', 'YAML file with configuration overrides (also CONFIG_FILE)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  const action =
    (name: string) =>
    async (...params: unknown[]) => {
      // commander passes positional args, then the options object, then the Command itself.
      const cmd = params[params.length - 1] as Command;
      const options = { ...program.opts(), ...cmd.opts() };
      if (typeof options.config === 'string') process.env.CONFIG_FILE = options.config;
      const positional = params.slice(0, -2).flatMap((p) => (Array.isArray(p) ? p : p === undefined ? [] : [p])) as string[];
      setExit(await runModule(name, positional, options));
    };

  program.command('serve').description('start every configured bot plus the local playground').action(action('serve'));

  program
    .command('segment')
    .description('parse a photo into labelled parts')
    .argument('<image>', 'photo file')
    .option('--json', 'print {"labels":[{"name","fraction"}]}')
    .option('--labelmap <out>', 'write the 8-bit label map PNG')
    .option('--overlay <out>', 'write a tinted overlay with a legend')
    .action(action('segment'));

  program
    .command('plan')
    .description('instruction → validated, merged, sorted commands')
    .argument('<instruction>', 'what to change, in English or Chinese')
    .option('--labels <list>', 'labels present in the photo, comma-separated', csv)
    .option('--image <file>', 'segment this photo to find its labels')
    .option('--offline', 'use the built-in offline interpreter')
    .option('--json', 'print JSON')
    .action(action('plan'));

  program
    .command('parse')
    .description('raw LLM reply text → commands')
    .argument('[file]', 'file with the reply, or - for stdin (default)')
    .option('--labels <list>', 'labels present in the photo, comma-separated', csv)
    .option('--json', 'print JSON')
    .action(action('parse'));

  program
    .command('mask')
    .description('build the edit mask from a label map')
    .requiredOption('--segmentation <map>', 'label map PNG')
    .requiredOption('--labels <list>', 'labels to edit, comma-separated', csv)
    .option('--points <list>', 'points "x,y;x,y": each selects its whole segment')
    .option('--no-optimize', 'skip edge optimisation')
    .requiredOption('-o, --output <out>', 'mask PNG to write')
    .option('--json', 'print JSON')
    .action(action('mask'));

  program
    .command('edit')
    .description('end to end on a file')
    .argument('<image>', 'photo file')
    .argument('<instruction>', 'what to change')
    .requiredOption('-o, --output <out>', 'output file (format from its extension)')
    .option('--commands <json>', 'commands in the wire format instead of planning')
    .option('--segmentation <map>', 'label map PNG instead of running the segmenter')
    .option('--offline', 'use the built-in offline interpreter')
    .option('--json', 'print JSON')
    .action(action('edit'));

  program
    .command('models')
    .description('segmentation models: list, fetch (download with progress), verify (sha256)')
    .addArgument(new Command().createArgument('<action>', 'list | fetch | verify').choices(['list', 'fetch', 'verify']))
    .argument('[name]', 'model card name (default: the active model)')
    .option('--json', 'print JSON')
    .action(action('models'));

  program.command('doctor').description('check every configured service').option('--json', 'print JSON').action(action('doctor'));

  program
    .command('eval')
    .description('LLM command-validity evaluation')
    .addOption(new Option('--model <profile...>', 'planner profile(s) to evaluate').default(['offline']))
    .option('--set <file>', 'evaluation set (default: the bundled one)')
    .option('-n <count>', 'number of samples', (v) => Number.parseInt(v, 10))
    .option('--concurrency <c>', 'parallel requests', (v) => Number.parseInt(v, 10))
    .option('--out <dir>', 'folder for results.json, results.md and the chart')
    .option('--check', 'evaluate the result check instead of the planner: its cost and how often it disagrees with "done"')
    .addOption(new Option('--check-mode <mode>', 'result check to evaluate (with --check)').choices(['local', 'vision']))
    .option('--check-set <file>', 'before/after pairs to check (default: a synthetic set)')
    .option('--json', 'print JSON')
    .action(action('eval'));

  program
    .command('dataset')
    .description('generate fine-tuning data (LLaMA-Factory alpaca format)')
    .requiredOption('--images <dir>', 'folder of photos')
    .requiredOption('-n <count>', 'number of samples', (v) => Number.parseInt(v, 10))
    .option('--concurrency <c>', 'parallel requests', (v) => Number.parseInt(v, 10))
    .option('--teacher <profile>', 'planner profile of the teacher model')
    .requiredOption('--out <file>', 'output JSON file')
    .option('--conversations <file>', 'also include conversations the bot handled (JSON lines the operator exported; anonymised)')
    .option('--json', 'print JSON')
    .action(action('dataset'));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    const { reportCliError } = await import('./report.js');
    return reportCliError(err);
  }
}
