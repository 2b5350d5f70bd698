-- Single-use invitations and sample draws (see the SQLite migration of the same name for the
-- reasons: no unit id, no time, no order kept with an invitation).
CREATE TABLE invitations (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    survey_id   text NOT NULL,
    stratum     text NOT NULL,
    cluster     text NOT NULL DEFAULT '',
    base_weight double precision NOT NULL CHECK (base_weight >= 1.0),
    opened      boolean NOT NULL DEFAULT false
);

CREATE INDEX invitations_survey ON invitations (survey_id, stratum);

CREATE TABLE sample_draws (
    id         text PRIMARY KEY,
    survey_id  text NOT NULL,
    seed       text NOT NULL,
    allocation text NOT NULL CHECK (allocation IN ('proportional', 'equal', 'given')),
    report     text NOT NULL,
    drawn_on   text NOT NULL
);
