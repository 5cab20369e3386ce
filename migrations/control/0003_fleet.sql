-- A company whose database is being moved to another server serves nothing until the move
-- finishes or is rolled back: `moving_to` names the destination server while it runs.
ALTER TABLE placements ADD COLUMN moving_to TEXT;
