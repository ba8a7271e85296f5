-- Payloads as bytes: a message that is not valid UTF-8 (or holds NUL) must keep its exact bytes, in
-- the embedded log and as a dead letter, so nothing about a bad message is lost. Text stored before
-- this migration becomes its UTF-8 bytes (its U+FFFD replacements and \u0000 spellings stay as they were).
ALTER TABLE txpipe_log ALTER COLUMN payload TYPE bytea USING convert_to(payload, 'UTF8');

-- A dead letter keeps its payload's bytes whole, except a message over TXPIPE_MAX_MESSAGE_BYTES: then
-- `payload` holds its first KiB only. payload_size and payload_sha256 are always the whole message's,
-- so a truncated one is still identified (payload_size > octet_length(payload) tells it is truncated).
ALTER TABLE dead_letters ALTER COLUMN payload TYPE bytea USING convert_to(payload, 'UTF8');
ALTER TABLE dead_letters ADD COLUMN payload_size bigint;
ALTER TABLE dead_letters ADD COLUMN payload_sha256 bytea;
UPDATE dead_letters SET payload_size = octet_length(payload), payload_sha256 = sha256(payload);
ALTER TABLE dead_letters ALTER COLUMN payload_size SET NOT NULL;
ALTER TABLE dead_letters ALTER COLUMN payload_sha256 SET NOT NULL;
