//! An S3 server embedded in the process: s3s-fs over a local folder, served over HTTP on
//! 127.0.0.1 so the real aws-sdk-s3 client talks to it exactly as it talks to S3.
//!
//! Shared by `downsize-local` and the integration tests (which include this file by path), and
//! kept out of the library so that `bootstrap` never links s3s.

use std::io;
use std::net::SocketAddr;
use std::path::Path;

use hyper_util::rt::TokioIo;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use s3s_fs::FileSystem;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Credentials the embedded server accepts (requests are SigV4-signed and checked, as on S3).
pub const ACCESS_KEY: &str = "downsize-local";
pub const SECRET_KEY: &str = "downsize-local-secret";

/// A running server; dropping it stops accepting connections.
#[derive(Debug)]
pub struct EmbeddedS3 {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    pub addr: SocketAddr,
    accept_loop: JoinHandle<()>,
}

impl Drop for EmbeddedS3 {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// Serves `root` (created if missing; each bucket is a folder, each object a file) on an
/// ephemeral port of 127.0.0.1.
pub async fn start(root: &Path) -> io::Result<EmbeddedS3> {
    std::fs::create_dir_all(root)?;
    let fs = FileSystem::new(root).map_err(|e| io::Error::other(format!("{e:?}")))?;
    let service = {
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        builder.build()
    };
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let accept_loop = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let service = service.clone();
            tokio::spawn(async move {
                // A connection error concerns only that client; the server goes on.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    Ok(EmbeddedS3 {
        endpoint: format!("http://{addr}"),
        addr,
        accept_loop,
    })
}
