-- The purpose catalogue (data/purposes.csv): key, label and legal basis, in the policy's order.
SELECT purpose, label, basis
FROM purposes
ORDER BY rowid;
