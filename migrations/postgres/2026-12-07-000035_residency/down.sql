DROP TABLE residency_letter_codes;
DROP TABLE residency_verifications;
