"""The hand-written analysis appended to docs/benchmarks.md: what the recorded run shows, and what remains.

Written from the figures of the recorded run above it, two more runs of the same code, and paired comparisons
made with `python -m benchmarks.noise --against`; rewrite it whenever the run is recorded again.
"""

ANALYSIS = """## What this run shows, and what remains

The figures are from this run (2026-12-04 04:51 UTC, commit 3f57a05), the last of three runs of the same
code, one after the other (04:42, 04:47 and 04:51). The machine is not the one of the earlier records (an
AMD EPYC here, an Intel Xeon then), so their milliseconds don't compare with these; their ratios do. Its
speed also moves from run to run: the bare bot's `/watchparty poll` took 0.97, 0.92 and 0.95 ms here, and
1.19 ms in the run recorded before this one (02:36 UTC).

**The three runs agree within 10% (met).** The largest difference between their ratios is 7.1% (`/film`:
1.03×, 1.06×, 0.99×), the mean over the 36 cases 3.0%; `/about`, the same code in both bots, is 0.99×,
1.01× and 0.97×. The noise floor (docs/benchmarks-noise.md, `python -m benchmarks.noise`, at cbaf0d1) puts
two identical bots 0.94× to 1.08× apart: a single ratio carries that much of the machine.

**CPU per interaction: missed for 1 of 36 cases in this run, and in each run one case is just over.** The
median over the cases is 1.07× (1.06× and 1.06× in the other runs). The two dearest cases take turns over
the line:

| case | 04:42 | 04:47 | 04:51 (this run) |
|---|---|---|---|
| `/trivia start` + `stop` pairs | 1.32× | 1.24× | 1.28× |
| `/watchparty poll` | 1.23× | 1.27× | 1.31× |

Every other case is at most 1.21× in all three runs. So the budget is met in one run of three and missed by
a point or two in the others: it is not met with the margin the machine's noise asks for.

**What moved since 900bd5d.** Measured in pairs: `python -m benchmarks.noise --against <checkout> --rounds
21 --cases …` runs this tree and another checkout side by side, exactly as the headline runs the film bot
and the bare bot, so two commits compare to within a point or two where separate runs differ by five. A
ratio over 1.00× means this tree costs less; two identical trees came out at 1.00× (poll) and 0.99×
(pairs).

- New SQLite databases use 1 KiB pages (198e016). A commit writes every page it changed, whole, and a
  round's start changes a leaf in each of about ten tables and indexes. Against 9851381: the pairs 1.03×,
  1.03×, 1.02×, 1.02× in four comparisons; the poll 0.99×, 0.99×, 1.00×, 1.02× (no change).
- Trivia rounds and questions are read by position from named columns (3f57a05). With the page size:
  the pairs 1.02× and 1.03×, the poll 1.02× and 1.00×.

**What the rest of the poll's cost is.** Measured the same way, each against 9851381 with one part of the
path removed or done once and reused, in scratch copies that were not kept: storing the poll (its row, its
slot and its closing job, one transaction) is 1.11× and 1.12×; reading the slots and the deadline, 1.08×
and 1.03×; building its buttons, 1.06×; its embed, 1.01×. Storing the poll is what makes it survive a
restart, and the bare bot builds the same buttons for every reply too. Group commit across polls made at
the same moment (as trivia answers are written) came out at 1.01× and 1.02×: with 10 in flight, polls
seldom reach the database together, so it was not kept.

**What the rest of the pairs' cost is.** Building the three trivia embeds (question, reveal, scoreboard)
once and reusing them: 1.01× and 1.03×. Keeping the question's message id in memory instead of writing it:
1.00× and 1.01×. A pair's cost is spread over many small parts, none of them large enough alone to bring it
under the line with the margin above.

**Tried and not kept.** Copying the WAL back every 100 commits instead of 1,000: the poll 0.92×, 0.96×,
0.96× (dearer: writes queue behind each checkpoint), the pairs 1.03×, 1.03×, 1.02×; every 10,000: 0.99×,
1.00× and 1.01×, 1.01×. The young-generation GC threshold at 2,000 instead of 25,000: 1.01× and 1.04×
(poll), 1.01× and 1.01× (pairs).

**Trivia answers per second: met, at 2,056/s** (2,754/s and 2,870/s in the other runs), every click
acknowledged and stored exactly once (3,000 rows, 3,000 members, no errors). The bare bot managed 2,325/s
(2,098/s and 2,317/s). The bot used 0.45 ms of CPU per click and the bare bot 0.36 ms (0.33 and 0.37; 0.32
and 0.36).

**Start → ready with 2,500 servers: met, worst 0.90 s** (median 0.78 s; worst 0.88 s and 0.78 s in the
other runs), the bare bot 0.71 s median, 0.77 s worst.

**Memory (met).** VmRSS 68.4 MiB after a start with 2,500 servers (bare discord.py: 57.0 MiB); 65.0 MiB
after the rounds, in the last pair's process. The bot runs only the guilds intent with no member cache.

**Scheduler (met).** A tick with 10 due jobs took 0.8 ms with 1,000 servers stored, 1.2 ms with 10,000 and
0.7 ms with 50,000, and grows with the number due (6.1 ms for 100, 76.2 ms for 1,000). Fan-out through a
Discord-like global limit of 50 posts/s: all 250 posts landed once.

The vote's ratio doesn't compare like with like: while one redraw is in flight, the votes counted
meanwhile are acknowledged with a deferred update and one more redraw follows: 2,691 of the bot's 2,750 presses
were answered that way in this run (the shape ≠ column), while the bare bot redraws on every press.
"""
