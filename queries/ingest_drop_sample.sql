-- The bundled sample's rows and history, removed inside the first real upload's transaction so that sample and
-- real figures never mix: every table an upload writes to, the uploads last. Gives the number of sample uploads
-- removed (none: nothing changed).
DELETE FROM consent WHERE upload_id IN (SELECT upload_id FROM uploads WHERE is_sample);
DELETE FROM request_versions WHERE upload_id IN (SELECT upload_id FROM uploads WHERE is_sample);
DELETE FROM policy_versions_uploaded WHERE upload_id IN (SELECT upload_id FROM uploads WHERE is_sample);
DELETE FROM rejected_rows WHERE upload_id IN (SELECT upload_id FROM uploads WHERE is_sample);
DELETE FROM consent_holders WHERE upload_id IN (SELECT upload_id FROM uploads WHERE is_sample);
DELETE FROM request_holders WHERE upload_id IN (SELECT upload_id FROM uploads WHERE is_sample);
DELETE FROM policy_holders WHERE upload_id IN (SELECT upload_id FROM uploads WHERE is_sample);
DELETE FROM uploads WHERE is_sample;
