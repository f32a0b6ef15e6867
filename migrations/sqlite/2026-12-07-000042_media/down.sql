DROP TABLE note_remote_attachments;
DROP TABLE media_attachments;
