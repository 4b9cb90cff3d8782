-- Discussion: one thread per stage of the server's film, the pinned index of those threads, the
-- members added to each, the prompts posted, and the club's ratings. Portable SQL (SQLite and
-- PostgreSQL): BIGINT snowflakes, DOUBLE PRECISION unix seconds, no SQLite-only syntax.

CREATE TABLE discussion_rooms (
    thread_id   BIGINT           PRIMARY KEY,
    guild_id    BIGINT           NOT NULL,
    channel_id  BIGINT           NOT NULL,  -- the discussion channel the thread hangs off
    film_key    TEXT             NOT NULL,
    stage       INTEGER          NOT NULL,  -- 1-based
    stages      INTEGER          NOT NULL,  -- how many stages the film was split into
    first_beat  INTEGER          NOT NULL,
    last_beat   INTEGER          NOT NULL,
    private     INTEGER          NOT NULL,  -- 1 for a private thread
    opened_at   DOUBLE PRECISION NOT NULL,
    archived_at DOUBLE PRECISION            -- set when the film changed; the thread is kept, locked
);
CREATE UNIQUE INDEX discussion_rooms_open ON discussion_rooms (guild_id, stage) WHERE archived_at IS NULL;

CREATE TABLE discussion_index (
    guild_id   BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    film_key   TEXT   NOT NULL
);

CREATE TABLE discussion_members (
    thread_id BIGINT           NOT NULL REFERENCES discussion_rooms (thread_id) ON DELETE CASCADE,
    user_id   BIGINT           NOT NULL,
    added_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);

CREATE TABLE discussion_prompts (
    guild_id   BIGINT           NOT NULL,
    film_key   TEXT             NOT NULL,
    cycle      INTEGER          NOT NULL,  -- a prompt repeats only in a later cycle, once all were used
    prompt_key TEXT             NOT NULL,
    slot       TEXT             NOT NULL,  -- the scheduled slot, or "now:<id>" for a moderator's request
    thread_id  BIGINT,
    posted_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, film_key, cycle, prompt_key)
);
CREATE UNIQUE INDEX discussion_prompts_slot ON discussion_prompts (guild_id, slot);

CREATE TABLE ratings (
    guild_id BIGINT           NOT NULL,
    film_key TEXT             NOT NULL,
    user_id  BIGINT           NOT NULL,
    halves   INTEGER          NOT NULL CHECK (halves BETWEEN 1 AND 10),  -- half stars: 1 is ½, 10 is 5
    review   TEXT,
    rated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, film_key, user_id)
);
