//! Why a write did not reach the store when trying again later can work:
//! the editor is shown the form again with the typed text and told which.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwritable {
    /// The disk (or the database server's disk) has no room left.
    DiskFull,
    /// Other writes held the store for longer than a writer waits.
    Busy,
    /// The database cannot be reached or read its own files.
    Unreachable,
}

impl Unwritable {
    /// The reason, when `error` (or an error it wraps) is one of these.
    pub fn of(error: &anyhow::Error) -> Option<Self> {
        error.chain().find_map(|cause| cause.downcast_ref::<sqlx::Error>()).and_then(Self::of_sqlx)
    }

    fn of_sqlx(error: &sqlx::Error) -> Option<Self> {
        match error {
            sqlx::Error::Database(e) => {
                let code = e.code()?;
                if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // Extended result codes carry the primary code in their low byte.
                    match code.parse::<i32>().ok()? & 0xff {
                        13 => Some(Self::DiskFull),
                        5 | 6 => Some(Self::Busy),
                        8 | 10 | 14 => Some(Self::Unreachable),
                        _ => None,
                    }
                } else {
                    // PostgreSQL's SQLSTATE classes: 53 insufficient resources,
                    // 40 transaction rollback, 55P03 lock not available,
                    // 08 connection, 57P admin shutdown, 58 system error.
                    match code.as_ref() {
                        "53100" => Some(Self::DiskFull),
                        "55P03" => Some(Self::Busy),
                        c if c.starts_with("40") => Some(Self::Busy),
                        c if c.starts_with("53") || c.starts_with("08") || c.starts_with("57P") || c.starts_with("58") => {
                            Some(Self::Unreachable)
                        }
                        _ => None,
                    }
                }
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => {
                Some(Self::Unreachable)
            }
            _ => None,
        }
    }

    /// What the editor reads above the form, which still holds the typed text.
    pub fn message(self) -> &'static str {
        match self {
            Self::DiskFull => "Nothing was saved: the server's disk is full. Ask the site's operator to make room, then save again.",
            Self::Busy => "Nothing was saved: the site was busy saving other changes. Save again in a moment.",
            Self::Unreachable => {
                "Nothing was saved: the server cannot reach its database just now. Save again in a moment; if it keeps happening, tell the site's operator."
            }
        }
    }
}
