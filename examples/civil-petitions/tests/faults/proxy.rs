//! A TCP proxy on 127.0.0.1 that can lose its upstream: the service talks to
//! PostgreSQL through it, and the test cuts and restores the link.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};

/// A proxy from a port of 127.0.0.1 to `upstream`.
pub(crate) struct Proxy {
    address: SocketAddr,
    upstream: SocketAddr,
    accepting: Option<AbortHandle>,
    connections: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    /// Listens on a free port and forwards every connection to `upstream`.
    pub(crate) async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let mut proxy = Proxy {
            address: listener.local_addr().unwrap(),
            upstream,
            accepting: None,
            connections: Arc::new(Mutex::new(JoinSet::new())),
        };
        proxy.accept(listener);
        proxy
    }

    /// The address to connect to instead of `upstream`.
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    fn accept(&mut self, listener: TcpListener) {
        let upstream = self.upstream;
        let connections = self.connections.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                connections.lock().unwrap().spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = inbound.set_nodelay(true);
                    let _ = outbound.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                // Forget connections that ended.
                while connections.lock().unwrap().try_join_next().is_some() {}
            }
        });
        self.accepting = Some(task.abort_handle());
    }

    /// The database is gone: every open connection is closed at once and new
    /// ones are refused (the port no longer listens).
    pub(crate) async fn cut(&mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
        }
        self.connections.lock().unwrap().abort_all();
        // Let the aborted tasks drop their sockets (and the listener).
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    /// The database is back: the same port listens and forwards again.
    pub(crate) async fn restore(&mut self) {
        let listener = TcpListener::bind(self.address).await.unwrap();
        self.accept(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
        }
        self.connections.lock().unwrap().abort_all();
    }
}
