-- Core tables: per-server configuration, its audit trail, problems shown to moderators,
-- members' viewing progress, scheduled jobs and bot metadata.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE guild_config (
    guild_id INTEGER NOT NULL,
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,  -- JSON
    PRIMARY KEY (guild_id, key)
);

CREATE TABLE config_audit (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    key       TEXT    NOT NULL,
    old_value TEXT,
    new_value TEXT,
    at        REAL    NOT NULL
);
CREATE INDEX config_audit_guild ON config_audit (guild_id, id);

CREATE TABLE spoiler_channels (
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);

CREATE TABLE problems (
    id       INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    feature  TEXT    NOT NULL,
    message  TEXT    NOT NULL,
    at       REAL    NOT NULL
);
CREATE INDEX problems_guild ON problems (guild_id, id);

CREATE TABLE progress (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    film_key   TEXT    NOT NULL,
    beat       INTEGER NOT NULL,
    updated_at REAL    NOT NULL,
    PRIMARY KEY (guild_id, user_id, film_key)
);

CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    guild_id   INTEGER,
    due_at     REAL    NOT NULL,
    payload    TEXT    NOT NULL DEFAULT '{}',
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    done_at    REAL,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs (state, due_at);
