#!/usr/bin/env node
// risk-streams CLI entry point: `risk-streams <command> [options]`.

import { describeCommand, generateCommand, replayCommand, runCommand, runUsage, UsageError } from '../apps/cli/commands.ts';
import { StreamsError } from '../common/errors.ts';

const usage = `usage: risk-streams <command> [options]
  generate --output DIR [--minutes N] [--accounts N] [--seed N] [--breaching N]
  replay   --input DIR --output DIR [--config FILE]
  describe <app> [--format text|dot|mermaid|html]
  ${runUsage}`;

const [command, ...args] = process.argv.slice(2);
try {
  switch (command) {
    case 'generate':
      await generateCommand(args);
      break;
    case 'replay':
      await replayCommand(args);
      break;
    case 'describe':
      describeCommand(args);
      break;
    case 'run':
      // Exits once the app has closed: a client that did not close in time must not keep the process up.
      process.exit(await runCommand(args));
      break;
    default:
      throw new UsageError(command === undefined ? 'no command given' : `unknown command "${command}"`);
  }
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`risk-streams: ${error.message}\n${usage}`);
    process.exitCode = 2;
  } else if (error instanceof StreamsError) {
    console.error(`risk-streams: ${error.message}`);
    process.exitCode = 1;
  } else throw error;
}
