-- Who uploaded a file to the library: authors may upload only so many an hour.
ALTER TABLE assets ADD COLUMN uploaded_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
