//! The provider is reached through Parvis's guarded client, following no redirect (the `openidconnect`
//! crate's advice against SSRF: a discovery document or token endpoint cannot bounce us elsewhere), with the
//! federation's timeouts, and answers capped in size.

use std::future::Future;
use std::pin::Pin;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

use crate::federation::http::GuardedClient;

/// The largest answer read from the provider (discovery documents, key sets and tokens are a few kB).
const MAX_ANSWER: usize = 512 * 1024;

#[derive(Clone, Debug)]
pub struct OidcHttp {
    client: GuardedClient,
}

/// A request to the provider that failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Request(String),
    #[error("the answer is larger than {MAX_ANSWER} bytes")]
    TooLarge,
}

impl OidcHttp {
    pub fn new(client: GuardedClient) -> OidcHttp {
        OidcHttp { client }
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let request =
            reqwest::Request::try_from(request).map_err(|e| HttpError::Request(e.to_string()))?;
        let mut response = self
            .client
            .execute_single_hop(request)
            .await
            .map_err(|e| HttpError::Request(e.to_string()))?;
        let mut answer = openidconnect::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| HttpError::Request(e.to_string()))?
        {
            if body.len() + chunk.len() > MAX_ANSWER {
                return Err(HttpError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        answer
            .body(body)
            .map_err(|e| HttpError::Request(e.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
