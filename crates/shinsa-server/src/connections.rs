//! Accepting connections without letting slow or many clients hold the
//! server: a request's headers must arrive within `header_timeout_seconds`
//! and its body within `body_timeout_seconds` (in all, not between bytes:
//! a client dripping one byte every few seconds is cut off too), and one
//! address holds at most `connections_per_address` connections at once
//! (the next is closed as it is accepted). So a few hundred connections
//! that send their headers slowly are gone after the header timeout, and
//! `/health` answers meanwhile.

use crate::Shared;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::collections::HashMap;
use std::future::Future as _;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tower::ServiceExt as _;

/// Connections held open, by client address.
#[derive(Debug, Default)]
struct Open(Mutex<HashMap<IpAddr, usize>>);

impl Open {
    /// Counts a new connection of `address`; `false` when it already holds
    /// `limit`.
    fn admit(&self, address: IpAddr, limit: usize) -> bool {
        let Ok(mut open) = self.0.lock() else {
            return false;
        };
        let held = open.entry(address).or_insert(0);
        if *held >= limit {
            return false;
        }
        *held += 1;
        true
    }

    fn close(&self, address: IpAddr) {
        if let Ok(mut open) = self.0.lock()
            && let Some(held) = open.get_mut(&address)
        {
            *held = held.saturating_sub(1);
            if *held == 0 {
                open.remove(&address);
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// connections in flight finish their requests.
pub async fn serve(
    state: &Shared,
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(state.config.header_timeout_seconds));
    let builder = Arc::new(builder);
    let open = Arc::new(Open::default());
    let limit = state.config.connections_per_address;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if !open.admit(peer.ip(), limit) {
            tracing::warn!(address = %peer.ip(), limit, "connection refused: too many from one address");
            drop(stream);
            continue;
        }
        let service = router
            .clone()
            .layer(axum::Extension(ConnectInfo(peer)))
            .map_request(|request: hyper::Request<hyper::body::Incoming>| request.map(Body::new));
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let connection = graceful.watch(connection.into_owned());
        let open = open.clone();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
            open.close(peer.ip());
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("connections still open after 30 s; stopping anyway");
        }
    }
    Ok(())
}

/// Gives every request body a deadline: the whole body must have arrived
/// `body_timeout_seconds` after the request began, or reading it fails
/// (the handler answers as for a body cut off).
pub async fn body_deadline(
    axum::extract::State(state): axum::extract::State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let timeout = Duration::from_secs(state.config.body_timeout_seconds);
    let request = request.map(|body| {
        Body::new(DeadlineBody {
            inner: body,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        })
    });
    next.run(request).await
}

/// A body that fails once its deadline has passed.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

/// The error of a body not sent in time.
#[derive(Debug)]
struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive within body_timeout_seconds")
    }
}

impl std::error::Error for TooSlow {}

impl http_body::Body for DeadlineBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if this.deadline.as_mut().poll(context).is_ready() {
            return Poll::Ready(Some(Err(Box::new(TooSlow))));
        }
        Pin::new(&mut this.inner)
            .poll_frame(context)
            .map(|frame| frame.map(|frame| frame.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_connections() {
        let open = Open::default();
        let address: IpAddr = [192, 0, 2, 7].into();
        assert!(open.admit(address, 2));
        assert!(open.admit(address, 2));
        assert!(!open.admit(address, 2), "a third is refused");
        assert!(
            open.admit([192, 0, 2, 8].into(), 2),
            "another address is not"
        );
        open.close(address);
        assert!(open.admit(address, 2), "room again once one closed");
    }
}
