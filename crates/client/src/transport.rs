//! The HTTP transport: reqwest natively, `fetch` in the browser.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::Transport;
#[cfg(target_arch = "wasm32")]
pub(crate) use web::Transport;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use serde::de::DeserializeOwned;
    use zhijian_domain::api::ErrorBody;

    use crate::{ApiError, Method, Payload, status_error};

    #[derive(Clone, Debug)]
    pub(crate) struct Transport {
        http: reqwest::Client,
    }

    fn network(e: reqwest::Error) -> ApiError {
        ApiError::Network(e.to_string())
    }

    impl Transport {
        pub(crate) fn new() -> Self {
            // The server closes a connection idle for 10 s (its header
            // timeout); dropping ours at 5 s means no request is ever sent
            // on one it is closing (seen as a rare network error under load).
            let http = reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap_or_default();
            Self { http }
        }

        /// Sends and decodes; `Ok(None)` for a success without a body (204).
        pub(crate) async fn send<B: Payload, T: DeserializeOwned>(
            &self,
            method: Method,
            url: &str,
            token: Option<&str>,
            body: Option<&B>,
        ) -> Result<Option<T>, ApiError> {
            let method = reqwest::Method::from_bytes(method.as_str().as_bytes())
                .map_err(|e| ApiError::Decode(e.to_string()))?;
            let mut req = self.http.request(method, url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(body) = body {
                req = req.json(body);
            }
            Self::finish(req).await
        }

        /// Sends `bytes` as they are (a file upload) and decodes the answer.
        pub(crate) async fn upload<T: DeserializeOwned>(
            &self,
            url: &str,
            token: Option<&str>,
            bytes: crate::UploadBody,
        ) -> Result<Option<T>, ApiError> {
            let mut req = self
                .http
                .post(url)
                .header("content-type", "application/octet-stream")
                .body(bytes);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            Self::finish(req).await
        }

        async fn finish<T: DeserializeOwned>(
            req: reqwest::RequestBuilder,
        ) -> Result<Option<T>, ApiError> {
            let resp = req.send().await.map_err(network)?;
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.map_err(network)?;
            if !(200..300).contains(&status) {
                let parsed = serde_json::from_slice::<ErrorBody>(&bytes).ok();
                return Err(status_error(status, parsed, || {
                    String::from_utf8_lossy(&bytes).into_owned()
                }));
            }
            if status == 204 || bytes.is_empty() {
                return Ok(None);
            }
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| ApiError::Decode(e.to_string()))
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod web {
    use serde::de::DeserializeOwned;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Request, RequestInit, Response};

    use crate::{ApiError, Method, Payload, status_error};

    #[derive(Clone, Debug)]
    pub(crate) struct Transport;

    fn js_message(v: &JsValue) -> String {
        v.as_string()
            .or_else(|| {
                v.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
            })
            .unwrap_or_else(|| format!("{v:?}"))
    }

    fn network(v: JsValue) -> ApiError {
        ApiError::Network(js_message(&v))
    }

    /// Every answer from the server carries its `Date`: the device's clock
    /// offset follows from it (the server's second, taken as its middle,
    /// against the middle of the round trip). API answers never come from a
    /// cache (the service worker leaves `/api` alone, no validators are
    /// sent); a round trip over 10 s is too vague to learn from.
    fn observe_clock(resp: &Response, sent: f64, received: f64) {
        let Ok(Some(date)) = resp.headers().get("date") else {
            return;
        };
        let server = js_sys::Date::parse(&date);
        if server.is_nan() || received - sent > 10_000.0 {
            return;
        }
        crate::clock::observe(server + 500.0 - (sent + received) / 2.0);
    }

    async fn json_of(resp: &Response) -> Result<JsValue, ApiError> {
        let promise = resp.json().map_err(|e| ApiError::Decode(js_message(&e)))?;
        JsFuture::from(promise)
            .await
            .map_err(|e| ApiError::Decode(js_message(&e)))
    }

    impl Transport {
        pub(crate) fn new() -> Self {
            Self
        }

        /// Sends and decodes; `Ok(None)` for a success without a body (204).
        pub(crate) async fn send<B: Payload, T: DeserializeOwned>(
            &self,
            method: Method,
            url: &str,
            token: Option<&str>,
            body: Option<&B>,
        ) -> Result<Option<T>, ApiError> {
            match self.send_value(method, url, token, body).await? {
                Some(value) => serde_wasm_bindgen::from_value(value)
                    .map(Some)
                    .map_err(|e| ApiError::Decode(e.to_string())),
                None => Ok(None),
            }
        }

        /// Sends; the answer as the browser parsed it.
        pub(crate) async fn send_value<B: Payload>(
            &self,
            method: Method,
            url: &str,
            token: Option<&str>,
            body: Option<&B>,
        ) -> Result<Option<JsValue>, ApiError> {
            let init = RequestInit::new();
            init.set_method(method.as_str());
            if let Some(body) = body {
                // The browser's JSON.stringify over a plain JS object: no serde_json in the bundle.
                let value = body
                    .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                    .map_err(|e| ApiError::Decode(e.to_string()))?;
                let text = js_sys::JSON::stringify(&value)
                    .map_err(|e| ApiError::Decode(js_message(&e)))?;
                init.set_body(&text);
            }
            let req = Request::new_with_str_and_init(url, &init).map_err(network)?;
            if body.is_some() {
                req.headers()
                    .set("content-type", "application/json")
                    .map_err(network)?;
            }
            if let Some(t) = token {
                req.headers()
                    .set("authorization", &format!("Bearer {t}"))
                    .map_err(network)?;
            }
            let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
            let sent = js_sys::Date::now();
            let resp: Response = JsFuture::from(window.fetch_with_request(&req))
                .await
                .map_err(network)?
                .dyn_into()
                .map_err(network)?;
            observe_clock(&resp, sent, js_sys::Date::now());
            let status = resp.status();
            if !resp.ok() {
                let parsed = json_of(&resp)
                    .await
                    .ok()
                    .and_then(|v| serde_wasm_bindgen::from_value(v).ok());
                return Err(status_error(status, parsed, || resp.status_text()));
            }
            if status == 204 {
                return Ok(None);
            }
            json_of(&resp).await.map(Some)
        }

        /// Sends `body` (a `File` or `Blob`) as it is and decodes the answer.
        pub(crate) async fn upload<T: DeserializeOwned>(
            &self,
            url: &str,
            token: Option<&str>,
            body: crate::UploadBody,
        ) -> Result<Option<T>, ApiError> {
            let init = RequestInit::new();
            init.set_method("POST");
            init.set_body(&body);
            let req = Request::new_with_str_and_init(url, &init).map_err(network)?;
            req.headers()
                .set("content-type", "application/octet-stream")
                .map_err(network)?;
            // The exchange of `send_value`, written out again: shared as a
            // function it cost the first load 1 KB; this copy lives in the
            // editor's chunk.
            if let Some(t) = token {
                req.headers()
                    .set("authorization", &format!("Bearer {t}"))
                    .map_err(network)?;
            }
            let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
            let sent = js_sys::Date::now();
            let resp: Response = JsFuture::from(window.fetch_with_request(&req))
                .await
                .map_err(network)?
                .dyn_into()
                .map_err(network)?;
            observe_clock(&resp, sent, js_sys::Date::now());
            if !resp.ok() {
                let parsed = json_of(&resp)
                    .await
                    .ok()
                    .and_then(|v| serde_wasm_bindgen::from_value(v).ok());
                return Err(status_error(resp.status(), parsed, || resp.status_text()));
            }
            let value = json_of(&resp).await?;
            serde_wasm_bindgen::from_value(value)
                .map(Some)
                .map_err(|e| ApiError::Decode(e.to_string()))
        }
    }
}
