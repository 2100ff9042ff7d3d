-- The occasion of a greeting: a code of the GREETING_OCCASION group (egov-codes).
ALTER TABLE greetings ADD COLUMN occasion TEXT;
