-- Single-use invitations of a probability sample, and the record of each draw.
--
-- An invitation keeps only what the response it leads to is stamped with (survey, stratum,
-- cluster, base weight), the SHA-256 of its link's token and whether it was opened: no unit id,
-- no time, no order (WITHOUT ROWID: rows are kept in token-hash order, which is random), so a
-- copy of this table cannot tell who was invited, nor match an opened invitation to a response.
-- The list of who got which link exists only in the CSV that `mizan sample draw` writes.
CREATE TABLE invitations (
    token_hash  BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    survey_id   TEXT NOT NULL,
    stratum     TEXT NOT NULL,
    -- '' when the draw had no clusters.
    cluster     TEXT NOT NULL DEFAULT '',
    base_weight REAL NOT NULL CHECK (base_weight >= 1.0),
    opened      INTEGER NOT NULL DEFAULT 0 CHECK (opened IN (0, 1))
) WITHOUT ROWID;

CREATE INDEX invitations_survey ON invitations (survey_id, stratum);

-- One row per draw: enough to redo it from the same frame (the seed) and to report it.
CREATE TABLE sample_draws (
    -- Random id (16 hex digits).
    id         TEXT PRIMARY KEY NOT NULL,
    survey_id  TEXT NOT NULL,
    -- The seed as decimal text (a u64 does not fit a signed 64-bit integer).
    seed       TEXT NOT NULL,
    allocation TEXT NOT NULL CHECK (allocation IN ('proportional', 'equal', 'given')),
    -- JSON: sample size, clusters per stratum, and per stratum its population and sample.
    report     TEXT NOT NULL CHECK (json_valid(report)),
    -- UTC day only.
    drawn_on   TEXT NOT NULL
) WITHOUT ROWID;
