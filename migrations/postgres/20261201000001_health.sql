-- One row, rewritten by the server's health probe to prove that writes go through (a full
-- disk or a read-only server make it fail). The day only, like every other date.
CREATE TABLE mizan_health (
    id        integer PRIMARY KEY CHECK (id = 1),
    probed_on date NOT NULL
);
