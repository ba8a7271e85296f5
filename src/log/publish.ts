/** Publishing text lines to the topic as producers should: each keyed by its transaction_id (events/event-key.ts). */
import { keyedRecord } from '../events/event-key.ts';
import type { AppendResult, EventLog } from './port.ts';

export function publishLines(log: EventLog, lines: readonly string[]): Promise<AppendResult> {
  return log.append(lines.map(keyedRecord));
}
