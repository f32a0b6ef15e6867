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
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    communes (actor_id) {
        actor_id -> BigInt,
        is_default -> Bool,
        debate_openers -> Text,
        proposal_threshold -> BigInt,
        citizen_polls -> Bool,
        residents_only -> Bool,
        area_south -> Nullable<Double>,
        area_west -> Nullable<Double>,
        area_north -> Nullable<Double>,
        area_east -> Nullable<Double>,
        area_geojson -> Nullable<Text>,
        timezone -> Text,
        language -> Text,
        insee_code -> Nullable<Text>,
    }
}

diesel::table! {
    meetings (id) {
        id -> BigInt,
        commune_id -> BigInt,
        title -> Text,
        description -> Text,
        category -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        address -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        online_url -> Nullable<Text>,
        capacity -> Nullable<BigInt>,
        registration_required -> Bool,
        status -> Text,
        sequence -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_agenda_items (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        position -> Integer,
        title -> Text,
        debate_id -> Nullable<BigInt>,
        poll_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    meeting_series (id) {
        id -> BigInt,
        commune_id -> BigInt,
        frequency -> Text,
        title -> Text,
        description -> Text,
        starts_local -> Timestamp,
        duration_minutes -> Integer,
        address -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        online_url -> Nullable<Text>,
        capacity -> Nullable<BigInt>,
        registration_required -> Bool,
        until_day -> Nullable<Date>,
        generated_through -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_occurrences (meeting_id) {
        meeting_id -> BigInt,
        series_id -> BigInt,
        local_day -> Date,
    }
}

diesel::table! {
    meeting_minutes (meeting_id) {
        meeting_id -> BigInt,
        text -> Text,
        pdf_file -> Nullable<Text>,
        pdf_bytes -> Nullable<BigInt>,
        published_by -> BigInt,
        published_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    remote_events (id) {
        id -> BigInt,
        ap_id -> Text,
        organiser_id -> BigInt,
        url -> Text,
        title -> Text,
        content_html -> Text,
        starts_at -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        timezone -> Nullable<Text>,
        address -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        online_url -> Nullable<Text>,
        capacity -> Nullable<BigInt>,
        status -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    remote_event_participations (id) {
        id -> BigInt,
        remote_event_id -> BigInt,
        account_id -> BigInt,
        state -> Text,
        created_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    meeting_participants (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        account_id -> Nullable<BigInt>,
        remote_actor_id -> Nullable<BigInt>,
        join_ap_id -> Nullable<Text>,
        state -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    problem_categories (id) {
        id -> BigInt,
        commune_id -> BigInt,
        name -> Text,
        archived -> Bool,
    }
}

diesel::table! {
    problems (id) {
        id -> BigInt,
        commune_id -> BigInt,
        author_id -> Nullable<BigInt>,
        category_id -> BigInt,
        description -> Text,
        address -> Text,
        latitude -> Double,
        longitude -> Double,
        name_private -> Bool,
        status -> Text,
        duplicate_of -> Nullable<BigInt>,
        supporters -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        via_client_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    open311_clients (id) {
        id -> BigInt,
        commune_id -> BigInt,
        name -> Text,
        key_sha256 -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    problem_supporters (id) {
        id -> BigInt,
        problem_id -> BigInt,
        account_id -> Nullable<BigInt>,
        remote_actor_id -> Nullable<BigInt>,
        like_ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    problem_photos (id) {
        id -> BigInt,
        problem_id -> BigInt,
        file -> Text,
        thumb -> Text,
        alt -> Text,
        width -> Integer,
        height -> Integer,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    remote_problems (id) {
        id -> BigInt,
        ap_id -> Text,
        commune_id -> BigInt,
        url -> Text,
        name -> Text,
        category -> Text,
        content_html -> Text,
        address -> Text,
        latitude -> Double,
        longitude -> Double,
        status -> Text,
        supporters -> BigInt,
        duplicate_of -> Nullable<Text>,
        published -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    remote_problem_photos (id) {
        id -> BigInt,
        remote_problem_id -> BigInt,
        source_url -> Text,
        file -> Text,
        thumb -> Text,
        alt -> Text,
        width -> Integer,
        height -> Integer,
    }
}

diesel::table! {
    problem_history (id) {
        id -> BigInt,
        problem_id -> BigInt,
        status -> Text,
        message -> Text,
        by_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        by_remote_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    problem_handovers (id) {
        id -> BigInt,
        problem_id -> Nullable<BigInt>,
        remote_problem_id -> Nullable<BigInt>,
        from_commune_id -> Nullable<BigInt>,
        from_remote_id -> Nullable<BigInt>,
        to_commune_id -> Nullable<BigInt>,
        to_remote_id -> Nullable<BigInt>,
        offer_ap_id -> Nullable<Text>,
        state -> Text,
        message -> Text,
        answer -> Text,
        offered_by -> Nullable<BigInt>,
        answered_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    accounts (actor_id) {
        actor_id -> BigInt,
        commune_id -> BigInt,
        role -> Text,
        password_hash -> Nullable<Text>,
        language -> Nullable<Text>,
        charter_version -> Nullable<BigInt>,
        resident -> Bool,
        suspended_until -> Nullable<Timestamp>,
        email -> Nullable<Text>,
        email_confirmed_at -> Nullable<Timestamp>,
        email_prompt_dismissed -> Bool,
        credentials_changed_at -> Nullable<Timestamp>,
        unsubscribe_token -> Nullable<Text>,
        last_digest_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        purpose -> Text,
        address -> Text,
        token_sha256 -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
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
    council_members (id) {
        id -> BigInt,
        commune_id -> BigInt,
        family_name -> Text,
        given_name -> Text,
        function -> Text,
        mandate_since -> Date,
        function_since -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        account_id -> Nullable<BigInt>,
        mandate_id -> Nullable<BigInt>,
        claim_code_hash -> Nullable<Text>,
        claim_code_expires -> Nullable<Timestamp>,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    commitments (id) {
        id -> BigInt,
        commune_id -> BigInt,
        official_id -> BigInt,
        title -> Text,
        description -> Text,
        status -> Text,
        progress -> Integer,
        due_on -> Nullable<Date>,
        proposal_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    commitment_milestones (id) {
        id -> BigInt,
        commitment_id -> BigInt,
        position -> Integer,
        title -> Text,
        due_on -> Nullable<Date>,
        done -> Bool,
    }
}

diesel::table! {
    commitment_followers (commitment_id, account_id) {
        commitment_id -> BigInt,
        account_id -> BigInt,
    }
}

diesel::table! {
    residency_verifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        method -> Text,
        verified_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        verified_by -> Nullable<BigInt>,
        source -> Text,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_identities (id) {
        id -> BigInt,
        account_id -> BigInt,
        issuer -> Text,
        subject -> Text,
        linked_at -> Timestamp,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    residency_list_entries (id) {
        id -> BigInt,
        commune_id -> BigInt,
        list_name -> Text,
        key_hash -> Text,
    }
}

diesel::table! {
    residency_letter_codes (id) {
        id -> BigInt,
        commune_id -> BigInt,
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_by -> Nullable<BigInt>,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    code_attempts (id) {
        id -> BigInt,
        account_id -> BigInt,
        purpose -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        token_sha256 -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        app_id -> Nullable<BigInt>,
        scopes -> Text,
    }
}

diesel::table! {
    oauth_apps (id) {
        id -> BigInt,
        client_id -> Text,
        client_secret_sha256 -> Text,
        name -> Text,
        website -> Nullable<Text>,
        redirect_uris -> Text,
        scopes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_codes (id) {
        id -> BigInt,
        code_sha256 -> Text,
        app_id -> BigInt,
        account_id -> BigInt,
        redirect_uri -> Text,
        scopes -> Text,
        code_challenge -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oauth_app_tokens (id) {
        id -> BigInt,
        app_id -> BigInt,
        token_sha256 -> Text,
        scopes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    remote_actors (id) {
        id -> BigInt,
        ap_id -> Text,
        kind -> Text,
        domain -> Text,
        username -> Text,
        display_name -> Text,
        inbox -> Text,
        shared_inbox -> Nullable<Text>,
        url -> Nullable<Text>,
        key_id -> Text,
        public_key_pem -> Text,
        manually_approves_followers -> Bool,
        fetched_at -> Timestamp,
        needs_refetch -> Bool,
    }
}

diesel::table! {
    delivered_servers (actor_id, inbox) {
        actor_id -> BigInt,
        inbox -> Text,
    }
}

diesel::table! {
    remote_keys (key_id) {
        key_id -> Text,
        remote_actor_id -> BigInt,
        public_key_multibase -> Text,
    }
}

diesel::table! {
    follows (id) {
        id -> BigInt,
        follower_id -> Nullable<BigInt>,
        follower_remote_id -> Nullable<BigInt>,
        target_id -> Nullable<BigInt>,
        target_remote_id -> Nullable<BigInt>,
        accepted -> Bool,
        follow_ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notes (id) {
        id -> BigInt,
        author_id -> Nullable<BigInt>,
        remote_author_id -> Nullable<BigInt>,
        ap_id -> Nullable<Text>,
        content -> Text,
        visibility -> Text,
        in_reply_to -> Nullable<Text>,
        published -> Timestamp,
        deleted -> Bool,
        reblog_of_id -> Nullable<BigInt>,
        edited_at -> Nullable<Timestamp>,
        civic_kind -> Nullable<Text>,
        civic_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    note_tags (note_id, name) {
        note_id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    media_attachments (id) {
        id -> BigInt,
        owner_id -> BigInt,
        note_id -> Nullable<BigInt>,
        position -> Integer,
        file -> Text,
        thumb -> Text,
        description -> Text,
        width -> Integer,
        height -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    note_remote_attachments (note_id, position) {
        note_id -> BigInt,
        position -> Integer,
        url -> Text,
        media_type -> Text,
        description -> Text,
    }
}

diesel::table! {
    note_revisions (id) {
        id -> BigInt,
        note_id -> BigInt,
        content -> Text,
        written_at -> Timestamp,
    }
}

diesel::table! {
    note_favourites (id) {
        id -> BigInt,
        note_id -> BigInt,
        author_id -> Nullable<BigInt>,
        remote_author_id -> Nullable<BigInt>,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    markers (account_id, timeline) {
        account_id -> BigInt,
        timeline -> Text,
        last_read_id -> BigInt,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> BigInt,
        account_id -> BigInt,
        note_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    received_activities (ap_id) {
        ap_id -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    mail_queue (id) {
        id -> BigInt,
        to_address -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        created_at -> Timestamp,
        not_before -> Timestamp,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        unsubscribe_url -> Nullable<Text>,
        newsletter_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    newsletter_issues (id) {
        id -> BigInt,
        commune_id -> BigInt,
        author_id -> BigInt,
        title -> Text,
        body -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        recipients -> BigInt,
    }
}

diesel::table! {
    newsletter_subscribers (id) {
        id -> BigInt,
        commune_id -> BigInt,
        account_id -> Nullable<BigInt>,
        email -> Nullable<Text>,
        language -> Text,
        token -> Text,
        created_at -> Timestamp,
        asked_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inbox_refusals (domain, reason) {
        domain -> Text,
        reason -> Text,
        count -> BigInt,
        last_message -> Text,
        last_at -> Timestamp,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> BigInt,
        kind -> Text,
        actor_id -> BigInt,
        subject_id -> BigInt,
        target_remote_id -> Nullable<BigInt>,
        payload -> Text,
        created_at -> Timestamp,
        expanded -> Bool,
        not_before -> Nullable<Timestamp>,
        outbound -> Nullable<Text>,
    }
}

diesel::table! {
    outgoing_activities (id) {
        id -> BigInt,
        ap_id -> Text,
        signer_id -> BigInt,
        body -> Text,
        public -> Bool,
        note_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        activity_id -> BigInt,
        inbox -> Text,
        domain -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        leased_by -> Nullable<Text>,
    }
}

diesel::table! {
    remote_hosts (domain) {
        domain -> Text,
        consecutive_failures -> Integer,
        failing_since -> Nullable<Timestamp>,
        unreachable -> Bool,
        delivered -> BigInt,
        last_success_at -> Nullable<Timestamp>,
        software -> Nullable<Text>,
    }
}

diesel::joinable!(communes -> actors (actor_id));
diesel::joinable!(meeting_participants -> meetings (meeting_id));
diesel::joinable!(meeting_minutes -> meetings (meeting_id));
diesel::joinable!(meeting_occurrences -> meetings (meeting_id));
diesel::joinable!(meeting_occurrences -> meeting_series (series_id));
diesel::joinable!(remote_event_participations -> remote_events (remote_event_id));
diesel::joinable!(remote_events -> remote_actors (organiser_id));
diesel::joinable!(deliveries -> outgoing_activities (activity_id));
diesel::joinable!(accounts -> actors (actor_id));
diesel::joinable!(mandates -> accounts (account_id));
diesel::joinable!(api_tokens -> accounts (account_id));
diesel::joinable!(api_tokens -> oauth_apps (app_id));
diesel::joinable!(oauth_app_tokens -> oauth_apps (app_id));
diesel::joinable!(oauth_codes -> oauth_apps (app_id));
diesel::joinable!(email_tokens -> accounts (account_id));
diesel::joinable!(mail_queue -> newsletter_issues (newsletter_id));
diesel::joinable!(problems -> problem_categories (category_id));
diesel::joinable!(problem_history -> problems (problem_id));
diesel::joinable!(problem_supporters -> problems (problem_id));
diesel::joinable!(problem_photos -> problems (problem_id));
diesel::joinable!(remote_problem_photos -> remote_problems (remote_problem_id));
diesel::joinable!(remote_problems -> remote_actors (commune_id));

diesel::allow_tables_to_appear_in_same_query!(
    actors,
    email_preferences,
    email_tokens,
    mail_queue,
    newsletter_issues,
    newsletter_subscribers,
    problem_categories,
    problems,
    problem_supporters,
    problem_photos,
    remote_problems,
    remote_problem_photos,
    problem_handovers,
    open311_clients,
    meetings,
    meeting_participants,
    meeting_agenda_items,
    meeting_minutes,
    council_members,
    code_attempts,
    residency_verifications,
    residency_letter_codes,
    residency_list_entries,
    account_identities,
    oauth_apps,
    oauth_codes,
    oauth_app_tokens,
    commitments,
    commitment_milestones,
    commitment_followers,
    meeting_series,
    meeting_occurrences,
    remote_events,
    remote_event_participations,
    problem_history,
    delivered_servers,
    communes,
    accounts,
    mandates,
    api_tokens,
    remote_actors,
    remote_keys,
    follows,
    notes,
    received_activities,
    inbox_refusals,
    outbox_events,
    outgoing_activities,
    deliveries,
    remote_hosts,
    sessions,
    site_settings,
    charters,
    invites,
    debates,
    comments,
    comment_revisions,
    comment_likes,
    themes,
    debate_themes,
    proposals,
    proposal_supports,
    proposal_history,
    proposal_followers,
    notifications,
    questionnaires,
    polls,
    poll_options,
    poll_voters,
    poll_votes,
    poll_texts,
    questionnaire_responses,
    reports,
    moderation_actions,
    warnings,
    federation_rules,
    remote_blocks,
    note_favourites,
    bookmarks,
    markers,
    note_revisions,
    note_tags,
    media_attachments,
    note_remote_attachments,
);

diesel::table! {
    remote_blocks (id) {
        id -> BigInt,
        actor_ap_id -> Text,
        commune_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        data -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    site_settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    charters (version) {
        version -> BigInt,
        body -> Text,
        author_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invites (code) {
        code -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_by -> Nullable<BigInt>,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    debates (id) {
        id -> BigInt,
        commune_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        title -> Text,
        question -> Text,
        body_markdown -> Text,
        body_html -> Text,
        status -> Text,
        closes_at -> Nullable<Timestamp>,
        pinned -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        ap_id -> Nullable<Text>,
        remote_commune_id -> Nullable<BigInt>,
        remote_author_id -> Nullable<BigInt>,
        opens_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        debate_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        remote_author_id -> Nullable<BigInt>,
        ap_id -> Nullable<Text>,
        content_html -> Text,
        stance -> Nullable<Text>,
        deleted -> Bool,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        hidden_at -> Nullable<Timestamp>,
        hidden_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    comment_revisions (id) {
        id -> BigInt,
        comment_id -> BigInt,
        content_html -> Text,
        stance -> Nullable<Text>,
        written_at -> Timestamp,
    }
}

diesel::table! {
    comment_likes (id) {
        id -> BigInt,
        comment_id -> BigInt,
        author_id -> Nullable<BigInt>,
        remote_author_id -> Nullable<BigInt>,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    themes (id) {
        id -> BigInt,
        commune_id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    debate_themes (debate_id, theme_id) {
        debate_id -> BigInt,
        theme_id -> BigInt,
    }
}

diesel::table! {
    proposals (debate_id) {
        debate_id -> BigInt,
        status -> Text,
        theme_id -> Nullable<BigInt>,
        remote_theme -> Nullable<Text>,
        place -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        supports_residents -> BigInt,
        supports_local -> BigInt,
        supports_remote -> BigInt,
        threshold -> BigInt,
    }
}

diesel::table! {
    proposal_supports (id) {
        id -> BigInt,
        debate_id -> BigInt,
        author_id -> Nullable<BigInt>,
        remote_author_id -> Nullable<BigInt>,
        ap_id -> Nullable<Text>,
        category -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposal_history (id) {
        id -> BigInt,
        debate_id -> BigInt,
        status -> Text,
        answer_html -> Nullable<Text>,
        answered_by -> Nullable<BigInt>,
        answerer_name -> Text,
        answerer_mandate -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    proposal_followers (id) {
        id -> BigInt,
        debate_id -> BigInt,
        account_id -> Nullable<BigInt>,
        remote_actor_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        debate_id -> Nullable<BigInt>,
        kind -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        link -> Nullable<Text>,
        by_name -> Nullable<Text>,
        mail_state -> Nullable<Text>,
        note_id -> Nullable<BigInt>,
        by_actor_id -> Nullable<BigInt>,
        by_remote_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    email_preferences (account_id, topic) {
        account_id -> BigInt,
        topic -> Text,
        mode -> Text,
    }
}

diesel::table! {
    questionnaires (id) {
        id -> BigInt,
        commune_id -> BigInt,
        author_id -> Nullable<BigInt>,
        title -> Text,
        intro_html -> Text,
        closes_at -> Timestamp,
        responses -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    polls (id) {
        id -> BigInt,
        commune_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        ap_id -> Nullable<Text>,
        remote_author_id -> Nullable<BigInt>,
        questionnaire_id -> Nullable<BigInt>,
        kind -> Text,
        question -> Text,
        eligibility -> Text,
        live_results -> Bool,
        federated -> Bool,
        voters -> BigInt,
        other_voters -> BigInt,
        closes_at -> Timestamp,
        closed -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    poll_options (id) {
        id -> BigInt,
        poll_id -> BigInt,
        position -> Integer,
        name -> Text,
        votes -> BigInt,
        other_votes -> BigInt,
    }
}

diesel::table! {
    poll_voters (id) {
        id -> BigInt,
        poll_id -> BigInt,
        account_id -> Nullable<BigInt>,
        remote_actor_id -> Nullable<BigInt>,
        remote_ap_id -> Nullable<Text>,
        official -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    poll_votes (id) {
        id -> BigInt,
        voter_id -> BigInt,
        option_id -> BigInt,
        ap_id -> Nullable<Text>,
    }
}

diesel::table! {
    poll_texts (id) {
        id -> BigInt,
        poll_id -> BigInt,
        body -> Text,
    }
}

diesel::table! {
    questionnaire_responses (id) {
        id -> BigInt,
        questionnaire_id -> BigInt,
        account_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        commune_id -> BigInt,
        reporter_id -> Nullable<BigInt>,
        remote_reporter_id -> Nullable<BigInt>,
        ap_id -> Nullable<Text>,
        comment_id -> Nullable<BigInt>,
        debate_id -> Nullable<BigInt>,
        account_id -> Nullable<BigInt>,
        reason -> Text,
        comment -> Text,
        status -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        note_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    moderation_actions (id) {
        id -> BigInt,
        commune_id -> BigInt,
        moderator_id -> Nullable<BigInt>,
        moderator_name -> Text,
        action -> Text,
        report_id -> Nullable<BigInt>,
        target -> Text,
        reason -> Text,
        note -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    warnings (id) {
        id -> BigInt,
        account_id -> BigInt,
        action_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    federation_rules (domain) {
        domain -> Text,
        rule -> Text,
        partner -> Bool,
        created_at -> Timestamp,
    }
}

diesel::joinable!(warnings -> moderation_actions (action_id));
diesel::joinable!(comments -> debates (debate_id));
diesel::joinable!(comment_revisions -> comments (comment_id));
diesel::joinable!(comment_likes -> comments (comment_id));
diesel::joinable!(debate_themes -> debates (debate_id));
diesel::joinable!(debate_themes -> themes (theme_id));
diesel::joinable!(proposals -> debates (debate_id));
diesel::joinable!(proposals -> themes (theme_id));
diesel::joinable!(notifications -> debates (debate_id));
diesel::joinable!(proposal_supports -> proposals (debate_id));
diesel::joinable!(proposal_history -> proposals (debate_id));
diesel::joinable!(proposal_followers -> proposals (debate_id));
diesel::joinable!(poll_options -> polls (poll_id));
diesel::joinable!(poll_voters -> polls (poll_id));
diesel::joinable!(poll_votes -> poll_voters (voter_id));
diesel::joinable!(poll_votes -> poll_options (option_id));
diesel::joinable!(poll_texts -> polls (poll_id));
diesel::joinable!(polls -> questionnaires (questionnaire_id));
