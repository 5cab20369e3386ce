-- Placeholder on the audit-checkpoints branch only: number 0008 belongs to main's control
-- migration (work queue and audit event ids). Drop this file when merging into main.
SELECT 1;
