"""The hand-written analysis appended to docs/benchmarks.md: what the recorded run shows, and what remains.

Written from the figures of the recorded run above it, two more runs of the same code and py-spy profiles
taken with `python -m benchmarks.profile`; rewrite it whenever the run is recorded again.
"""

ANALYSIS = """## What this run shows, and what remains

The figures are from this run (2026-12-04 02:36 UTC, commit 900bd5d), the last of three runs of the same
code, one after the other (02:27, 02:31 and 02:36). The machine is not the one of the earlier records (an
AMD EPYC here, an Intel Xeon then), so their milliseconds don't compare with these; their ratios do.
Profiles are py-spy samples of the bot process from
`python -m benchmarks.profile --cases <case> --bursts 6 --per-burst 250`, as shares of its busy samples:
the trivia pairs' at 2e1b2b9 and, for comparison, at c2f9e50; the poll's at 900bd5d. At 900bd5d neither
profiled path does other work than at the commit its profile was taken at.

**Fresh processes, and the three runs agree within 10% (met).** Each bot now gets a new process every two
rounds (six pairs of processes in a run, each warmed up by an uncounted round). With one pair for a whole
run, the pair's own offset moved every case of the run: in ten runs made that way on this machine, `/about`, where
both bots run the same code, came out at 0.96× to 1.07×, and in each of two series of
three such runs of one commit, the runs differed by up to 12.6% on a case. Here the largest difference between the three runs' ratios is 9.2%
(`/config modrole`: 1.04×, 0.98×, 1.07×) and the mean over the 36 cases 3.1%; `/about` is 1.00×, 0.98× and
1.00×.

The noise floor, measured the same way with the film bot against a second copy of itself
(docs/benchmarks-noise.md, `python -m benchmarks.noise`, at cbaf0d1), puts identical bots 0.94× to 1.08×
apart, the trivia pairs at 0.98×: a single ratio carries that much of the machine, and three runs
agreeing is what makes one trustworthy.

**CPU per interaction: missed for 2 of 36 cases.** The median over the cases is 1.08× (1.08× in the other
two runs too), and 34 cases are within 1.3×. Over in this run:

- The `/trivia start` + `stop` pairs (1.32×; 1.31× and 1.32× in the other runs; 2.00 ms against 1.52 ms
  per interaction). This is steady over the runs and over the budget. A pair makes three commits (the
  round with its first question and its close job; the question's message id; the stop with its reveal
  and scoreboard). In the profile at 2e1b2b9 the round's transaction is 7.0% of the samples
  (`TriviaStore.open_round (bot/storage/trivia.py:147)`), the stop's 5.5%
  (`TriviaStore.stop_round (bot/storage/trivia.py:213)`) and the message id's write 0.7%
  (`TriviaStore.set_message`). Most of that is SQLite itself: its COMMIT 2.4%
  (`_atomic (bot/storage/__init__.py:479)`), BEGIN IMMEDIATE 1.4% (line 476), the two INSERT … RETURNING
  2.0% (`Atomic.fetchone (bot/storage/__init__.py:462)`). The project's own code was 25.5% of the samples,
  against 29.3% at c2f9e50, where COMMIT was 5.8%; what moved is the checkpoint (below), one reader for a
  stopped question's close and reveal, the bot's permissions read from the interaction, and the picked
  question kept parsed. Each write is what keeps a round restart-safe: the round must be stored before the
  reply (its unique index is what refuses a second round in the channel), its close job is its deadline,
  and the message id is what lets a close after a restart take the buttons off. Posting the question
  under an id reserved in advance, as a poll is posted, would fold the message id into the round's
  transaction; that is the 0.7% at most, not the 2 points over, so it was not done.
- `/watchparty poll` (1.31×; 1.25× and 1.29× in the other runs; 1.56 ms against 1.19 ms). Storing the
  poll, its slots and its closing job is one transaction, 8.3% of the samples
  (`WatchPartyStore.create (bot/storage/watchparty.py:223)`), its COMMIT 4.0%
  (`_atomic (bot/storage/__init__.py:479)`). Building the poll's buttons is about 5%
  (`RoutedButton.__init__ (bot/components.py:58)` 2.8%, of which discord.py's own `Button.__init__` is the
  part the bare bot pays as well; `poll_view (cogs/watchparty/_views.py:200)` 2.2%), and reading the slots
  1.7% (`plan_poll (cogs/watchparty/_plan.py:42)`).

**The WAL now starts again under steady writes.** The checkpoint that copies the WAL back into the file
ran on the worker thread while the loop's thread went on committing, so it never caught up with the
log's end and SQLite never restarted the log: it grew with every commit, and every commit and read cost
more as it grew. The checkpoint now goes to the worker as a write, so the loop's writes queue behind it
until it is done (`tests/core/test_storage_caches.py::test_the_wal_starts_again_while_writes_keep_coming`
fails without it). The pairs profile above shows what it did for COMMIT.

**Trivia answers per second: met, at 1,567/s** (2,323/s and 1,763/s in the other runs), every click
acknowledged and stored exactly once (3,000 rows, 3,000 members, no errors). The bare bot managed 1,905/s
(1,868/s and 1,854/s). The bot used 0.51 ms of CPU per click and the bare bot 0.41 ms (0.40 and 0.45;
0.54 and 0.42).

**Start → ready with 2,500 servers: met, worst 1.15 s** (median 0.96 s; worst 0.80 s and 1.09 s in the
other runs), the bare bot 0.97 s median, 1.03 s worst.

**Memory (met).** VmRSS 68.4 MiB after a start with 2,500 servers (bare discord.py: 57.0 MiB); 65.1 MiB
after the rounds, in the last pair's process. The bot runs only the guilds intent with no member cache.

**Scheduler (met).** A tick with 10 due jobs took 1.0 ms with 1,000 servers stored, 2.0 ms with 10,000 and
1.4 ms with 50,000, and grows with the number due (10.6 ms for 100, 104.7 ms for 1,000). Fan-out through a
Discord-like global limit of 50 posts/s: all 250 posts landed once.

The vote's ratio doesn't compare like with like: while one redraw is in flight, the votes counted
meanwhile are acknowledged with a deferred update and one more redraw follows: 2,691 of the bot's 2,750 presses
were answered that way in this run (the shape ≠ column), while the bare bot redraws on every press.
"""
