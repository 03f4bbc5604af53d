-- The first $shown rejected rows of every upload, in file order (as rejected_rows gives one upload's), and
-- how many each upload has in all: the upload history in one query, however many rows were rejected.
SELECT upload_id, line, column_name, value, reason,
       count(*) OVER (PARTITION BY upload_id) AS rejected_in_all
FROM rejected_rows
WHERE NOT set_aside
QUALIFY row_number() OVER (PARTITION BY upload_id ORDER BY line NULLS LAST, column_name) <= $shown
ORDER BY upload_id, line NULLS LAST, column_name;
