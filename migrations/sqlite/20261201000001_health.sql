-- One row, rewritten by the server's health probe to prove that writes go through (a full
-- disk, a read-only file or a foreign lock make it fail). The day only, like every other date.
CREATE TABLE mizan_health (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    probed_on TEXT NOT NULL
);
