//! Talking to the local master over its Unix socket.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use halite_config::MasterConfig;
use halite_proto::{CliReply, CliRequest, MAX_FRAME_LEN};
use halite_transport::{FramedConn, framed, recv, send};
use tokio::net::UnixStream;

pub struct MasterClient {
    conn: FramedConn<UnixStream>,
}

/// The master's socket path for a config dir.
pub fn socket_path(config_dir: &Path) -> Result<(PathBuf, MasterConfig)> {
    let cfg = MasterConfig::load(config_dir)?;
    Ok((cfg.common.sock_dir.join("master.sock"), cfg))
}

impl MasterClient {
    pub async fn connect(config_dir: &Path) -> Result<(MasterClient, MasterConfig)> {
        let (path, cfg) = socket_path(config_dir)?;
        let stream = UnixStream::connect(&path).await.with_context(|| {
            format!(
                "cannot reach the master at {} (is `halite master -c {}` running, as this user?)",
                path.display(),
                config_dir.display()
            )
        })?;
        Ok((
            MasterClient {
                conn: framed(stream, MAX_FRAME_LEN),
            },
            cfg,
        ))
    }

    pub async fn send(&mut self, req: &CliRequest) -> Result<()> {
        send(&mut self.conn, req)
            .await
            .context("sending the request to the master")
    }

    pub async fn recv(&mut self) -> Result<CliReply> {
        recv(&mut self.conn)
            .await
            .context("reading the master's reply")
    }

    /// Sends a request expecting one `Data` reply.
    pub async fn request(&mut self, req: &CliRequest) -> Result<serde_json::Value> {
        self.send(req).await?;
        match self.recv().await? {
            CliReply::Data { data } => Ok(data),
            CliReply::Error { message } => Err(anyhow::anyhow!(message)),
            other => Err(anyhow::anyhow!(
                "unexpected reply from the master: {other:?}"
            )),
        }
    }
}
