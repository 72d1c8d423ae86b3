//! What the suite used that must never show in a log, a search attribute or a memo: contacts,
//! gateway card ids and access tokens, appended to `MTBP_SUITE_SECRETS` (set by `./mtbp test`)
//! as `kind<TAB>value` lines. The `suite-audit` binary greps everything the suite left for them.

use std::io::Write;
use std::sync::Mutex;

static FILE: Mutex<()> = Mutex::new(());

/// Records `value` (a contact, a card id, a token) as used by the suite.
pub fn used(kind: &str, value: &str) {
    let Ok(path) = std::env::var("MTBP_SUITE_SECRETS") else {
        return;
    };
    if value.trim().is_empty() {
        return;
    }
    let _guard = FILE.lock();
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{kind}\t{}", value.replace(['\t', '\n'], " "));
    }
}
