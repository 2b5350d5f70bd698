-- Responses and submission keys on SQLite.
--
-- Anonymity by construction: a response row holds no IP, user agent, session id, token or time
-- of day. Both tables are WITHOUT ROWID with a random primary key, so neither a rowid column nor
-- the B-tree order reveals the order in which people submitted.

CREATE TABLE responses (
    -- Random UUID v4 (text, hyphenated): never a sequence.
    id             TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    -- Content hash of the survey definition the person answered.
    survey_version TEXT NOT NULL,
    lang           TEXT NOT NULL CHECK (lang IN ('ar', 'en')),
    -- link, invitation, kiosk, interviewer
    channel        TEXT NOT NULL,
    source         TEXT,
    -- Declared sampling metadata, JSON object of strings.
    metadata       TEXT NOT NULL CHECK (json_valid(metadata)),
    -- UTC day only, YYYY-MM-DD.
    submitted_on   TEXT NOT NULL CHECK (submitted_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- Answers keyed by question id (grid answers by item id), JSON object.
    answers        TEXT NOT NULL CHECK (json_valid(answers)),
    -- Rows of one survey sit together (export and estimates read one survey at a time), and
    -- within a survey in random-id order.
    PRIMARY KEY (survey_id, id)
) WITHOUT ROWID;

-- One row per claimed submission key: SHA-256 of the key (never the key itself), and the day
-- it was claimed so that old claims can be purged. Deliberately no link to the response.
CREATE TABLE submission_keys (
    key_hash   BLOB PRIMARY KEY NOT NULL CHECK (length(key_hash) = 32),
    claimed_on TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX submission_keys_by_day ON submission_keys (claimed_on);
