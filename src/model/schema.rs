//! The database schema, identical on SQLite and PostgreSQL (see `migrations/`).

diesel::table! {
    actors (id) {
        id -> BigInt,
        kind -> Text,
        username -> Text,
        display_name -> Text,
        summary -> Text,
        icon_url -> Nullable<Text>,
        public_key_pem -> Text,
        private_key_pem -> Text,
        manually_approves_followers -> Bool,
        discoverable -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    communes (actor_id) {
        actor_id -> BigInt,
        is_default -> Bool,
    }
}

diesel::table! {
    accounts (actor_id) {
        actor_id -> BigInt,
        commune_id -> BigInt,
        role -> Text,
        password_hash -> Nullable<Text>,
    }
}

diesel::table! {
    mandates (id) {
        id -> BigInt,
        account_id -> BigInt,
        office -> Text,
        governing_body -> Text,
        since -> Date,
        until -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        token_sha256 -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(communes -> actors (actor_id));
diesel::joinable!(accounts -> actors (actor_id));
diesel::joinable!(mandates -> accounts (account_id));
diesel::joinable!(api_tokens -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(actors, communes, accounts, mandates, api_tokens);
