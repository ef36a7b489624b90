-- Page addresses end in a slash (`/pardon/`), like the folders of the
-- static copy; the old addresses kept for moved items follow.
UPDATE redirects SET from_path = from_path || '/' WHERE from_path <> '/' AND from_path NOT LIKE '%/';
UPDATE redirects SET to_path = to_path || '/' WHERE to_path <> '/' AND to_path NOT LIKE '%/';
