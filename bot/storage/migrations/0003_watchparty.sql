-- Watch parties: polls over candidate times, one row per (poll, slot, voter), and the voters who asked
-- to be mentioned when the party is set. Times are unix seconds (UTC).

CREATE TABLE wp_polls (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    message_id       INTEGER,
    creator_id       INTEGER NOT NULL,
    title            TEXT    NOT NULL,
    voice_channel_id INTEGER,
    place            TEXT,
    closes_at        REAL    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'tied', 'scheduled', 'closed', 'cancelled')),
    winner_slot      INTEGER,
    tie_due_at       REAL,
    event_id         INTEGER,
    announced        TEXT,  -- the state last announced in the channel
    created_at       REAL    NOT NULL,
    closed_at        REAL
);
CREATE INDEX wp_polls_guild_state ON wp_polls (guild_id, state);

CREATE TABLE wp_slots (
    poll_id   INTEGER NOT NULL REFERENCES wp_polls (id) ON DELETE CASCADE,
    slot      INTEGER NOT NULL,
    starts_at REAL    NOT NULL,
    label     TEXT    NOT NULL,  -- what the member typed
    PRIMARY KEY (poll_id, slot)
);

CREATE TABLE wp_votes (
    poll_id  INTEGER NOT NULL,
    slot     INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    voted_at REAL    NOT NULL,
    PRIMARY KEY (poll_id, slot, user_id),
    FOREIGN KEY (poll_id, slot) REFERENCES wp_slots (poll_id, slot) ON DELETE CASCADE
);

CREATE TABLE wp_pings (
    poll_id INTEGER NOT NULL REFERENCES wp_polls (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);
