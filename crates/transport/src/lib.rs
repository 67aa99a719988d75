//! Framing: every connection (minion ↔ master over TLS, CLI ↔ master over
//! the Unix socket) carries length-prefixed MessagePack frames. The frame
//! limit is set per connection, so an unauthenticated peer is held to
//! `MAX_PREAUTH_FRAME_LEN` and cannot make the master allocate more.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// A framed connection over any byte stream.
pub type FramedConn<S> = Framed<S, LengthDelimitedCodec>;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Codec(#[from] halite_proto::CodecError),
    #[error("peer closed the connection")]
    Closed,
    #[error("timed out waiting for the peer")]
    Timeout,
}

/// Wraps `stream` with a 4-byte big-endian length prefix codec that refuses
/// frames longer than `max_frame_len`.
pub fn framed<S: AsyncRead + AsyncWrite>(stream: S, max_frame_len: usize) -> FramedConn<S> {
    let codec = LengthDelimitedCodec::builder()
        .max_frame_length(max_frame_len)
        .new_codec();
    // A small initial buffer: an idle minion connection should cost little;
    // the buffer grows for large frames and is reused afterwards.
    Framed::with_capacity(stream, codec, 1024)
}

/// Changes the frame limit, e.g. after the peer is authenticated.
pub fn set_max_frame_len<S>(conn: &mut FramedConn<S>, max_frame_len: usize) {
    conn.codec_mut().set_max_frame_length(max_frame_len);
}

/// Encodes a message once into a frame body that can be sent to many peers
/// (a job published to 10,000 minions is serialised once, not 10,000 times).
pub fn encode_frame<T: Serialize>(msg: &T) -> Result<bytes::Bytes, halite_proto::CodecError> {
    Ok(bytes::Bytes::from(halite_proto::encode(msg)?))
}

/// Sends a frame made by [`encode_frame`].
pub async fn send_frame<S>(
    conn: &mut FramedConn<S>,
    frame: bytes::Bytes,
) -> Result<(), TransportError>
where
    S: AsyncWrite + AsyncRead + Unpin,
{
    conn.send(frame).await?;
    Ok(())
}

pub async fn send<S, T>(conn: &mut FramedConn<S>, msg: &T) -> Result<(), TransportError>
where
    S: AsyncWrite + AsyncRead + Unpin,
    T: Serialize,
{
    send_frame(conn, encode_frame(msg)?).await
}

/// Queues a message without flushing; call [`flush`] after a burst so a
/// burst costs one write instead of one per message.
pub async fn feed<S, T>(conn: &mut FramedConn<S>, msg: &T) -> Result<(), TransportError>
where
    S: AsyncWrite + AsyncRead + Unpin,
    T: Serialize,
{
    conn.feed(encode_frame(msg)?).await?;
    Ok(())
}

pub async fn flush<S>(conn: &mut FramedConn<S>) -> Result<(), TransportError>
where
    S: AsyncWrite + AsyncRead + Unpin,
{
    SinkExt::<bytes::Bytes>::flush(conn).await?;
    Ok(())
}

/// Reads one message; `Err(Closed)` on a clean end of stream.
pub async fn recv<S, T>(conn: &mut FramedConn<S>) -> Result<T, TransportError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    T: DeserializeOwned,
{
    match conn.next().await {
        Some(frame) => Ok(halite_proto::decode(&frame?)?),
        None => Err(TransportError::Closed),
    }
}

/// [`recv`] with a deadline.
pub async fn recv_timeout<S, T>(
    conn: &mut FramedConn<S>,
    timeout: Duration,
) -> Result<T, TransportError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    T: DeserializeOwned,
{
    tokio::time::timeout(timeout, recv(conn))
        .await
        .map_err(|_| TransportError::Timeout)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn oversize_and_garbage_frames_are_errors() {
        let (a, mut b) = tokio::io::duplex(1 << 16);
        let mut conn = framed(a, 16);
        b.write_all(&100u32.to_be_bytes()).await.unwrap();
        assert!(matches!(
            recv::<_, String>(&mut conn).await,
            Err(TransportError::Io(_))
        ));

        let (a, mut b) = tokio::io::duplex(1 << 16);
        let mut conn = framed(a, 1024);
        b.write_all(&3u32.to_be_bytes()).await.unwrap();
        b.write_all(b"\xc1\xc1\xc1").await.unwrap();
        assert!(matches!(
            recv::<_, String>(&mut conn).await,
            Err(TransportError::Codec(_))
        ));
    }

    #[tokio::test]
    async fn round_trip() {
        let (a, b) = tokio::io::duplex(1 << 16);
        let (mut a, mut b) = (framed(a, 1024), framed(b, 1024));
        send(&mut a, &"hello".to_owned()).await.unwrap();
        assert_eq!(recv::<_, String>(&mut b).await.unwrap(), "hello");
        drop(a);
        assert!(matches!(
            recv::<_, String>(&mut b).await,
            Err(TransportError::Closed)
        ));
    }
}
