// SPDX-License-Identifier: GPL-2.0
//! `GSP_RUN_CPU_SEQUENCER`: `rpc::sequencer::Sequence::parse`, `iter` and
//! `validate`, the register program GSP-RM asks the driver to run.
//!
//! An accepted message has `cmdIndex < bufferSizeDWord` and its commands
//! are the `cmdIndex` words right after the 40-byte header. The iterator
//! yields at most one error, as its last item, and `validate` agrees with
//! it. A program that validates is consumed exactly by its commands, every
//! `REG_STORE` index is inside the save area, and `encode_sequence` writes
//! the same command bytes back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::gsp::rpc::sequencer::{
    encode_sequence, sequence_len, RpcRunCpuSequencer, SeqCmd, Sequence, SequencerError,
    REG_SAVE_AREA_SIZE,
};
use nvgsp_proto::gsp::rpc::PayloadError;
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::{is_subslice, round_trip};

fuzz_target!(|p: &[u8]| {
    let seq = match Sequence::parse(p) {
        Ok(s) => s,
        Err(SequencerError::Payload(PayloadError::Truncated { .. })) => {
            assert!(p.len() < RpcRunCpuSequencer::SIZE);
            return;
        }
        Err(SequencerError::BadIndex {
            cmd_index,
            buffer_size_dword,
        }) => {
            assert!(cmd_index >= buffer_size_dword);
            return;
        }
        Err(SequencerError::Payload(PayloadError::BadLength { value, .. })) => {
            assert!(sequence_len(value as usize) > p.len());
            return;
        }
        Err(e) => panic!("parse returned a command error: {e:?}"),
    };
    let h = seq.header;
    assert_eq!(round_trip::<RpcRunCpuSequencer>(p), Some(h));
    assert!(h.cmd_index < h.buffer_size_dword);
    is_subslice(
        p,
        seq.commands,
        RpcRunCpuSequencer::SIZE,
        h.cmd_index as usize * 4,
    );

    let items: Vec<_> = seq.iter().collect();
    let cmds: Vec<SeqCmd> = items.iter().filter_map(|c| c.ok()).collect();
    let errors = items.len() - cmds.len();
    assert!(errors <= 1);
    if errors == 1 {
        assert!(
            items.last().unwrap().is_err(),
            "iteration went on after an error"
        );
    }
    let used: usize = cmds.iter().map(|c| c.len()).sum();
    assert!(used <= seq.commands.len());
    match seq.validate() {
        Ok(n) => {
            assert_eq!((n, errors), (cmds.len(), 0));
            assert_eq!(used, seq.commands.len());
            for c in &cmds {
                assert!(!c.is_empty());
                if let SeqCmd::RegStore(s) = c {
                    assert!((s.index as usize) < REG_SAVE_AREA_SIZE);
                }
            }
            let mut buf = vec![0u8; sequence_len(h.cmd_index as usize)];
            let len = encode_sequence(&cmds, h.buffer_size_dword, &mut buf).expect("re-encode");
            assert_eq!(len, buf.len());
            assert_eq!(&buf[RpcRunCpuSequencer::SIZE..], seq.commands);
            let again = Sequence::parse(&buf).expect("re-encoded program parses");
            assert_eq!(again.header.cmd_index, h.cmd_index);
            assert_eq!(again.validate(), Ok(n));
        }
        Err(e) => {
            assert_eq!(errors, 1);
            assert_eq!(*items.last().unwrap(), Err(e));
        }
    }
});
