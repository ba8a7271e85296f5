/**
 * `txpipe dead-letters list|show|replay`: the messages that were not valid events, for people, and
 * taking the ones the current rules accept (dead-letters/replay.ts). Payloads are
 * whatever a producer sent, so everything from them is printed safely: a payload that is not UTF-8 is
 * shown with \xNN escapes, control characters, invisible and direction-changing characters are written
 * as escapes (a terminal never gets an escape sequence from a payload), and a long payload is cut with
 * a note of its size.
 */
import type { Command } from 'commander';
import { parseDeadLetterId, type DeadLetter, type DeadLetterSummary } from '../web/dead-letters.ts';
import { replayDeadLetters, type ReplaySummary } from '../dead-letters/replay.ts';
import { commandContext, out, withReadSource, withRuntime } from './context.ts';
import { UsageError } from './errors.ts';
import { choiceFlag, intFlag } from './flags.ts';
import { table } from './table.ts';

/** Characters of payload `show` prints; `--format json` prints it whole. */
const SHOW_CHARS = 10_000;
/** Characters of payload and reason in a list row. */
const LIST_CHARS = 60;

/**
 * Characters a terminal must not receive as they are: C0 and C1 controls and DEL (escape sequences,
 * carriage returns that overwrite a line), invisible and bidirectional formatting characters (text
 * that displays other than it reads), U+FFFD (where the ingest replaced invalid UTF-8), and lone
 * surrogates (text that is not valid Unicode).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ufffd]|\p{Cs}/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The text with every unsafe character written as an escape (\n, \t, \u001b, …), cut to `max` characters. */
export function printable(text: string, max = Number.POSITIVE_INFINITY): { text: string; cut: boolean } {
  let kept = text;
  let cut = false;
  if (text.length > max) {
    // Cut by code points, never inside a surrogate pair (length counts UTF-16 units, so only then can it be too long).
    let end = 0;
    for (let n = 0; n < max && end < text.length; n++) end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
    cut = end < text.length;
    kept = text.slice(0, end);
  }
  return {
    text: kept.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    cut,
  };
}

const short = (text: string, max: number) => {
  const p = printable(text, max);
  return p.cut ? `${p.text}…` : p.text;
};

export function deadLettersTable(rows: DeadLetterSummary[]): string {
  return table(
    ['id', 'received_at', 'reason', 'bytes', 'payload'],
    rows.map((r) => [
      short(r.id, LIST_CHARS),
      r.received_at,
      short(r.reason, LIST_CHARS),
      String(r.payload_bytes),
      short(r.payload_preview, LIST_CHARS),
    ]),
  );
}

/** What the payload line says beside the size: how it is shown, and whether only its start was kept. */
function payloadNotes(d: DeadLetter, cut: boolean): string {
  const notes: string[] = [];
  if (d.payload_encoding === 'escaped') notes.push('not UTF-8, shown with \\xNN escapes');
  if (d.payload_kept_bytes < d.payload_bytes) notes.push(`only the first ${d.payload_kept_bytes} bytes kept`);
  if (cut) notes.push(`cut after the first ${SHOW_CHARS} characters (--format json prints it whole)`);
  return notes.map((n) => `, ${n}`).join('');
}

export function deadLetterText(d: DeadLetter): string {
  const payload = printable(d.payload, SHOW_CHARS);
  return [
    `id           ${short(d.id, 300)}`,
    `topic        ${short(d.topic, 300)}`,
    `partition    ${d.partition}`,
    `offset       ${d.offset}`,
    `received_at  ${d.received_at}`,
    `reason       ${printable(d.reason).text}`,
    `sha256       ${d.payload_sha256}`,
    `payload      ${d.payload_bytes} bytes${payloadNotes(d, payload.cut)}`,
    payload.cut ? `${payload.text}…` : payload.text,
  ].join('\n');
}

