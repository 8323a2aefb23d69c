//! The bodies the server's routes read from a client — the sign-in form,
//! upload metadata, a plan step, a webhook, the users page's form, a token
//! request — parsed and checked as the routes do
//! (`shinsa_server::fuzzing::body`): whatever the bytes, an answer, never a
//! panic. The first byte picks the route.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shinsa_server::fuzzing::body(data);
});
