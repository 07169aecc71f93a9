-- Revisions of meetings, for the calendar file's SEQUENCE (RFC 5545 3.8.7.4): a calendar
-- app that imported the file again takes a changed event only when its SEQUENCE grew.
-- meeting_series.revision grows with every change of the series row (an edit of scope
-- series, the series cancelled); meeting_occurrences.revision with every change of one
-- occurrence (moved, resized, renamed, cancelled). An override's SEQUENCE is the sum of
-- both, so it grows with either.
ALTER TABLE meeting_series ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meeting_occurrences ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
