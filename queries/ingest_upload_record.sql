-- An upload's line in the store's history (the upload list, the Data page, `python -m dashboard uploads`):
-- the file by its masked name and hash, how it was read, what it did, and who loaded it when.
INSERT INTO uploads (upload_id, file_name, sha256, kind, format, date_order, rows_read, rows_loaded,
                     rows_duplicate, rows_rejected, warnings, loaded_by, loaded_at, is_sample, rows_set_aside,
                     rows_folded)
VALUES ($upload_id, $file_name, $sha256, $kind, $format, $date_order, $rows_read, $rows_loaded,
        $rows_duplicate, $rows_rejected, $warnings, $loaded_by, $loaded_at, $is_sample, $rows_set_aside,
        $rows_folded);
