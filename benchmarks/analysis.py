"""The hand-written analysis appended to docs/benchmarks.md: what the recorded run shows, and what remains.

Written from the figures of the recorded run above it, two more runs of the same code, paired comparisons
made with `python -m benchmarks.noise --against`, and statement timings from `python -m benchmarks.profile
--sql`; rewrite it whenever the run is recorded again.
"""

ANALYSIS = """## What this run shows, and what remains

The figures are from this run (2026-12-04 20:54 UTC, commit 723345a), the last of three runs of the same
code, one after the other (20:45, 20:50 and 20:54); the last was to be recorded whatever it showed. The
machine's speed moves from run to run: the bare bot's `/watchparty poll` took 1.08, 1.01 and 0.86 ms in
them.

**The three runs agree within 10% (met).** The largest difference between their ratios is 8.4%
(`/sources`: 1.03×, 1.01×, 0.95×), the mean over the 36 cases 3.8%; `/about`, the same code in both bots,
is 0.97×, 1.03× and 0.96×. The noise floor (docs/benchmarks-noise.md, `python -m benchmarks.noise`) puts
two identical bots 0.94× to 1.08× apart: a single ratio carries that much of the machine.

**CPU per interaction: missed.** The median over the cases is 1.07× (1.07× and 1.08× in the other runs).
Two cases sit on the line, and each is over it in one run of the three:

| case | 20:45 | 20:50 | 20:54 (this run) |
|---|---|---|---|
| `/trivia start` + `stop` pairs | 1.27× | 1.30× | 1.32× (over) |
| `/watchparty poll` | 1.27× | 1.31× (over) | 1.30× |

Every other case is at most 1.20× in all three runs (`/config show`, `/cast name:raynor`, `/plot
search:gaines`, the cancel confirmation). The earlier runs at cf61d37 gave the same picture (pairs 1.33×,
1.32×, 1.30×; poll 1.28×, 1.30×, 1.30×): the two cases are about 1.30× on average, and the machine moves a
run's figure by two or three points either way.

**What moved since cf61d37.** Measured in pairs against d987c11 (`python -m benchmarks.noise --against
<checkout> --rounds 81 --cases "(pairs)" "/watchparty poll"`, where two identical trees come out at 1.00×
and 0.99×, and over 1.00× means this tree costs less): the pairs 1.02×, the poll 0.99×. Two commits: every
read and write one coroutine deep to `Database._unit` and embeds measured in one pass (b92ad5c); a stop as
one `UPDATE ... RETURNING`, and a round's first rows built from the values written instead of read back and
parsed (723345a). The first alone came out at 1.00× and 1.00× (61 rounds).

**Where a pair's cost goes.** A pair costs the bot 2 × 1.49 ms and the bare bot 2 × 1.13 ms in this run:
0.72 ms more per pair. A scratch copy (not kept) read the thread's CPU clock at each step of `/trivia start`
and `/trivia stop`, skipping the time inside discord.py's calls, over 1,000 pairs; per pair:

| step | µs |
|---|---|
| the round's transaction (BEGIN, 5 statements, COMMIT) | about 320 |
| the stop's transaction (BEGIN, 7 statements, COMMIT) | about 310 |
| the question's buttons (`question_view`) | 94 |
| the message id, its own transaction | 62 |
| the closed question, its reader and embed | 49 |
| the reveal embed | 37 |
| the question's embed and reader | 48 |
| checks, film, bank and settings before the round's transaction | 50 |
| the scoreboard embed | 21 |

These add up to about 1.0 ms, more than the 0.72 ms difference: the bare bot builds the same buttons for
its copy of the question, each reading of the clock costs a microsecond or two, and the copy ran in a
slower spell of the machine. `python -m benchmarks.profile --sql --cases "(pairs)" --bursts 4` puts the SQL itself at 162 µs of CPU per
interaction: `COMMIT` 47 µs a call (two per pair), the message id's `UPDATE` 41 µs, `BEGIN IMMEDIATE`
18 µs (two), `INSERT INTO trivia_rounds` 31 µs, the stop's `UPDATE ... RETURNING` 29 µs, `INSERT INTO
trivia_asked` 19 µs. A commit writes every page the transaction changed to the WAL, in two system calls a
page: counted with a script on the store API, starting a round writes 10.5 pages, the message id 1, the
stop 7.2. The rest is the project's Python between discord.py's calls, none of it large: with every trivia
embed served from a cache (in a scratch copy), the pairs came out at 0.98×, so rendering is about 2% of a
pair.

What would remove the rest is a dozen changes of one or two points each, not one change: the message id
written with the round (the question posted first, under a reserved id, as a poll is; it saves one of the
three transactions), fewer pages per commit (the close job's four b-trees, a seen table without rowids,
a partial index for daily slots) and fewer steps between discord.py's calls.

**What the poll's remaining cost is.** A poll costs the bot 1.12 ms and the bare bot 0.86 ms in this run.
The same scratch clock, per poll: storing it (one transaction of three inserts) about 170 µs, its buttons
70 µs, reading the slots and the deadline 47 µs, its embed 31 µs, the note 25 µs. Measured in pairs
against 9851381, in scratch copies that were not kept: storing the poll is 1.11× and 1.12×; reading the
slots and the deadline, 1.08× and 1.03×; building its buttons, 1.06×; its embed, 1.01×. Storing the poll is
what makes it survive a restart, and the bare bot builds the same buttons for every reply too.

**Tried and not kept.** Copying the WAL back every 100 commits instead of 1,000: the poll 0.92×, 0.96×,
0.96× (dearer: writes queue behind each checkpoint), the pairs 1.03×, 1.03×, 1.02×; every 10,000: 0.99×,
1.00× and 1.01×, 1.01×. The young-generation GC threshold at 2,000 instead of 25,000: 1.01× and 1.04×
(poll), 1.01× and 1.01× (pairs). Group commit across polls made at the same moment: 1.01× and 1.02×.

**A note on the baseline.** The bare bot's channel posts carry the nonce discord.py makes when none is
given (`secrets.randbits`, a system call per post); the film bot's carry its own (`tq<id>`, `wp<id>`),
which it uses to spot a post repeated after a restart. py-spy puts that call at about 2% of the bare bot's
pairs.

**Trivia answers per second: met, at 2,298/s** (1,867/s and 2,457/s in the other runs), every click
acknowledged and stored exactly once (3,000 rows, 3,000 members, no errors). The bare bot managed 2,079/s
(1,738/s and 2,107/s). The bot used 0.38 ms of CPU per click and the bare bot 0.41 ms.

**Start → ready with 2,500 servers: met, worst 0.90 s** (median 0.82 s; worst 1.14 s and 0.82 s in the
other runs), the bare bot 0.67 s median, 0.74 s worst.

**Memory (met).** VmRSS 68.4 MiB after a start with 2,500 servers (bare discord.py: 57.0 MiB); 65.1 MiB
after the rounds, in the last pair's process. The bot runs only the guilds intent with no member cache.

**Scheduler (met).** A tick with 10 due jobs took 0.7 ms with 1,000 servers stored, 0.6 ms with 10,000 and
0.6 ms with 50,000, and grows with the number due (5.7 ms for 100, 76.3 ms for 1,000). Fan-out through a
Discord-like global limit of 50 posts/s: all 250 posts landed once.

The vote's ratio doesn't compare like with like: while one redraw is in flight, the votes counted
meanwhile are acknowledged with a deferred update and one more redraw follows: 2,691 of the bot's 2,750 presses
were answered that way in this run (the shape ≠ column), while the bare bot redraws on every press.
"""
