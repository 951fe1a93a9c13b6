//! Event bursts (`--event-burst INDEX:COUNT`): once a client enables
//! repeated notification of notifier INDEX (`NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION`,
//! action REPEAT), the event source fires COUNT times for it. Each firing
//! is one `POST_EVENT` per event object the client bound to INDEX, with
//! `data` and the 4 bytes of `eventData` holding the firing's number
//! (0, 1, ...), so a subscriber can tell a lost, repeated or reordered
//! event. Bursts are posted a slice at a time between commands, so RPCs
//! are still answered while one is under way.

use nvgsp_proto::gsp::rpc::event::RpcPostEvent;
use nvgsp_proto::wire::Wire;

/// Firings posted per turn of GSP-RM's loop.
const SLICE: u32 = 64;

/// What `--event-burst` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BurstConfig {
    /// The notifier (`NV2080_NOTIFIERS_*`).
    pub index: u32,
    /// Firings.
    pub count: u32,
}

impl BurstConfig {
    /// Parses `INDEX:COUNT` (INDEX below `NV2080_NOTIFIERS_MAXCOUNT`).
    pub fn parse(s: &str) -> Option<BurstConfig> {
        let (i, c) = s.split_once(':')?;
        let index = i
            .parse()
            .ok()
            .filter(|&i| i < super::objects::NV2080_NOTIFIERS_MAXCOUNT)?;
        let count = c.parse().ok().filter(|&c| c > 0)?;
        Some(BurstConfig { index, count })
    }
}

/// A burst under way for one client.
#[derive(Debug)]
pub struct Burst {
    client: u32,
    events: Vec<u32>,
    index: u32,
    next: u32,
    count: u32,
}

impl Burst {
    /// `config`'s burst for `client`, whose event objects for the
    /// notifier are `events`.
    pub fn new(config: BurstConfig, client: u32, events: Vec<u32>) -> Burst {
        Burst {
            client,
            events,
            index: config.index,
            next: 0,
            count: config.count,
        }
    }

    /// The payloads of the next slice of firings, in order.
    pub fn slice(&mut self) -> Vec<Vec<u8>> {
        let end = self.count.min(self.next.saturating_add(SLICE));
        let mut out = Vec::new();
        for n in self.next..end {
            for &h_event in &self.events {
                let e = RpcPostEvent {
                    h_client: self.client,
                    h_event,
                    notify_index: self.index,
                    data: n,
                    event_data_size: 4,
                    ..RpcPostEvent::ZERO
                };
                let mut buf = vec![0u8; RpcPostEvent::SIZE + 4];
                if let Some(len) = e.encode_with(&n.to_le_bytes(), &mut buf) {
                    buf.truncate(len);
                    out.push(buf);
                }
            }
        }
        self.next = end;
        out
    }

    /// The client and notifier the burst is for.
    pub fn target(&self) -> (u32, u32) {
        (self.client, self.index)
    }

    /// Whether every firing was handed out.
    pub fn done(&self) -> bool {
        self.next >= self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_number_the_firings_in_order() {
        let cfg = BurstConfig::parse("35:100").unwrap();
        assert_eq!(BurstConfig::parse("197:1"), None);
        assert_eq!(BurstConfig::parse("3:0"), None);
        let mut b = Burst::new(cfg, 0xc1, vec![0x7e0, 0x7e1]);
        let mut seen = Vec::new();
        while !b.done() {
            for p in b.slice() {
                let (e, data) = RpcPostEvent::parse(&p).unwrap();
                assert_eq!((e.h_client, e.notify_index), (0xc1, 35));
                assert_eq!(data, e.data.to_le_bytes());
                seen.push((e.data, e.h_event));
            }
        }
        assert_eq!(seen.len(), 200);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
    }
}
