-- trivia_asked's UNIQUE (round_id, position) already indexes those columns in that order; the plain index
-- on them was a second copy that every question written had to update too.

DROP INDEX IF EXISTS trivia_asked_round;
