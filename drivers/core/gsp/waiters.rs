// SPDX-License-Identifier: GPL-2.0

//! The calls in flight: each waits for the reply GSP-RM sends with its
//! sequence number and function, and is woken alone when it comes.

use kernel::{
    prelude::*,
    sync::{
        Arc,
        CondVar, //
    },
};

/// A reply from GSP-RM.
pub(crate) struct Reply {
    /// `rpc_result`: the NV_STATUS of the call.
    pub(crate) status: u32,
    /// The payload after the RPC header.
    pub(crate) payload: KVec<u8>,
}

/// A call waiting for its reply, woken by its own condition variable: a
/// reply wakes only its caller, not every caller in flight.
struct Waiter {
    sequence: u32,
    function: u32,
    reply: Option<Reply>,
    wake: Arc<CondVar>,
}

/// The calls in flight, matched to replies by sequence number and function.
#[derive(Default)]
pub(crate) struct Waiters {
    list: KVec<Waiter>,
}

/// A reply no call waits for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unexpected;

impl Waiters {
    /// Registers a call of `function` with `sequence`, woken through
    /// `wake`.
    pub(crate) fn add(&mut self, sequence: u32, function: u32, wake: Arc<CondVar>) -> Result {
        self.list.push(
            Waiter {
                sequence,
                function,
                reply: None,
                wake,
            },
            GFP_KERNEL,
        )?;
        Ok(())
    }

    /// Wakes every call (GSP-RM was lost: they fail).
    pub(crate) fn wake_all(&self) {
        for w in self.list.iter() {
            w.wake.notify_all();
        }
    }

    /// Hands `reply` to the call of `function` with `sequence` that has
    /// none yet.
    ///
    /// # Errors
    ///
    /// [`Unexpected`] if no such call waits (a late, duplicated or unknown
    /// reply); `reply` is dropped.
    pub(crate) fn complete(
        &mut self,
        sequence: u32,
        function: u32,
        reply: Reply,
    ) -> core::result::Result<(), Unexpected> {
        let w = self
            .list
            .iter_mut()
            .find(|w| w.sequence == sequence && w.function == function && w.reply.is_none())
            .ok_or(Unexpected)?;
        w.reply = Some(reply);
        w.wake.notify_one();
        Ok(())
    }

    /// Whether a call of `sequence` is registered.
    pub(crate) fn has(&self, sequence: u32) -> bool {
        self.list.iter().any(|w| w.sequence == sequence)
    }

    /// How many calls are registered.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the call of `sequence` has its reply.
    pub(crate) fn answered(&self, sequence: u32) -> bool {
        self.list
            .iter()
            .any(|w| w.sequence == sequence && w.reply.is_some())
    }

    /// Takes the reply of the call of `sequence` and unregisters it, if
    /// the reply came.
    pub(crate) fn take(&mut self, sequence: u32) -> Option<Reply> {
        let i = self
            .list
            .iter()
            .position(|w| w.sequence == sequence && w.reply.is_some())?;
        self.list.remove(i).ok().and_then(|w| w.reply)
    }

    /// Unregisters the call of `sequence` (it gave up).
    pub(crate) fn remove(&mut self, sequence: u32) {
        if let Some(i) = self.list.iter().position(|w| w.sequence == sequence) {
            let _ = self.list.remove(i);
        }
    }

    /// Forgets every call.
    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }
}

#[kunit_tests(nvgsp_core_waiters)]
mod tests {
    use super::*;
    use kernel::new_condvar;

    fn reply(status: u32) -> Reply {
        Reply {
            status,
            payload: KVec::new(),
        }
    }

    fn wake() -> Result<Arc<CondVar>> {
        Arc::pin_init(new_condvar!(), GFP_KERNEL)
    }

    #[test]
    fn replies_match_sequence_and_function() -> Result {
        let mut w = Waiters::default();
        w.add(1, 10, wake()?)?;
        w.add(2, 10, wake()?)?;
        w.add(3, 11, wake()?)?;
        // Not yet answered.
        assert!(w.take(2).is_none());
        assert!(w.has(2));
        // Answered out of order.
        assert_eq!(w.complete(3, 11, reply(33)), Ok(()));
        assert_eq!(w.complete(2, 10, reply(22)), Ok(()));
        assert_eq!(w.take(3).map(|r| r.status), Some(33));
        assert_eq!(w.take(2).map(|r| r.status), Some(22));
        assert!(!w.has(2) && !w.has(3) && w.has(1));
        Ok(())
    }

    #[test]
    fn wrong_late_and_duplicated_replies_are_refused() -> Result {
        let mut w = Waiters::default();
        w.add(5, 10, wake()?)?;
        // Right sequence, other function.
        assert_eq!(w.complete(5, 11, reply(0)), Err(Unexpected));
        // Unknown sequence.
        assert_eq!(w.complete(6, 10, reply(0)), Err(Unexpected));
        assert_eq!(w.complete(5, 10, reply(1)), Ok(()));
        // Duplicated: the first reply stays.
        assert_eq!(w.complete(5, 10, reply(2)), Err(Unexpected));
        assert_eq!(w.take(5).map(|r| r.status), Some(1));
        // Late: the caller gave up.
        w.add(7, 10, wake()?)?;
        w.remove(7);
        assert_eq!(w.complete(7, 10, reply(0)), Err(Unexpected));
        w.add(8, 10, wake()?)?;
        w.wake_all();
        w.clear();
        assert!(!w.has(8));
        Ok(())
    }
}
