-- A poll's slots, votes and pings are found only by their primary keys, so each table is stored as its
-- primary key's own b-tree (WITHOUT ROWID): a row written updates one b-tree instead of the table and a
-- copy of its key. Each table is rebuilt under its old name. The old tables are renamed first: a renamed
-- parent takes its children's foreign keys with it, so no ON DELETE CASCADE reaches the new rows when the
-- old tables are dropped, children first.

ALTER TABLE wp_votes RENAME TO wp_votes_old;
ALTER TABLE wp_pings RENAME TO wp_pings_old;
ALTER TABLE wp_slots RENAME TO wp_slots_old;

CREATE TABLE wp_slots (
    poll_id   INTEGER NOT NULL REFERENCES wp_polls (id) ON DELETE CASCADE,
    slot      INTEGER NOT NULL,
    starts_at REAL    NOT NULL,
    label     TEXT    NOT NULL,  -- what the member typed
    PRIMARY KEY (poll_id, slot)
) WITHOUT ROWID;
INSERT INTO wp_slots (poll_id, slot, starts_at, label) SELECT poll_id, slot, starts_at, label FROM wp_slots_old;

CREATE TABLE wp_votes (
    poll_id  INTEGER NOT NULL,
    slot     INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    voted_at REAL    NOT NULL,
    PRIMARY KEY (poll_id, slot, user_id),
    FOREIGN KEY (poll_id, slot) REFERENCES wp_slots (poll_id, slot) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO wp_votes (poll_id, slot, user_id, voted_at)
    SELECT poll_id, slot, user_id, voted_at FROM wp_votes_old;

CREATE TABLE wp_pings (
    poll_id INTEGER NOT NULL REFERENCES wp_polls (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (poll_id, user_id)
) WITHOUT ROWID;
INSERT INTO wp_pings (poll_id, user_id) SELECT poll_id, user_id FROM wp_pings_old;

DROP TABLE wp_votes_old;
DROP TABLE wp_pings_old;
DROP TABLE wp_slots_old;
