/**
 * "Events/s in" and "last ingest" for the dashboard: how fast the ingest's stored positions advance
 * (every consumed record counts: raw row, dead letter or duplicate), measured over the last minute
 * from samples this server takes every few seconds, and when a position last advanced. The positions
 * are the ones stored with the rows, so this works whichever process runs the ingest.
 */
import { sql } from '../sql.ts';
import { readConsumerOffsets, type ConsumerKey } from '../warehouse/consumer-offsets.ts';
import type { Queryable } from '../warehouse/port.ts';

export interface IngestPaceReading {
  /** Records consumed per second over the window, or null before two samples a second apart. */
  events_per_second: number | null;
  /** Seconds the rate was measured over, or null with it. */
  window_seconds: number | null;
  /** RFC 3339: when a batch last committed for this group and topic, or null when none ever did. */
  last_ingest_at: string | null;
}

interface Sample {
  at: number;
  positions: Map<number, bigint>;
}

const WINDOW_MS = 60_000;
const EVERY_MS = 5_000;

export class IngestPace {
  readonly #db: Queryable;
  readonly #key: ConsumerKey;
  #samples: Sample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(db: Queryable, key: ConsumerKey) {
    this.#db = db;
    this.#key = key;
  }

  /** Samples in the background until stop(), so the first reading already has a window. */
  start(): void {
    void this.#sample();
    this.#timer = setInterval(() => void this.#sample(), EVERY_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#inFlight;
  }

  async read(): Promise<IngestPaceReading> {
    const newest = this.#samples.at(-1);
    if (!newest || performance.now() - newest.at > 1000) await this.#sample(true);
    const [row] = await this.#db.query<{ last_ingest_at: string | null }>(sql('web/last_ingest'), [this.#key.group, this.#key.topic]);
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    let rate: number | null = null;
    let window: number | null = null;
    if (first && last && last.at - first.at >= 1000) {
      let consumed = 0n;
      for (const [p, end] of last.positions) {
        const start = first.positions.get(p);
        if (start !== undefined && end > start) consumed += end - start;
      }
      window = (last.at - first.at) / 1000;
      rate = Number(consumed) / window;
    }
    return { events_per_second: rate, window_seconds: window, last_ingest_at: row?.last_ingest_at ?? null };
  }

  #sample(rethrow = false): Promise<void> {
    this.#inFlight ??= (async () => {
      try {
        const positions = await readConsumerOffsets(this.#db, this.#key);
        const at = performance.now();
        this.#samples.push({ at, positions });
        while (this.#samples.length > 2 && at - this.#samples[0]!.at > WINDOW_MS) this.#samples.shift();
      } catch (err) {
        // In the background a failed sample is only a gap (/readyz tells the database is away).
        if (rethrow) throw err;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }
}
