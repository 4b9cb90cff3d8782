-- Trivia: seasons, rounds, every question asked (in a round or as the daily question),
-- answers (one per member per question, decided by the primary key), season standings and
-- the questions each server has seen in its current cycle.

CREATE TABLE trivia_seasons (
    guild_id   INTEGER NOT NULL,
    number     INTEGER NOT NULL,
    started_at REAL    NOT NULL,
    started_by INTEGER,
    PRIMARY KEY (guild_id, number)
);

CREATE TABLE trivia_rounds (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    starter_id INTEGER NOT NULL,
    film_key   TEXT    NOT NULL,
    mode       TEXT    NOT NULL CHECK (mode IN ('buttons', 'typed')),
    max_level  INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    timeout    REAL    NOT NULL,
    season     INTEGER NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'finished', 'stopped')),
    started_at REAL    NOT NULL,
    ended_at   REAL
);
-- One running round per channel: the insert decides.
CREATE UNIQUE INDEX trivia_rounds_one_running ON trivia_rounds (channel_id) WHERE state = 'running';

CREATE TABLE trivia_asked (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    round_id    INTEGER REFERENCES trivia_rounds (id),
    position    INTEGER,
    daily_slot  TEXT,
    question_id TEXT    NOT NULL,
    mode        TEXT    NOT NULL CHECK (mode IN ('buttons', 'typed')),
    payload     TEXT    NOT NULL,  -- JSON snapshot of the question as asked
    season      INTEGER NOT NULL,
    opened_at   REAL    NOT NULL,
    closes_at   REAL    NOT NULL,
    message_id  INTEGER,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'revealed')),
    UNIQUE (round_id, position),
    UNIQUE (guild_id, daily_slot)
);
CREATE INDEX trivia_asked_round ON trivia_asked (round_id, position);

CREATE TABLE trivia_answers (
    asked_id    INTEGER NOT NULL REFERENCES trivia_asked (id),
    user_id     INTEGER NOT NULL,
    answer      TEXT    NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at REAL    NOT NULL,
    points      INTEGER,  -- set when the question is revealed
    PRIMARY KEY (asked_id, user_id)
);

CREATE TABLE trivia_scores (
    guild_id    INTEGER NOT NULL,
    season      INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    points      INTEGER NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    answered    INTEGER NOT NULL DEFAULT 0,
    streak      INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, season, user_id)
);
CREATE INDEX trivia_scores_board ON trivia_scores (guild_id, season, points DESC);

CREATE TABLE trivia_seen (
    guild_id    INTEGER NOT NULL,
    film_key    TEXT    NOT NULL,
    cycle       INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    PRIMARY KEY (guild_id, film_key, cycle, question_id)
);
