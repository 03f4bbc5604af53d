-- How many rows each noted alternative of a profile filled (temp view `mapped_all`, whose `notes` says per note,
-- in the profile's order, whether it filled the row), rows set aside left out: one warning per note that did.
SELECT note, count(*) AS rows
FROM (SELECT generate_subscripts(notes, 1) AS note, unnest(notes) AS filled FROM mapped_all WHERE set_aside IS NULL)
WHERE filled
GROUP BY note;
