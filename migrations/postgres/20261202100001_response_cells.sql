-- The compact typed form of each response that estimates read (src/db/cells.rs), written in
-- the same transaction as the response; the layout of each survey version's cells; and the
-- per-survey counters that say when the stored data changed.
--
-- Anonymity: cells are keyed as responses (survey id, random id) and hold less than the
-- response (no typed text); `mizan scrub` rewrites them with the responses. The counters are
-- counts, not an order.

CREATE TABLE response_cells (
    survey_id text NOT NULL,
    -- The response's random id.
    id        uuid NOT NULL,
    cells     bytea NOT NULL,
    PRIMARY KEY (survey_id, id)
);

CREATE TABLE cell_layouts (
    survey_id      text NOT NULL,
    survey_version text NOT NULL,
    layout         jsonb NOT NULL,
    PRIMARY KEY (survey_id, survey_version)
);

-- A survey's count is spread over up to 16 shards chosen at random per submit, so that
-- concurrent submits do not queue for one row lock.
CREATE TABLE survey_counts (
    survey_id text NOT NULL,
    shard     smallint NOT NULL,
    responses bigint NOT NULL,
    cells     bigint NOT NULL,
    PRIMARY KEY (survey_id, shard)
);

INSERT INTO survey_counts (survey_id, shard, responses, cells)
SELECT survey_id, 0, COUNT(*), 0 FROM responses GROUP BY survey_id;
