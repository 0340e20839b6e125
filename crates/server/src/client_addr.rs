//! The client's address, for throttling and the log: the peer of the TCP
//! connection, or behind a trusted reverse proxy the last `X-Forwarded-For`
//! entry (the one that proxy added; earlier ones are the client's to forge).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::AppState;
use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    pub fn of(parts: &Parts, trust_forwarded_for: bool) -> Option<Self> {
        if trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|last| last.trim().parse().ok());
            if let Some(ip) = forwarded {
                return Some(Self(ip));
            }
        }
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| Self(peer.ip()))
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Self::of(parts, state.limits.trust_forwarded_for).ok_or_else(|| {
            // Only a server started without `listener::serve` lacks it.
            tracing::error!("request without a peer address");
            ApiError::Internal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(forwarded: &[&str], peer: Option<&str>) -> Parts {
        let mut req = axum::http::Request::builder();
        for f in forwarded {
            req = req.header("x-forwarded-for", *f);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        if let Some(p) = peer {
            parts
                .extensions
                .insert(ConnectInfo(p.parse::<SocketAddr>().unwrap()));
        }
        parts
    }

    #[test]
    fn peer_unless_a_proxy_is_trusted_and_then_its_last_entry() {
        let p = parts(&["198.51.100.1, 203.0.113.9"], Some("10.0.0.2:5000"));
        assert_eq!(ClientAddr::of(&p, false).unwrap().0.to_string(), "10.0.0.2");
        assert_eq!(
            ClientAddr::of(&p, true).unwrap().0.to_string(),
            "203.0.113.9"
        );
        let p = parts(&["198.51.100.1", "garbage"], Some("10.0.0.2:5000"));
        assert_eq!(ClientAddr::of(&p, true).unwrap().0.to_string(), "10.0.0.2");
        assert!(ClientAddr::of(&parts(&[], None), false).is_none());
    }
}
