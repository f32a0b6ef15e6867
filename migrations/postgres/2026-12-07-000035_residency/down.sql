DROP TABLE residency_list_entries;
DROP TABLE residency_letter_codes;
DROP TABLE residency_verifications;
