-- Staff accounts with roles, kiosks, and interviewers' areas (see the SQLite migration of the
-- same name for the reasons).
ALTER TABLE analysts RENAME TO staff;
ALTER TABLE staff ADD COLUMN role text NOT NULL DEFAULT 'analyst'
    CHECK (role IN ('admin', 'designer', 'analyst', 'interviewer'));
ALTER TABLE staff ADD COLUMN disabled boolean NOT NULL DEFAULT false;

CREATE TABLE kiosks (
    id              text PRIMARY KEY,
    surveys         text NOT NULL,
    site_ar         text NOT NULL,
    site_en         text NOT NULL,
    stratum         text NOT NULL,
    cluster         text NOT NULL DEFAULT '',
    idle_seconds    integer NOT NULL CHECK (idle_seconds BETWEEN 60 AND 3600),
    enrol_code_hash bytea UNIQUE CHECK (enrol_code_hash IS NULL OR length(enrol_code_hash) = 32),
    cookie_hash     bytea UNIQUE CHECK (cookie_hash IS NULL OR length(cookie_hash) = 32),
    revoked         boolean NOT NULL DEFAULT false,
    registered_on   text NOT NULL
);

CREATE TABLE interviewer_areas (
    id         text PRIMARY KEY,
    staff_name text NOT NULL REFERENCES staff (name) ON UPDATE CASCADE ON DELETE CASCADE,
    stratum    text NOT NULL,
    cluster    text NOT NULL DEFAULT '',
    UNIQUE (staff_name, stratum, cluster)
);

CREATE TABLE mizan_secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);
