//! A TCP proxy on 127.0.0.1 that can lose its upstream, for outage tests: the
//! code under test talks to PostgreSQL through it, and the test cuts and
//! restores the link.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};

use std::io;

/// A proxy from a port of 127.0.0.1 to a database server.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use egov_db::testing::Proxy;
///
/// let (mut proxy, url) = Proxy::in_front_of("postgres://postgres@127.0.0.1:5432/test").await?;
/// let db = egov_db::Db::connect_url(&url).await?;
/// proxy.cut().await; // `db` can no longer reach the server
/// proxy.restore().await; // and now it can again
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Proxy {
    address: SocketAddr,
    upstream: SocketAddr,
    accepting: Option<AbortHandle>,
    connections: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    /// Starts a proxy in front of the server that `url` names and returns it
    /// with the URL that reaches the same database through it.
    pub async fn in_front_of(url: &str) -> io::Result<(Proxy, String)> {
        let (_, upstream) = through(url, SocketAddr::from(([127, 0, 0, 1], 1)))?;
        let upstream = tokio::net::lookup_host(&upstream)
            .await?
            .next()
            .ok_or_else(|| invalid(format!("`{upstream}` has no address")))?;
        let proxy = Self::start(upstream).await?;
        let (proxied, _) = through(url, proxy.address())?;
        Ok((proxy, proxied))
    }

    /// Listens on a free port of 127.0.0.1 and forwards every connection to
    /// `upstream`.
    pub async fn start(upstream: SocketAddr) -> io::Result<Proxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let mut proxy = Proxy {
            address: listener.local_addr()?,
            upstream,
            accepting: None,
            connections: Arc::new(Mutex::new(JoinSet::new())),
        };
        proxy.accept(listener);
        Ok(proxy)
    }

    /// The address to connect to instead of the upstream server.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    fn connections(&self) -> std::sync::MutexGuard<'_, JoinSet<()>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn accept(&mut self, listener: TcpListener) {
        let upstream = self.upstream;
        let connections = self.connections.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                let mut open = connections.lock().unwrap_or_else(PoisonError::into_inner);
                open.spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = inbound.set_nodelay(true);
                    let _ = outbound.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                // Forget connections that ended.
                while open.try_join_next().is_some() {}
            }
        });
        self.accepting = Some(task.abort_handle());
    }

    /// The server is gone: every open connection is closed at once and new
    /// ones are refused (the port no longer listens).
    pub async fn cut(&mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
        }
        self.connections().abort_all();
        // Let the aborted tasks drop their sockets (and the listener).
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    /// The server is back: the same port listens and forwards again.
    ///
    /// # Panics
    ///
    /// When the port cannot be bound again (another process took it).
    pub async fn restore(&mut self) {
        let listener = TcpListener::bind(self.address)
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {} again: {e}", self.address));
        self.accept(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
        }
        self.connections().abort_all();
    }
}

/// `url` with its `host:port` replaced by `address`, and the `host:port` it
/// had (PostgreSQL's default port when it named none).
fn through(url: &str, address: SocketAddr) -> io::Result<(String, String)> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("the database URL has no `scheme://`".into()))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (format!("{userinfo}@"), host),
        None => (String::new(), authority),
    };
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    Ok((format!("{scheme}://{userinfo}{address}{path}"), host))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_pointed_at_the_proxy() {
        let proxy: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        assert_eq!(
            through(
                "postgres://user:pw@db.local:6543/app?sslmode=disable",
                proxy
            )
            .unwrap(),
            (
                "postgres://user:pw@127.0.0.1:4000/app?sslmode=disable".to_owned(),
                "db.local:6543".to_owned()
            )
        );
        assert_eq!(
            through("postgres://localhost/test", proxy).unwrap(),
            (
                "postgres://127.0.0.1:4000/test".to_owned(),
                "localhost:5432".to_owned()
            )
        );
        assert!(through("not a url", proxy).is_err());
    }
}
