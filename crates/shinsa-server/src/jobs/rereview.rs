//! Re-reviewing the cleared plans of a register after a list or pack
//! publication made a new screening of it current: queued by the store in
//! that screening's transaction ([`crate::jobs::run`] asks for it), done by
//! the plans service.

use crate::Shared;
use shinsa_store::Job;

/// The kind as the store keeps it.
pub const KIND: &str = "rereview-cleared-plans";

/// The job on `register_id` to queue with a screening that becomes current.
pub fn new(register_id: &str) -> shinsa_store::NewJob {
    shinsa_store::NewJob {
        kind: KIND.to_owned(),
        subject: register_id.to_owned(),
    }
}

/// Re-reviews the cleared plans drawn from the job's register.
pub async fn run(state: &Shared, job: &Job) -> Result<String, String> {
    let moved = crate::plans::rereview_cleared(state, &job.subject)
        .await
        .map_err(|error| error.to_string())?;
    Ok(format!("{moved} cleared plan(s) sent back for review"))
}
