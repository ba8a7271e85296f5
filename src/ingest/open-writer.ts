/** Starts the ingest's writer (writer.ts) where the warehouse runs it best, with PIPELINE_DEPTH connections. */
import type { ConsumerKey } from '../warehouse/consumer-offsets.ts';
import type { Warehouse, Writer } from '../warehouse/port.ts';
import { PIPELINE_DEPTH } from './pipeline.ts';
import { preparedTransferList } from './prepare-batch.ts';
import type { BatchOutcome } from './write-batch.ts';
import type { WriteRequest, WriterOptions } from './writer.ts';

export function openIngestWriter(
  warehouse: Warehouse,
  consumer: ConsumerKey,
  warn: (line: string) => void,
  attempts = 5,
): Promise<Writer<WriteRequest, BatchOutcome>> {
  return warehouse.openWriter<WriterOptions, WriteRequest, BatchOutcome>(
    {
      module: new URL('./writer.ts', import.meta.url),
      options: { consumer, depth: PIPELINE_DEPTH, attempts },
      connections: PIPELINE_DEPTH,
      // A lock wait that outlasts a minute (only conceivable between two ingest processes during a
      // rebalance) fails the attempt as a conflict, and the batch is retried the careful way.
      lockTimeoutMs: 60_000,
    },
    { transfer: (r) => preparedTransferList(r.batch), warn },
  );
}
