//! Live updates for apps, as Mastodon's streaming API gives them: a WebSocket at `/api/v1/streaming`
//! (streams `user`, `public`, `public:local`, chosen with `?stream=` or `{"type": "subscribe"}` messages)
//! and the same streams as server-sent events at `/api/v1/streaming/{user,public,public/local}`.
//!
//! What happened is read from the database, not told by the code that wrote it: one poller per process
//! (started by the first listener, stopped with the last) reads the posts and notifications written since
//! its last look, every [`TICK`], whichever process or path wrote them (the API, the web, an inbox), and
//! hands them to the listeners, each of which keeps what its account may see.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use diesel::prelude::*;
use serde::Deserialize;
use tokio::sync::broadcast;

use crate::api::auth::{CurrentAccount, ReadStatuses};
use crate::api::statuses::entity::Statuses;
use crate::civic::notes::interactions;
use crate::context::AppContext;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, NoteId};
use crate::model::schema::{notes, notifications};
use crate::model::{Note, Visibility};

/// How often the poller looks.
pub const TICK: Duration = Duration::from_millis(500);

/// Something written, as the poller found it.
#[derive(Clone, Debug)]
pub enum Happened {
    Posted(Box<Note>),
    Notified { account: ActorId, id: i64 },
}

/// The streams of Mastodon that Parvis serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// One's home timeline and notifications.
    User,
    /// The public posts known here.
    Public,
    /// The public posts written here.
    PublicLocal,
}

impl Stream {
    pub fn parse(raw: &str) -> Option<Stream> {
        match raw {
            "user" => Some(Stream::User),
            "public" => Some(Stream::Public),
            "public:local" => Some(Stream::PublicLocal),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stream::User => "user",
            Stream::Public => "public",
            Stream::PublicLocal => "public:local",
        }
    }
}

/// The listeners of a process and their poller.
pub struct Live {
    sender: broadcast::Sender<Happened>,
    polling: AtomicBool,
}

impl Default for Live {
    fn default() -> Live {
        Live {
            sender: broadcast::channel(1024).0,
            polling: AtomicBool::new(false),
        }
    }
}

impl Live {
    /// A new listener; the poller starts if it is not running.
    pub fn listen(&self, ctx: &AppContext) -> broadcast::Receiver<Happened> {
        let receiver = self.sender.subscribe();
        if !self.polling.swap(true, Ordering::AcqRel) {
            tokio::spawn(poll(ctx.clone()));
        }
        receiver
    }
}

/// The newest post and notification ids: where the poller starts (a stream tells what happens after it
/// opened).
fn newest(conn: &mut AnyConnection) -> Result<(NoteId, i64)> {
    let note: Option<NoteId> = notes::table
        .select(diesel::dsl::max(notes::id))
        .first(conn)?;
    let notification: Option<i64> = notifications::table
        .select(diesel::dsl::max(notifications::id))
        .first(conn)?;
    Ok((note.unwrap_or(NoteId(0)), notification.unwrap_or(0)))
}

/// What was written after `since`, oldest first, and where to look from next time.
fn written_since(
    conn: &mut AnyConnection,
    (note, notification): (NoteId, i64),
) -> Result<(Vec<Happened>, (NoteId, i64))> {
    let posted: Vec<Note> = notes::table
        .filter(notes::id.gt(note))
        .order(notes::id.asc())
        .limit(500)
        .select(Note::as_select())
        .load(conn)?;
    let notified: Vec<(i64, ActorId)> = notifications::table
        .filter(notifications::id.gt(notification))
        .order(notifications::id.asc())
        .limit(500)
        .select((notifications::id, notifications::account_id))
        .load(conn)?;
    let next = (
        posted.last().map_or(note, |n| n.id),
        notified.last().map_or(notification, |(id, _)| *id),
    );
    let mut found: Vec<Happened> = posted
        .into_iter()
        .map(|n| Happened::Posted(Box::new(n)))
        .collect();
    found.extend(
        notified
            .into_iter()
            .map(|(id, account)| Happened::Notified { account, id }),
    );
    Ok((found, next))
}

async fn poll(ctx: AppContext) {
    let live = ctx.live.clone();
    let mut since = match ctx.db.run(newest).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, "the streaming poller cannot start");
            live.polling.store(false, Ordering::Release);
            return;
        }
    };
    let mut tick = tokio::time::interval(TICK);
    loop {
        tick.tick().await;
        if live.sender.receiver_count() == 0 {
            live.polling.store(false, Ordering::Release);
            // A listener that came in meanwhile may have seen the poller running and started none.
            if live.sender.receiver_count() == 0 || live.polling.swap(true, Ordering::AcqRel) {
                return;
            }
        }
        match ctx.db.run(move |conn| written_since(conn, since)).await {
            Ok((found, next)) => {
                since = next;
                for happened in found {
                    let _ = live.sender.send(happened);
                }
            }
            Err(e) => tracing::warn!(error = %e, "the streaming poller cannot read"),
        }
    }
}

