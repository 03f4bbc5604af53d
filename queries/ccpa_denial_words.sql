-- The phrases that put a denial reason in a category of section 7102(a)(2) (data/words.toml, [denial_reason], as the
-- store holds them): for the CCPA report's evidence.
SELECT category, phrase
FROM denial_reason_words
ORDER BY CASE category WHEN 'identity_not_verified' THEN 1 WHEN 'not_a_consumer' THEN 2 WHEN 'exempt' THEN 3 ELSE 4 END,
         position;
