//! The site's time zone (an IANA name in Settings, e.g. `Europe/Berlin`):
//! every time editors read or type is in it, while the store keeps UTC. The
//! zone database is built into the binary, so a server without
//! `/usr/share/zoneinfo` shows the same times.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

tokio::task_local! {
    /// The zone of the admin request being answered; the gate sets it.
    static REQUEST_ZONE: Zone;
}

#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Default for Zone {
    fn default() -> Self {
        Zone { name: "UTC".into(), tz: TimeZone::UTC }
    }
}

impl Zone {
    /// A zone by its IANA name; a message for the Settings form otherwise.
    pub fn parse(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(Zone::default());
        }
        let tz = TimeZone::get(name).map_err(|_| {
            format!("“{name}” is not a time zone this site knows. Choose one from the list, e.g. Europe/Berlin or America/New_York.")
        })?;
        // The database's own spelling, so `europe/berlin` is stored as `Europe/Berlin`.
        let name = tz.iana_name().unwrap_or(name).to_owned();
        Ok(Zone { name, tz })
    }

    /// The zone of the site's settings; UTC when it names none (or one
    /// that a newer database would know, until the binary knows it too).
    pub fn of(settings: &super::settings::SiteSettings) -> Zone {
        Zone::parse(&settings.time_zone).unwrap_or_default()
    }

    /// The zone the settings in `store` name (UTC before there are any).
    pub async fn of_site(store: &crate::store::Store) -> anyhow::Result<Zone> {
        Ok(super::settings::load(store).await?.map(|s| Zone::of(&s)).unwrap_or_default())
    }

    /// The zone the admin's gate set for this request, else UTC: what the
    /// admin's time fields and lists use, without handing it through every form.
    pub fn current() -> Zone {
        REQUEST_ZONE.try_with(Clone::clone).unwrap_or_default()
    }

    /// Runs `work` with this zone as [`Zone::current`].
    pub async fn scope<F: std::future::Future>(self, work: F) -> F::Output {
        REQUEST_ZONE.scope(self, work).await
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every zone the built-in database knows, for the Settings form.
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_owned()).collect();
        names.sort();
        names
    }

    fn offset_at(&self, at: OffsetDateTime) -> (UtcOffset, String) {
        let Ok(ts) = Timestamp::from_second(at.unix_timestamp()) else { return (UtcOffset::UTC, "UTC".into()) };
        let info = self.tz.to_offset_info(ts);
        let offset = UtcOffset::from_whole_seconds(info.offset().seconds()).unwrap_or(UtcOffset::UTC);
        (offset, info.abbreviation().to_owned())
    }

    /// `at` on the site's clock, with the zone's short name then (`CET`, `CEST`).
    pub fn local(&self, at: OffsetDateTime) -> (OffsetDateTime, String) {
        let (offset, abbreviation) = self.offset_at(at);
        (at.to_offset(offset), abbreviation)
    }

    /// A time typed on the site's clock as an instant. A time the clocks
    /// skip (spring forward) counts as the one just after the gap; a time
    /// they pass twice (fall back), as the first.
    pub fn instant(&self, typed: PrimitiveDateTime) -> Option<OffsetDateTime> {
        let civil = jiff::civil::DateTime::new(
            i16::try_from(typed.year()).ok()?,
            typed.month() as i8,
            typed.day() as i8,
            typed.hour() as i8,
            typed.minute() as i8,
            typed.second() as i8,
            0,
        )
        .ok()?;
        let ts = self.tz.to_ambiguous_timestamp(civil).compatible().ok()?;
        OffsetDateTime::from_unix_timestamp(ts.as_second()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn berlin_is_an_hour_ahead_in_winter_and_two_in_summer() {
        let berlin = Zone::parse("europe/berlin").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        let (winter, short) = berlin.local(datetime!(2026-12-03 07:40 UTC));
        assert_eq!((winter.hour(), winter.offset(), short.as_str()), (8, offset!(+1), "CET"));
        let (summer, short) = berlin.local(datetime!(2026-07-01 07:40 UTC));
        assert_eq!((summer.hour(), short.as_str()), (9, "CEST"));
        assert_eq!(berlin.instant(datetime!(2026-12-03 08:40)), Some(datetime!(2026-12-03 07:40 UTC)));
        // 02:30 on the last Sunday of March does not exist in Berlin; 02:30 on the last of October twice.
        assert_eq!(berlin.instant(datetime!(2026-03-29 02:30)), Some(datetime!(2026-03-29 01:30 UTC)));
        assert_eq!(berlin.instant(datetime!(2026-10-25 02:30)), Some(datetime!(2026-10-25 00:30 UTC)));
    }

    #[test]
    fn no_zone_is_utc_and_an_unknown_one_is_refused() {
        assert_eq!(Zone::parse("").unwrap().name(), "UTC");
        assert!(Zone::parse("Mars/Olympus").unwrap_err().contains("not a time zone"));
        assert!(Zone::names().iter().any(|n| n == "America/New_York"));
    }
}
