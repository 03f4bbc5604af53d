-- The upload history, newest first; an undone upload stays, with who removed it and when.
SELECT upload_id, file_name, kind, format, rows_read, rows_loaded, rows_duplicate, rows_rejected, rows_set_aside, rows_folded,
       warnings, loaded_by, loaded_at, is_sample, sha256, removed_by, removed_at
FROM uploads
ORDER BY upload_id DESC;
