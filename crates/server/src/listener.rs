//! The accept loop: HTTP/1.1 connections with a header-read timeout (a client
//! that trickles its headers, or idles between requests, is closed), the
//! peer's address on every request, and a graceful shutdown.
//!
//! `axum::serve` has no header timeout, hence this loop. HTTP/1.1 only: TLS
//! and HTTP/2 belong to the reverse proxy in front (docs/operations.md), and
//! hyper's version sniffing would wait for a stalled preface without a limit.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::limits::Limits;

/// Serves `app` on `listener` until `shutdown` completes, then lets requests
/// in flight finish (at most `request_timeout` more).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout())
        .max_buf_size(64 * 1024);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let app = app.clone();
            async move {
                let req = req.map(axum::body::Body::new);
                Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|e| match e {}))
            }
        });
        let conn = http.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                // Closed by the header timeout, reset by the client, …
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    let drain = limits.request_timeout() + Duration::from_secs(1);
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running at shutdown were cut off");
    }
    Ok(())
}

/// Out of file descriptors and the like: wait instead of spinning.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
