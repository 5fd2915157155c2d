//! A response body streamed from the runtime to its reader through a bounded channel.

use std::io::{self, Read};

/// A response body, pumped by a task on the runtime into a bounded channel.
pub struct Body {
    pub(super) rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, Cut>>,
    pub(super) pump: tokio::task::AbortHandle,
}

/// Why a body stopped before its end.
pub enum Cut {
    TooLarge,
    Transport(String),
}

impl Body {
    pub(super) async fn read_all(&mut self) -> Result<Vec<u8>, Cut> {
        let mut out = Vec::new();
        while let Some(chunk) = self.rx.recv().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    /// A reader for a thread outside the runtime, which it blocks.
    pub fn into_reader(self) -> BodyReader {
        BodyReader {
            body: self,
            chunk: Vec::new(),
            pos: 0,
            cut: None,
        }
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

/// Reads a [`Body`] on a thread outside the runtime, blocking it.
pub struct BodyReader {
    body: Body,
    chunk: Vec<u8>,
    pos: usize,
    cut: Option<Cut>,
}

impl BodyReader {
    /// Why the body stopped before its end, if it did.
    pub fn take_cut(&mut self) -> Option<Cut> {
        self.cut.take()
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.cut.is_some() {
                return Err(io::Error::other("the download stopped"));
            }
            let rest = self.chunk.get(self.pos..).unwrap_or_default();
            if !rest.is_empty() {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.pos += n;
                return Ok(n);
            }
            match self.body.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Some(Err(cut)) => self.cut = Some(cut),
            }
        }
    }
}
