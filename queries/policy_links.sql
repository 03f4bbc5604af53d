-- The published text of each uploaded policy version: policy_version, url (the `url` of the policies
-- view), for the catalogue's links. Only http(s) addresses: a link a user clicks must never run script.
-- A version known only from consent rows has no url.
SELECT policy_version, url
FROM policies
WHERE regexp_matches(url, '^https?://', 'i')
ORDER BY policy_version;
