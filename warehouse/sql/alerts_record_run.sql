-- Finish (or complete) a monitor run's row; the counts slot holds extra 'column = ?' assignments.
UPDATE meta.monitor_runs SET finished_at = ?, notes = ?{counts} WHERE run_id = ?