export function replayText(r: ReplaySummary): string {
  const would = r.dry_run ? 'would move' : 'moved';
  const lines = [
    `${r.dry_run ? 'dry run (nothing stored): ' : `replay ${r.replay_id}: `}examined ${r.examined} dead letter(s) of topic ${short(r.topic, 200)}` +
      (r.reason_filter !== null ? ` whose reason contains "${short(r.reason_filter, 200)}"` : ''),
    `  ${would} ${r.rows} into transactions (${r.displaced} displacing a later-sorting stored delivery, now a duplicate)`,
    `  ${would} ${r.duplicates} to duplicates (an earlier delivery of their transaction_id wins)`,
    `  ${r.stillInvalid} still invalid, ${r.skipped} skipped (can never be valid: cut for their size, or not UTF-8)`,
  ];
  if (r.hours.length > 0) {
    const queued = r.dry_run ? 'hours that would be queued for the next run' : 'hours queued for the next run';
    lines.push(`  ${queued}: ${r.hours.length} (${r.hours[0]} … ${r.hours.at(-1)})`);
  }
  for (const l of r.letters) {
    lines.push(
      `  ${short(l.id, 300)}  ${l.outcome}${l.transaction_id ? `  ${l.transaction_id}` : ''}${l.reason ? `  ${short(l.reason, LIST_CHARS)}` : ''}`,
    );
  }
  const unlisted = r.examined - r.letters.length;
  if (unlisted > 0) lines.push(`  … and ${unlisted} more (--format json lists the first ${r.letters.length} too; replayed_dead_letters holds all)`);
  return lines.join('\n');
}

export function registerDeadLetters(program: Command): void {
  const dl = program.command('dead-letters').description('the messages that were not valid events: position, time, reason, payload');

  dl.command('list')
    .description('dead letters, newest first')
    .option('--limit <n>', 'how many', intFlag(1, 10_000), 20)
    .option('--reason <text>', 'only those whose reason contains this text (case-insensitive)')
    .option('--format <format>', 'table or json', choiceFlag(['table', 'json'] as const), 'table')
    .action(async (flags: { limit: number; reason?: string; format: 'table' | 'json' }) => {
      const ctx = commandContext();
      await withReadSource(ctx, async (source) => {
        const rows = await source.deadLetters({ limit: flags.limit, reason: flags.reason || undefined });
        if (flags.format === 'json') out(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) out(flags.reason ? `no dead letters whose reason contains "${short(flags.reason, 200)}"` : 'no dead letters');
        else out(deadLettersTable(rows));
      });
    });

  dl.command('replay')
    .description(
      'validate the stored dead letters again with the current rules and move the valid ones into transactions ' +
        '(first delivery wins; their hours are updated by the next run); recorded in replayed_dead_letters',
    )
    .option('--reason <text>', 'only those whose reason contains this text (case-insensitive)')
    .option('--dry-run', 'report what a replay would do, and store nothing')
    .option('--format <format>', 'text or json', choiceFlag(['text', 'json'] as const), 'text')
    .action(async (flags: { reason?: string; dryRun?: boolean; format: 'text' | 'json' }) => {
      const ctx = commandContext();
      await withRuntime(ctx, async (rt) => {
        const r = await replayDeadLetters(rt.warehouse, {
          topic: rt.log.topic,
          reason: flags.reason || undefined,
          dryRun: flags.dryRun === true,
          limits: ctx.config.events,
        });
        out(flags.format === 'json' ? JSON.stringify(r, null, 2) : replayText(r));
      });
    });

  dl.command('show')
    .argument('<id>', 'topic/partition/offset (as `list` prints it), or partition:offset on the configured topic')
    .description('one dead letter: position, received time, reason and payload')
    .option('--format <format>', 'text or json (json: the whole payload)', choiceFlag(['text', 'json'] as const), 'text')
    .action(async (id: string, flags: { format: 'text' | 'json' }) => {
      const ctx = commandContext();
      const key = parseDeadLetterId(id, ctx.config.topic);
      if (!key) throw new UsageError(`dead-letters show: the ID must be topic/partition/offset or partition:offset, got "${short(id, 200)}"`);
      await withReadSource(ctx, async (source) => {
        const letter = await source.deadLetter(key);
        if (!letter) throw new Error(`no dead letter at ${key.topic}/${key.partition}/${key.offset}`);
        out(flags.format === 'json' ? JSON.stringify(letter, null, 2) : deadLetterText(letter));
      });
    });
}
