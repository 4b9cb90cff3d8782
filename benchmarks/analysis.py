"""The hand-written analysis appended to docs/benchmarks.md: what the recorded run shows, and what remains.

Written from the figures of the recorded run above it, two more runs of the same code, the noise floor
(docs/benchmarks-noise.md), `python -m benchmarks.steadiness` and py-spy profiles taken with
`python -m benchmarks.profile`; rewrite it whenever the run is recorded again.
"""

ANALYSIS = """## What this run shows, and what remains

The figures are from this run (2026-12-02 15:48 UTC, commit 0ef143e), the last of three runs of the same
code, one after the other (15:30, 15:39 and 15:48). Profiles are py-spy samples of the bot process from
`python -m benchmarks.profile --cases <case> --bursts 6 --per-burst 250`, as shares of its busy samples.

**How the ratios are measured now.** This machine's speed drifts: the same fixed piece of pure-Python
work (`python -m benchmarks.steadiness`, just after these runs) took from 111 to 241 µs in 10 ms blocks
and from 183 to 213 µs in 1 s blocks, with a median of 202 µs; shortly before 15:00 the same work took
139 µs. Until this run the two bots took whole bursts in turn, so each ratio compared two different
seconds of the machine: at 9f7ef0e a round's bot / bare ratio varied with a coefficient of variation of
13% (the median over cases; up to 26%), against 9% (up to 14%) in this run. Now both bots run each burst
at once and hand their shared core over every 50 interactions, so both totals meet the same drift, and
only one bot works at any moment. The noise floor (docs/benchmarks-noise.md: the film bot against a copy
of itself, measured the same way) is 0.96–0.99×, its rounds 0.82–1.11×; with whole bursts in turn the
same command gave 0.96–1.06× at 9f7ef0e, its rounds 0.75–1.31×. In the new noise run the second copy came
out cheaper in all 8 cases, by 1–4%; the film bot takes the first copy's place here, so if that is the
place and not chance, the film bot's ratios are overstated by as much.

**The three runs agree within 10% for every case (met).** The largest difference between the three
runs' ratios is 9.6% (`/trivia stats`: 1.08×, 1.13×, 1.18×), and the mean over the 36 cases is 5.2%.
Taken the old way, as the ratio of the two medians over rounds, the same three runs differ by up to 26%.

**CPU per interaction: missed for 3 of 36 cases.** The median over the cases is 1.08× (1.09× and
1.09× in the other two runs), and 33 cases are within 1.3×. The same three are over in all three runs:

- `/watchparty poll` (1.34×; 1.33–1.37× over the runs; 3.85 ms against 2.88 ms). The poll's storing
  transaction is 6.9% of the bot's samples, the WAL checkpoint that follows every 200 commits on the
  database thread (copying pages back into the file, with its fsync) 4.2%, and the second write that
  stores the posted message's id 2.3%. The poll's id is in its buttons, so it is stored before it is
  posted and its message id can only be written after: one commit more than a poll needs. Checkpointing
  less often was tried in a loop of the same writes: every 1,000 commits instead of 200 saves 4 µs per
  commit and leaves a 16 MB WAL instead of 3.4 MB, so it stays at 200.
- `/config trivia daily` (1.36×; 1.32–1.36×; 1.70 ms against 1.25 ms). `Game.set_daily` is 19.3% of
  the samples: the transaction 8.1% (its `BEGIN IMMEDIATE` 2.1%, `COMMIT` 1.0%) and the next slot and
  its job 4.1%; the channel's permissions, the reply's local time and the parsing are about 2% each. The
  benchmark sets the value it already has, so nothing is written, yet the transaction takes the write
  lock first, because it reads the job and the value and must write both or neither. A deferred
  transaction, locking only at its first write, would skip that lock when nothing changes; in a loop it
  saves 3 µs (12.1 against 15.0 µs for a one-read transaction), and it changes how two processes'
  writes meet, so it was not done.
- The `/trivia start` + `stop` pairs (1.34×; 1.34–1.39×; 6.34 ms against 4.73 ms per interaction). A pair
  makes three commits (the round with its first question, the question's message id, the stop with its
  reveal) and builds four embeds; the two transactions are 3.1% and 2.6% of the samples. Parsing the
  question's stored snapshot was about 3% (three parses per question); it is now parsed once (0ef143e).

`/config show` is over in the other two runs (1.31× and 1.35×) and under here (1.27×; 1.52 ms against
1.20 ms). Its reads are the largest part of its own cost: running the SQL is 7.5% of its samples, the
history (changes and problems, one read each) 4.4% and the next prompt and daily question (a read of the
jobs each) 4.3%. Keeping the history in memory would need every writer of the change log to drop it after
its commit, including the steps that other stores run inside their own transactions (a stopped round, a
cancelled poll); that was not done.

**Trivia answers per second: missed, at 779/s** (806/s and 800/s in the other runs), every click
acknowledged and stored exactly once (3,000 rows, 3,000 members, no errors). The bare bot managed 789/s
(685/s and 795/s): the bot used 1.20 ms of CPU per click and the bare bot 1.11 ms. Earlier the same day,
at 95e2b0a, the bot answered 965/s (the bare bot 776/s, at 0.99 and 1.14 ms per click), and with orjson
installed 996/s (833/s, 0.94 and 1.10 ms). What decides 1,000/s is the speed of the machine at the time,
which fell by about a third between those runs and these (the steadiness figures above); the bot's cost
per click is within 10% of the bare bot's.

**Start → ready with 2,500 servers: missed, worst 2.03 s** (median 1.96 s; worst 2.05 s and 2.18 s in
the other runs), the bare bot 1.18 s median, 1.91 s worst. Without servers the bot is ready in 0.86 s and
the bare bot in 0.65 s, so 0.21 s of the 0.78 s between the medians is the bot's own start and the rest
comes with the servers, which both bots parse with the same discord.py code. The bot's own start is
mostly imports: `bot.__main__` takes 0.75 s under `python -X importtime`, of which discord.py and what it
imports are 0.59 s and the bot's own modules 0.17 s (its film packs' modules 118 ms, 63 ms of that the
fuzzy matcher rapidfuzz; the storage 42 ms), and the cogs load discord.py's commands extension (about
90 ms), which the bare `discord.Client` never loads. Where the rest comes from is not found: moving the
start-up heap out of the collector's reach before the guilds stream in made the start slower, not faster
(median 1.72–1.81 s against 1.41–1.71 s in alternating starts outside this run). The morning's runs of
the same start (2706862) were all under 2 s (worst 1.45–1.81 s).

**Memory (met).** VmRSS 68.2 MiB after a start with 2,500 servers (bare discord.py: 57.0 MiB); 69.5 MiB
after the rounds. The bot runs only the guilds intent with no member cache.

**Scheduler (met).** A tick with 10 due jobs costs the same with 1,000, 10,000 or 50,000 servers stored
(2.2–2.5 ms) and grows with the number due (15.8 ms for 100, 292.7 ms for 1,000). Fan-out through a
Discord-like global limit of 50 posts/s: all 250 posts landed once.

What changed since the last recorded run (2706862: median 1.09×, 3 over, ratios of medians):
- The measurement: bursts at once, turns of 50 interactions, 11 rounds, and the ratio of the totals.
- orjson is installed, and discord.py parses every gateway event and HTTP reply with it (a click's
  INTERACTION_CREATE, 3.9 KB, in 9 µs instead of 28). Both bots use it.
- A trivia question's snapshot is parsed once per asked question.

The vote's ratio (1.03×) doesn't compare like with like: while one redraw is in flight, the votes counted
meanwhile are acknowledged with a deferred update and one more redraw follows. In this run 2,695 of the
bot's 2,750 presses were answered that way (the shape ≠ column), while the bare bot redraws on every
press.
"""
