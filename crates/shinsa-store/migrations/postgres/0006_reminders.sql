-- Reminders already sent, so that each is sent once: a plan's clock
-- (`review` or `response`) at a number of days left.
CREATE TABLE reminders (
    subject TEXT NOT NULL,
    clock TEXT NOT NULL,
    days_left BIGINT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (subject, clock, days_left)
);
