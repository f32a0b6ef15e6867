-- The minutes of a meeting, attached after it by its commune's officials or staff: Markdown text and an
-- uploaded PDF (stored under media/minutes, checked to be a PDF), either or both. Publishing them again
-- corrects them.
CREATE TABLE meeting_minutes (
    meeting_id BIGINT PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    pdf_file TEXT,
    pdf_bytes BIGINT,
    published_by BIGINT NOT NULL REFERENCES actors (id),
    published_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
