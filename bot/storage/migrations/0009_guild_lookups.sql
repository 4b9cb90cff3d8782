-- A server's own pending jobs of a kind without reading every server's: when the daily question or the
-- weekly prompt runs next (/config show). Without it the lookup walks every pending job in due order, a
-- number that grows with the servers the bot is in.

CREATE INDEX jobs_guild_kind ON jobs (guild_id, kind, state, due_at);
