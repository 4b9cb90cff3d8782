"""The hand-written analysis appended to docs/benchmarks.md: what the recorded run shows, and what remains.

Written from the figures of the recorded run above it, two more runs of the same commit, and CPU-clock
profiles of single cases; rewrite it whenever the run is recorded again.
"""

ANALYSIS = """## What this run shows, and what remains

The figures are from this run (2026-12-02 03:06 UTC, commit 0fd39cc), the first of three runs of the same
commit made one after another (03:06–03:28; load average 0.5–1.5 over the three). The other two are
compared below. Profile figures come from `cProfile` with a CPU clock (`time.thread_time`) inside each bot
process, one case at a time, 250 interactions. The profiler inflates small functions, so its figures show
where time goes, not how much.

**CPU per interaction: missed for 4 of 36 cases.** The median over the 36 cases is 1.07×, and 32 are
within 1.3×. The other two runs gave medians of 1.18× and 1.18×, with 8 and 9 cases over. Four cases are
over budget in all three runs:
- `/config trivia daily` (1.43×; 1.39–1.49× over the three runs; 1.69 ms against 1.18 ms here). It checks
  the channel's permissions, parses the time and the window and works out the next slot, then writes one
  transaction: the setting, its audit row, the settings version, and the server's daily job replaced.
  Measured alone (a script around the same functions): the parsing and the slot take about 60 µs, and the
  transaction 181 µs against 123 µs for a setting alone. The job's replacement used to walk every
  server's pending jobs (72 µs on a benchmark database, growing with the servers); it now reads only this
  server's, through `jobs_guild_kind` (76 VM steps with 100 or 6,100 other jobs).
- `/config show` (1.36×; 1.36–1.56×; 1.57 ms against 1.15 ms). A status page assembled from every feature:
  the history, the daily question's and the weekly prompt's next runs, the open rooms, the stages of the
  film. Each change line used to be parsed and worded afresh on every call; now each audit row is parsed
  once and each line worded once. In its profile the largest part left is the discussion section
  (settings, stages, rooms, prompt schedule: 138 ms of the bot's 1.6 s over 270 calls).
- `/watchparty poll` (1.35×; 1.35–1.49×; 3.68 ms against 2.73 ms). It parses the slots and the deadline,
  writes the poll with its slots and closing job in one transaction, posts the poll with its buttons,
  writes the message id, and sends the follow-up. In its profile (3.0 s of the bot's CPU over 270 polls)
  the poll's buttons take 198 ms, the time parser (`plan_poll`) 129 ms and the poll's transaction 127 ms.
- `/trivia start` + `/trivia stop` pairs (1.34×; 1.34–1.42×; 5.46 ms against 4.08 ms per interaction). The
  pair is now three units of work: the round with its first question, the question's message id, and the
  stop (the check, the end, the dropped close job, the reveal with scoring, the scoreboard). It used to be
  twelve hand-offs to the database thread. Measured alone, the opening transaction takes about 440 µs of
  SQLite, 127 µs of it the commit: the round, the question, the seen mark and the close job each touch a
  table and its indexes. In its profile the SQLite calls are the largest single item (114 ms of 3.6 s);
  the rest is spread over the four embeds the pair draws (question, closed question, reveal, scoreboard)
  and the spoiler policy behind them.

Over in the other runs but not in this one: the watch-party cancel confirmation (1.16×; 1.16–1.48×), the
ping button (1.06×; 1.06–1.52×), the trivia answer (1.07×; 1.07–1.41×), `/watchparty list` (1.07×;
1.07–1.39×), `/plot search` (1.27×; 1.04–1.38×) and `/progress set` (1.24×; 1.15–1.31×).

What changed since the last recorded run (2378ac0: median 1.21×, 11 over):
- Statements run on the event loop's thread, on a second SQLite connection that never waits (busy
  timeout 0). A hand-off to aiosqlite's worker thread and back cost the process 105–120 µs of CPU on this
  machine, against 16 µs for the indexed read itself. In a burst the worker thread alone spent 60 µs per
  read, and 700 µs for the round's opening transaction, SQL included. What would wait goes to the worker
  thread as before: a statement another process's write lock holds up, a write queued behind earlier work
  there, explicit transactions, migrations, integrity checks, and the WAL checkpoints with their fsync
  (one every 200 commits).
- Each trivia step is one transaction (above); the season is read inside the round's insert.
- A cancel keeps the cached poll, so the redraw after it reads nothing.
- User text is neutralised once per distinct text (`plain`, `code`); `fit_embed` only measures an embed
  that fits.
- Forms are routed by custom_id (`bot.components.RoutedModal`): discord.py no longer keeps each opened
  trivia form, with its timeout task, for ten minutes.

The vote's ratio (1.01×) doesn't compare like with like: while one redraw is in flight, the votes counted
meanwhile are acknowledged with a deferred update and one more redraw follows. In this run 1,736 of the
bot's 1,750 presses were answered that way (the shape ≠ column), while the bare bot redraws on every
press.

**The three runs don't agree within 10%.** The ratios of 28 of the 36 cases differ by more than 10% between
the runs; the worst is the ping button (1.06×, 1.30×, 1.52×). Within one run, the same case moves from
round to round: `/about`'s rounds here span 0.83–1.12×, `/sources`' 0.82–1.93×. The bare bot's own cost for
one-message replies ranges from 1.03 ms (`/config modrole`) to 1.34 ms (`/about`) in this run. The last
session measured one case 12 times in a row on one bot: 812–1,246 µs per interaction, with the
stand-in's CPU rising and falling with the bot's, so it is the machine. The four cases over in every run
held their place in all three.

**Trivia answers per second (missed).** 628 answers/s with 200 in flight, every click acknowledged and stored
exactly once (3,000 rows, 3,000 distinct members, no errors). The bare bot gave 683/s on the same machine
at that moment; the other runs gave 666/s and 540/s against the bare bot's 833/s and 701/s. In this run
the bot used 1.56 ms of CPU per click, the bare bot 1.35 ms. In a fresh stand-in, before any rounds, the
same burst gave the bot 815–1,069/s at 0.91–1.08 ms per click against the bare bot's 753–830/s (three
bursts). So the bot can answer 1,000/s on one core here, but not after the rounds. What makes a click
cost half as much again after the rounds is not measured yet. Its memory grows over them (56.4 MiB after
start, 82.0 MiB after the rounds, against the bare bot's 43.9 and 47.4), and a collection over a bigger
heap costs more; that is a suspect, not a finding.

**Start → ready with 2,500 servers (missed in this run).** Median 1.86 s, worst 2.16 s; the bare bot took
1.12–1.62 s. The other runs' worst were 1.90 s and 2.34 s, so three of the nine starts went over 2 s. With no
servers the bot is ready in 0.98 s against the bare bot's 0.56 s: importing discord.py's `ext.commands`
and the cogs, loading the film pack and opening the database.

**Memory (met).** VmRSS 67.8 MiB after a start with 2,500 servers (bare discord.py: 56.7 MiB). The bot runs
only the guilds intent with no member cache.

**Scheduler (met).** A tick with 10 due jobs costs the same with 1,000 or 50,000 servers stored (2.0–2.6 ms)
and grows with the number due (0.19–0.26 ms per job). Fan-out through a Discord-like global limit of 50
posts/s: all 250 posts landed once.
"""
