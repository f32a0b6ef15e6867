-- Identities at an OpenID Connect provider (FranceConnect, a town's single sign-on) linked to accounts: the
-- provider's issuer and its subject identifier, nothing else of what it said. One identity opens one account
-- and verifies one account's residency (a person cannot make several accounts residents with one identity);
-- an account has at most one identity per provider.
CREATE TABLE account_identities (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    linked_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    UNIQUE (issuer, subject),
    UNIQUE (account_id, issuer)
);
