// SPDX-License-Identifier: GPL-2.0

//! Whole messages out of GSP-RM's status queue elements: the element
//! sequence number check, and the reassembly of messages GSP-RM split over
//! several elements (the first element's `rpc.length` covers the whole
//! message, `CONTINUATION_RECORD` elements carry the rest; nouveau r535
//! `r535_gsp_msg_recv`).
//!
//! Pure logic over parsed elements: the transport (`transport.rs`) pops the
//! elements and logs what [`Problem`]s this reports.

use kernel::prelude::*;

use kernel::num::casts::u32_as_usize;

use crate::proto::gsp::{
    function::Function,
    msgq::{
        self,
        Header, //
    },
};

/// A whole message: its first element's header and the full payload.
pub(crate) enum Message<'a> {
    /// It fitted one element: the element's payload.
    Whole(Header, &'a [u8]),
    /// It was reassembled from several elements.
    Joined(Header, KVec<u8>),
}

impl Message<'_> {
    /// The header of the message's first element.
    pub(crate) fn header(&self) -> &Header {
        match self {
            Message::Whole(h, _) | Message::Joined(h, _) => h,
        }
    }

    /// The message's payload after the RPC header.
    pub(crate) fn payload(&self) -> &[u8] {
        match self {
            Message::Whole(_, p) => p,
            Message::Joined(_, p) => p,
        }
    }
}

/// What went wrong with an element; each costs at most the message it
/// belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The element's sequence number is not the one due: it is dropped,
    /// and the next one is expected to follow it.
    OutOfOrder {
        /// The element's number.
        got: u32,
        /// The number due.
        expected: u32,
    },
    /// A continuation record with no split message to continue: dropped.
    Orphan,
    /// A new message began before a split one was complete: the partial
    /// message is dropped, the new one is taken.
    Interrupted,
    /// No memory to hold a split message of this many bytes: dropped.
    NoMemory(usize),
}

/// The reassembly state of the status queue.
#[derive(Default)]
pub(crate) struct Reassembly {
    /// A split message: its first header, the payload so far, and the
    /// payload's full size.
    split: Option<(Header, KVec<u8>, usize)>,
    /// The element sequence number the next element must carry, once the
    /// first one set it.
    seq_num: Option<u32>,
}

/// What one element gave: a message, once whole, and what to report.
pub(crate) struct Step<'a> {
    /// The message the element completed, if any.
    pub(crate) message: Option<Message<'a>>,
    /// A split message this element's start cut off ([`Problem::Interrupted`]).
    pub(crate) interrupted: Option<Problem>,
    /// What went wrong with the element itself, if anything.
    pub(crate) problem: Option<Problem>,
}

impl<'a> Step<'a> {
    fn problem(p: Problem) -> Self {
        Step {
            message: None,
            interrupted: None,
            problem: Some(p),
        }
    }

    /// Both problems, first the interruption.
    pub(crate) fn problems(&self) -> impl Iterator<Item = Problem> {
        Iterator::chain(self.interrupted.into_iter(), self.problem)
    }
}

impl Reassembly {
    /// Forgets everything: a new GSP-RM starts numbering again.
    pub(crate) fn reset(&mut self) {
        *self = Reassembly::default();
    }

    /// An element failed validation: its sequence number cannot be
    /// trusted, so the next good element's number is taken as it comes.
    pub(crate) fn malformed(&mut self) {
        self.seq_num = None;
    }

    /// Takes the next element, `h` and its `payload`.
    pub(crate) fn push<'p>(&mut self, h: Header, payload: &'p [u8]) -> Step<'p> {
        let expected = self.seq_num.unwrap_or(h.seq_num);
        // Resynchronise on whatever arrived, so one bad number costs one
        // element and one line.
        self.seq_num = Some(h.seq_num.wrapping_add(1));
        if h.seq_num != expected {
            return Step::problem(Problem::OutOfOrder {
                got: h.seq_num,
                expected,
            });
        }
        if h.function == u32::from(Function::ContinuationRecord) {
            let Some((head, mut data, total)) = self.split.take() else {
                return Step::problem(Problem::Orphan);
            };
            if data.extend_from_slice(payload, GFP_KERNEL).is_err() {
                return Step::problem(Problem::NoMemory(total));
            }
            if data.len() < total {
                self.split = Some((head, data, total));
                return Step {
                    message: None,
                    interrupted: None,
                    problem: None,
                };
            }
            data.truncate(total);
            return Step {
                message: Some(Message::Joined(head, data)),
                interrupted: None,
                problem: None,
            };
        }
        let interrupted = self.split.take().map(|_| Problem::Interrupted);
        let total = u32_as_usize(h.length).saturating_sub(msgq::RPC_HEADER_SIZE);
        if total <= payload.len() {
            return Step {
                message: Some(Message::Whole(h, payload)),
                interrupted,
                problem: None,
            };
        }
        let mut data = KVec::new();
        if data.extend_from_slice(payload, GFP_KERNEL).is_err() {
            return Step {
                interrupted,
                ..Step::problem(Problem::NoMemory(total))
            };
        }
        self.split = Some((h, data, total));
        Step {
            message: None,
            interrupted,
            problem: None,
        }
    }
}

