-- What became of an alert's last webhook notification. The error text is already masked.
-- $1 rule, $2 key, $3 event (fired | resolved), $4 state (sending | delivered | failed), $5 attempts, $6 error
UPDATE alerts
SET webhook_event = $3, webhook_state = $4, webhook_attempts = $5, webhook_error = $6
WHERE rule = $1 AND key = $2
