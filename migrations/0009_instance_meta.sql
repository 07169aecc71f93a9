-- Facts about this Cercle instance itself, one row each.
-- 'secret_verifier': HMAC-SHA256(anonymity secret, a fixed label), so that a start with
-- another secret is refused (it would let every member answer a second time). The secret
-- itself is never stored here (docs/anonymity.md, "The secret").
CREATE TABLE instance_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