/// What one listener sends of something that happened: (stream, event, payload) for each of its streams
/// that shows it.
fn render(
    ctx: &AppContext,
    conn: &mut AnyConnection,
    policy: &crate::federation::policy::Policy,
    me: Option<ActorId>,
    streams: &[Stream],
    happened: &Happened,
) -> Result<Vec<(Stream, &'static str, String)>> {
    let mut out = vec![];
    match happened {
        Happened::Posted(note) => {
            let note: &Note = note;
            if note.deleted {
                return Ok(out);
            }
            let shared = match note.reblog_of_id {
                Some(original) => Some(crate::civic::notes::note(conn, original)?),
                None => None,
            };
            let shown = shared.as_ref().unwrap_or(note);
            if !policy.shows(note) || !policy.shows(shown) {
                return Ok(out);
            }
            for stream in streams {
                let wanted = match stream {
                    Stream::User => match me {
                        Some(me) => interactions::in_home(conn, me, note, shown)?,
                        None => false,
                    },
                    Stream::Public | Stream::PublicLocal => {
                        note.reblog_of_id.is_none()
                            && note.visibility == Visibility::Public
                            && (*stream == Stream::Public || note.author_id.is_some())
                    }
                };
                if wanted {
                    let status = Statuses::new(ctx, me).status_of(conn, note, shared.as_ref())?;
                    out.push((
                        *stream,
                        "update",
                        serde_json::to_string(&status).map_err(Error::internal)?,
                    ));
                }
            }
        }
        Happened::Notified { account, id } => {
            if me == Some(*account) && streams.contains(&Stream::User) {
                let found = crate::api::notifications::one(ctx, conn, *account, *id)?;
                if let Some(found) = found {
                    out.push((
                        Stream::User,
                        "notification",
                        serde_json::to_string(&found).map_err(Error::internal)?,
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The token of a streaming request: the `Authorization` header, the `access_token` parameter, or (for a
/// WebSocket) the `Sec-WebSocket-Protocol` header, as Mastodon takes it.
pub(crate) fn token_of(headers: &HeaderMap, query: &StreamQuery) -> Option<String> {
    crate::api::auth::bearer(headers)
        .map(str::to_string)
        .or_else(|| query.access_token.clone())
        .or_else(|| {
            headers
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
        })
        .filter(|t| !t.is_empty())
}

/// Who reads a stream: nobody without a token; 401 for a token that is not valid.
async fn reader(
    ctx: &AppContext,
    headers: &HeaderMap,
    query: &StreamQuery,
) -> Result<Option<ActorId>> {
    match token_of(headers, query) {
        None => Ok(None),
        Some(token) => Ok(Some(
            CurrentAccount::<ReadStatuses>::of_token(ctx, &token)
                .await?
                .actor
                .id,
        )),
    }
}

/// The parameters of the streaming endpoints.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct StreamQuery {
    /// `user`, `public` or `public:local` (WebSocket; more are subscribed with messages).
    #[serde(default)]
    pub stream: Option<String>,
    /// The token, for clients that cannot set a header.
    #[serde(default)]
    pub access_token: Option<String>,
}

fn needs_token(streams: &[Stream], me: Option<ActorId>) -> Result<()> {
    if me.is_none() && streams.contains(&Stream::User) {
        return Err(Error::Unauthorized(
            "the user stream needs an access token".into(),
        ));
    }
    Ok(())
}

/// Whether the streaming API is up (Mastodon's health check): `OK`.
#[utoipa::path(get, path = "/api/v1/streaming/health", tag = "streaming",
    responses((status = 200, description = "OK", body = String)))]
pub async fn health() -> &'static str {
    "OK"
}

/// The streams over one WebSocket: `?stream=` opens one; `{"type": "subscribe", "stream": "public"}` and
/// `unsubscribe` change them. Each event is `{"stream": [name], "event": "update" | "notification",
/// "payload": "<the entity as JSON text>"}`.
#[utoipa::path(get, path = "/api/v1/streaming", tag = "streaming", params(StreamQuery),
    responses((status = 101, description = "switching to the WebSocket protocol"),
        (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn websocket(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response> {
    let me = reader(&ctx, &headers, &query).await?;
    let mut streams = vec![];
    if let Some(raw) = &query.stream {
        streams.push(Stream::parse(raw).ok_or_else(|| unknown(raw))?);
    }
    needs_token(&streams, me)?;
    // A client that named its token as the protocol expects it named back.
    let upgrade = match headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
    {
        Some(protocol) => upgrade.protocols([protocol.trim().to_string()]),
        None => upgrade,
    };
    Ok(upgrade
        .on_upgrade(move |socket| serve_socket(ctx, me, streams, socket))
        .into_response())
}

fn unknown(raw: &str) -> Error {
    Error::invalid(
        "stream",
        format!(
            "'{}' is not a stream here: user, public or public:local",
            raw.chars().take(40).collect::<String>()
        ),
    )
}

/// A message a client sends over the socket.
#[derive(Deserialize)]
struct Command {
    #[serde(rename = "type")]
    kind: String,
    stream: String,
}

async fn serve_socket(
    ctx: AppContext,
    me: Option<ActorId>,
    mut streams: Vec<Stream>,
    mut socket: WebSocket,
) {
    let mut events = ctx.live.listen(&ctx);
    loop {
        tokio::select! {
            received = socket.recv() => {
                let Some(Ok(message)) = received else { return };
                let Message::Text(text) = message else { continue };
                let Ok(command) = serde_json::from_str::<Command>(&text) else { continue };
                let Some(stream) = Stream::parse(&command.stream) else { continue };
                if stream == Stream::User && me.is_none() {
                    continue;
                }
                match command.kind.as_str() {
                    "subscribe" if !streams.contains(&stream) => streams.push(stream),
                    "unsubscribe" => streams.retain(|s| *s != stream),
                    _ => {}
                }
            }
            happened = events.recv() => {
                let happened = match happened {
                    Ok(h) => h,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                for (stream, event, payload) in rendered(&ctx, me, &streams, happened).await {
                    let message = serde_json::json!({
                        "stream": [stream.as_str()],
                        "event": event,
                        "payload": payload,
                    });
                    if socket.send(Message::Text(message.to_string().into())).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

async fn rendered(
    ctx: &AppContext,
    me: Option<ActorId>,
    streams: &[Stream],
    happened: Happened,
) -> Vec<(Stream, &'static str, String)> {
    if streams.is_empty() {
        return vec![];
    }
    let policy = ctx.policy().await;
    let (view, streams) = (ctx.clone(), streams.to_vec());
    ctx.db
        .run(move |conn| render(&view, conn, &policy, me, &streams, &happened))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "an event could not be shown to a stream");
            vec![]
        })
}

/// One stream as server-sent events (`event: update`, `data: <the entity>`), as Mastodon.py reads it.
async fn events(ctx: AppContext, me: Option<ActorId>, stream: Stream) -> Result<Response> {
    needs_token(&[stream], me)?;
    let receiver = ctx.live.listen(&ctx);
    let ctx = Arc::new(ctx);
    let flow = futures_util::stream::unfold(
        (receiver, ctx, Vec::<Event>::new()),
        move |(mut receiver, ctx, mut ready)| async move {
            loop {
                if let Some(event) = ready.pop() {
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (receiver, ctx, ready),
                    ));
                }
                let happened = match receiver.recv().await {
                    Ok(h) => h,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                ready = rendered(&ctx, me, &[stream], happened)
                    .await
                    .into_iter()
                    .rev()
                    .map(|(_, event, payload)| Event::default().event(event).data(payload))
                    .collect();
            }
        },
    );
    Ok(Sse::new(flow)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// One's home timeline and notifications, as server-sent events.
#[utoipa::path(get, path = "/api/v1/streaming/user", tag = "streaming", params(StreamQuery),
    responses((status = 200, description = "text/event-stream"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn user(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Response> {
    let me = reader(&ctx, &headers, &query).await?;
    events(ctx, me, Stream::User).await
}

/// The public posts known here, as server-sent events.
#[utoipa::path(get, path = "/api/v1/streaming/public", tag = "streaming", params(StreamQuery),
    responses((status = 200, description = "text/event-stream")))]
pub async fn public(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Response> {
    let me = reader(&ctx, &headers, &query).await?;
    events(ctx, me, Stream::Public).await
}

/// The public posts written here, as server-sent events.
#[utoipa::path(get, path = "/api/v1/streaming/public/local", tag = "streaming", params(StreamQuery),
    responses((status = 200, description = "text/event-stream")))]
pub async fn public_local(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Response> {
    let me = reader(&ctx, &headers, &query).await?;
    events(ctx, me, Stream::PublicLocal).await
}
