-- Places taken in each quota cell: a count per (survey, quota, cell), raised in the same
-- transaction as the response that takes the place, only while it is below the cell's limit
-- (the limit lives in the survey file). Concurrent submits into one cell queue on its row, so
-- of N people completing into the last place exactly one takes it.
CREATE TABLE quota_fills (
    survey_id TEXT NOT NULL,
    quota_id  TEXT NOT NULL,
    cell      TEXT NOT NULL,
    filled    BIGINT NOT NULL DEFAULT 0 CHECK (filled >= 0),
    PRIMARY KEY (survey_id, quota_id, cell)
);
