-- Staff accounts with roles, kiosks, and interviewers' areas.
--
-- Analyst accounts become staff accounts with a role; existing ones keep working as analysts.
-- Nothing here links to a response: a response row holds at most the kiosk's site, stratum and
-- cluster, or an interviewer's pseudonymous code for the wave (see src/web/channel.rs).
ALTER TABLE analysts RENAME TO staff;
ALTER TABLE staff ADD COLUMN role TEXT NOT NULL DEFAULT 'analyst'
    CHECK (role IN ('admin', 'designer', 'analyst', 'interviewer'));
ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));

-- A screen in a service hall. Its enrolment code and its browser's cookie are kept only as
-- SHA-256 hashes: a copy of this table enrols no browser.
CREATE TABLE kiosks (
    -- Random id (16 hex digits), shown to admins.
    id              TEXT PRIMARY KEY NOT NULL,
    -- JSON array of the survey ids it runs.
    surveys         TEXT NOT NULL CHECK (json_valid(surveys)),
    site_ar         TEXT NOT NULL,
    site_en         TEXT NOT NULL,
    stratum         TEXT NOT NULL,
    -- '' when the kiosk has no cluster.
    cluster         TEXT NOT NULL DEFAULT '',
    idle_seconds    INTEGER NOT NULL CHECK (idle_seconds BETWEEN 60 AND 3600),
    -- Until the code is used; then NULL (it works once).
    enrol_code_hash BLOB UNIQUE CHECK (enrol_code_hash IS NULL OR length(enrol_code_hash) = 32),
    -- The enrolled browser's cookie; NULL before enrolment.
    cookie_hash     BLOB UNIQUE CHECK (cookie_hash IS NULL OR length(cookie_hash) = 32),
    revoked         INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    -- UTC day only.
    registered_on   TEXT NOT NULL
) WITHOUT ROWID;

-- Which areas (stratum, cluster) an interviewer works in.
CREATE TABLE interviewer_areas (
    -- Random id (16 hex digits), used in the interviewer's URLs.
    id         TEXT PRIMARY KEY NOT NULL,
    staff_name TEXT NOT NULL REFERENCES staff (name) ON UPDATE CASCADE ON DELETE CASCADE,
    stratum    TEXT NOT NULL,
    -- '' for the whole stratum.
    cluster    TEXT NOT NULL DEFAULT '',
    UNIQUE (staff_name, stratum, cluster)
) WITHOUT ROWID;

-- Server secrets made once (the key of interviewers' pseudonymous codes).
CREATE TABLE mizan_secrets (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) WITHOUT ROWID;
