-- Responses and submission keys on PostgreSQL.
--
-- Anonymity: a response row holds no IP, user agent, session id, token or time of day; the id
-- is a random UUID v4, never a sequence. What PostgreSQL cannot promise: the heap stores rows
-- roughly in insertion order and the system columns ctid and xmin (transaction id) reflect it,
-- as does the write-ahead log until it is recycled. Mizan never reads or exports them and
-- always orders by the random id; see docs/postgres.md for what an operator can do about it.

CREATE TABLE responses (
    id             uuid PRIMARY KEY,
    survey_id      text NOT NULL,
    survey_version text NOT NULL,
    lang           text NOT NULL CHECK (lang IN ('ar', 'en')),
    channel        text NOT NULL,
    source         text,
    metadata       jsonb NOT NULL,
    -- UTC day only.
    submitted_on   date NOT NULL,
    answers        jsonb NOT NULL
);

CREATE INDEX responses_by_survey ON responses (survey_id, id);

-- SHA-256 of the submission key and the day it was claimed; no link to the response.
CREATE TABLE submission_keys (
    key_hash   bytea PRIMARY KEY CHECK (length(key_hash) = 32),
    claimed_on date NOT NULL
);

CREATE INDEX submission_keys_by_day ON submission_keys (claimed_on);
