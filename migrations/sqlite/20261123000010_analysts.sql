-- Analyst accounts for the results pages. Only an Argon2id hash (PHC string) of the password
-- is stored. No link to responses: analysts read estimates, never who answered.
CREATE TABLE analysts (
    name          TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL
) WITHOUT ROWID;
