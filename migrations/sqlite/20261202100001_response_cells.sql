-- The compact typed form of each response that estimates read (src/db/cells.rs), written in
-- the same transaction as the response; the layout of each survey version's cells; and the
-- per-survey counters that say when the stored data changed.
--
-- Anonymity: cells are keyed exactly as responses (survey id, random id; WITHOUT ROWID, so
-- no rowid follows the order of arrival) and hold less than the response (no typed text).
-- The counters are counts, not an order: nothing in them says which response came when.

CREATE TABLE response_cells (
    survey_id TEXT NOT NULL,
    -- The response's random id.
    id        TEXT NOT NULL,
    cells     BLOB NOT NULL,
    PRIMARY KEY (survey_id, id)
) WITHOUT ROWID;

CREATE TABLE cell_layouts (
    survey_id      TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    -- JSON: the answer keys in order with their codes, and the keys left out.
    layout         TEXT NOT NULL CHECK (json_valid(layout)),
    PRIMARY KEY (survey_id, survey_version)
) WITHOUT ROWID;

-- Responses and cells stored per survey. PostgreSQL spreads a survey's count over a few
-- shards (chosen at random) so that concurrent submits do not queue for one row; SQLite has
-- one writer and uses shard 0.
CREATE TABLE survey_counts (
    survey_id TEXT NOT NULL,
    shard     INTEGER NOT NULL,
    responses INTEGER NOT NULL,
    cells     INTEGER NOT NULL,
    PRIMARY KEY (survey_id, shard)
) WITHOUT ROWID;

-- Responses stored before this migration: counted now, their cells filled in by the backfill
-- when the server (or `mizan estimate`/`export`) first loads their survey.
INSERT INTO survey_counts (survey_id, shard, responses, cells)
SELECT survey_id, 0, COUNT(*), 0 FROM responses GROUP BY survey_id;