#[kunit_tests(nvgsp_core_reassembly)]
mod tests {
    use super::*;

    fn header(seq_num: u32, function: u32, payload: usize) -> Header {
        Header {
            seq_num,
            elem_count: 1,
            length: (msgq::RPC_HEADER_SIZE + payload) as u32,
            function,
            sequence: 7,
            ..Header::default()
        }
    }

    const CONT: u32 = Function::ContinuationRecord as u32;
    const CONTROL: u32 = Function::GspRmControl as u32;

    /// The message a step gave, or the test fails.
    fn message<'a>(step: Step<'a>) -> Result<Message<'a>> {
        step.message.ok_or(EINVAL)
    }

    #[test]
    fn whole_messages_pass_in_order() -> Result {
        let mut r = Reassembly::default();
        for seq in 10..14 {
            let step = r.push(header(seq, CONTROL, 3), &[1, 2, 3]);
            assert_eq!(step.problem, None);
            let m = message(step)?;
            assert_eq!(m.header().seq_num, seq);
            assert_eq!(m.payload(), &[1, 2, 3]);
        }
        Ok(())
    }

    #[test]
    fn out_of_order_costs_one_element() -> Result {
        let mut r = Reassembly::default();
        message(r.push(header(1, CONTROL, 0), &[]))?;
        let step = r.push(header(5, CONTROL, 0), &[]);
        assert_eq!(
            step.problem,
            Some(Problem::OutOfOrder {
                got: 5,
                expected: 2
            })
        );
        assert!(step.message.is_none());
        // Resynchronised on the element that arrived.
        message(r.push(header(6, CONTROL, 0), &[]))?;
        // After a malformed element any number is taken.
        r.malformed();
        message(r.push(header(40, CONTROL, 0), &[]))?;
        Ok(())
    }

    #[test]
    fn split_message_is_joined_and_truncated() -> Result {
        let mut r = Reassembly::default();
        // 10 bytes in all: 4 in the first element, 4 and then 4 (of which
        // 2 are padding) in continuation records.
        let step = r.push(header(0, CONTROL, 10), &[0, 1, 2, 3]);
        assert!(step.message.is_none() && step.problem.is_none());
        let step = r.push(header(1, CONT, 4), &[4, 5, 6, 7]);
        assert!(step.message.is_none() && step.problem.is_none());
        let step = r.push(header(2, CONT, 4), &[8, 9, 0xee, 0xee]);
        assert_eq!(step.problem, None);
        let m = message(step)?;
        assert_eq!(m.header().function, CONTROL);
        assert_eq!(m.header().length as usize, msgq::RPC_HEADER_SIZE + 10);
        assert_eq!(m.payload(), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Ok(())
    }

    #[test]
    fn orphan_and_interrupted_split() -> Result {
        let mut r = Reassembly::default();
        let step = r.push(header(0, CONT, 4), &[1, 2, 3, 4]);
        assert_eq!(step.problem, Some(Problem::Orphan));
        assert!(step.message.is_none());
        // A split message interrupted by a whole one: the whole one is
        // taken, the partial one dropped.
        assert!(r
            .push(header(1, CONTROL, 8), &[1, 2, 3, 4])
            .message
            .is_none());
        let step = r.push(header(2, CONTROL, 2), &[9, 9]);
        assert_eq!(step.interrupted, Some(Problem::Interrupted));
        assert_eq!(step.problem, None);
        assert_eq!(message(step)?.payload(), &[9, 9]);
        // The dropped message's continuation is an orphan now.
        assert_eq!(
            r.push(header(3, CONT, 4), &[5, 6, 7, 8]).problem,
            Some(Problem::Orphan)
        );
        Ok(())
    }

    #[test]
    fn reset_forgets_numbers_and_splits() {
        let mut r = Reassembly::default();
        assert!(r
            .push(header(3, CONTROL, 8), &[1, 2, 3, 4])
            .message
            .is_none());
        r.reset();
        assert_eq!(
            r.push(header(0, CONT, 4), &[5, 6, 7, 8]).problem,
            Some(Problem::Orphan)
        );
    }
}
