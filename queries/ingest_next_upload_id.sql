-- The id of the upload being stored: the next of the store's sequence, never one an earlier upload had.
SELECT nextval('upload_ids') AS upload_id;
