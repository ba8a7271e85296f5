/**
 * Kafka's own command-line clients (from the jars `services:up` fetches into .services/jars/kafka), for
 * tests where a producer txpipe did not write matters.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from './cli.ts';

const jars = join(repoRoot, '.services', 'jars', 'kafka');
const log4j = join(repoRoot, 'scripts', 'services', 'kafka-log4j2.properties');

/** Starts org.apache.kafka.tools.ConsoleProducer; write lines to its stdin, end it, await `done`. */
export function consoleProducer(
  brokers: string,
  topic: string,
  properties: Record<string, string>,
  options: { parseKey?: boolean } = {},
): { child: ChildProcessWithoutNullStreams; done: Promise<void> } {
  if (!existsSync(jars)) throw new Error(`no Kafka jars at ${jars}: run npm run services:up first`);
  const args = [
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    '-Dtxpipe.kafka.loglevel=WARN',
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    `${jars}/*`,
    'org.apache.kafka.tools.ConsoleProducer',
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    ...Object.entries(properties).flatMap(([k, v]) => ['--producer-property', `${k}=${v}`]),
    ...(options.parseKey ? ['--property', 'parse.key=true', '--property', 'key.separator=\t'] : []),
  ];
  const child = spawn('java', args);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ConsoleProducer exited ${code}: ${stderr}`))));
  });
  return { child, done };
}

/** Writes lines to a child's stdin `perPause` at a time with a pause between, so record timestamps follow line order. */
export async function feedLines(child: ChildProcessWithoutNullStreams, lines: readonly string[], perPause: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < lines.length; i += perPause) {
    const text = `${lines.slice(i, i + perPause).join('\n')}\n`;
    if (!child.stdin.write(text)) await new Promise((resolve) => child.stdin.once('drain', resolve));
    await sleep(pauseMs);
  }
  child.stdin.end();
}
