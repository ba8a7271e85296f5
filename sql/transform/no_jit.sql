-- For the rest of this transaction: no JIT compilation (a no-op where PostgreSQL has none, as in PGlite).
SET LOCAL jit = off
