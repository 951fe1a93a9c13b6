// SPDX-License-Identifier: GPL-2.0

//! Every timeout of the core, in one table (as mlx5 `lib/tout.c` keeps
//! its), each with the reason for its value. The values bound what real
//! hardware and GSP-RM take, with a margin; a wait that runs out means
//! the engine or GSP-RM is dead, not slow.

use kernel::time::Delta;

// TIMEOUT: GSP-RM answers a control in microseconds and its heaviest
// boot-time calls in milliseconds (nova-core waits up to 5 s for any
// reply). Two seconds without a reply means it was lost or GSP-RM is
// stuck; `health.rs` takes three in a row with GSP-RM silent for a hang.
/// How long a call waits for its reply.
pub(crate) const RPC: Delta = Delta::from_secs(2);

// TIMEOUT: not a limit but a spin budget. A control GSP-RM serves at once
// (a NULL or a GET) comes back within tens of microseconds, less than the
// interrupt's delivery plus the wakeups it costs (nova-core does not wait
// for the interrupt at all: it polls the status queue, `gsp/cmdq.rs`).
// The caller alone in flight spins up to this long for its reply,
// draining the queue itself, then sleeps until the interrupt; a slow call
// costs one spin. Several times the tens of microseconds, so a reply that
// is merely late, or the reply's own interrupt handled on the polling CPU
// meanwhile, still leaves it caught; the core's debugfs `rpc` file counts
// the polls and the mean spin of those that caught their reply.
/// How long a caller alone in flight polls for its reply before it sleeps.
pub(crate) const RPC_POLL: Delta = Delta::from_micros(400);

// TIMEOUT: a caller with a signal pending cannot sleep interruptibly, and
// must still wait for the call it made; it looks every this often (a
// reply takes tens of microseconds to a few milliseconds).
/// How long a signalled caller naps between looks for its reply.
pub(crate) const RPC_SIGNALLED_NAP: Delta = Delta::from_micros(200);

// TIMEOUT: GSP-RM takes commands off the queue as it serves them, so room
// comes back as fast as a reply would.
/// How long a sender waits for room in the command queue.
pub(crate) const QUEUE_SPACE: Delta = Delta::from_secs(2);

// TIMEOUT: nova-core (`gpu/hal/tu102.rs` `wait_gfw_boot_completion`):
// "arbitrarily large value. GFW starts running immediately after the GPU
// is put out of reset, and should complete in less time than that."
/// How long GFW boot (devinit) may take after power-on or a reset.
pub(crate) const GFW_BOOT: Delta = Delta::from_secs(4);

// TIMEOUT: nova-core (`gsp/boot.rs`) gives the RISC-V core 5 s to start
// and GSP-RM 5 s to suspend at unload.
/// How long the GSP's RISC-V core may take to start.
pub(crate) const RISCV_START: Delta = Delta::from_secs(5);
/// How long GSP-RM may take to suspend itself at unload.
pub(crate) const SUSPEND: Delta = Delta::from_secs(5);

// TIMEOUT: GSP-RM's init (its own page tables, the sequencer round trips,
// engine bring-up) takes well under a second on a GA102; nouveau r535
// allows seconds. Ten bound a GSP-RM that never says it is done.
/// How long GSP-RM may take to initialize, from its start to INIT_DONE.
pub(crate) const INIT_DONE: Delta = Delta::from_secs(10);

/// How often the wait for INIT_DONE looks whether GSP-RM's core still runs
/// (a poll period: a crash during init is found this fast).
pub(crate) const INIT_POLL: Delta = Delta::from_millis(100);

// TIMEOUT: nova-core and nouveau give SEC2-RTOS 2 s to resume GSP-RM.
/// How long the sequencer's CORE_RESUME waits for GSP-RM to resume.
pub(crate) const CORE_RESUME: Delta = Delta::from_secs(2);

// TIMEOUT: nova-core waits 20 ms for IMEM/DMEM scrubbing after a falcon
// reset; five times that bounds a dead engine.
/// How long a falcon's memory scrubbing may take after its reset.
pub(crate) const FALCON_SCRUB: Delta = Delta::from_millis(100);

// TIMEOUT: nova-core gives a ucode 2 s to halt; FWSEC-FRTS and booter_load
// verify signatures and carve WPR2, the slowest of them, in milliseconds.
/// How long a falcon ucode may run before it halts.
pub(crate) const FALCON_HALT: Delta = Delta::from_secs(5);

// TIMEOUT: one 256-byte DMA block moves in microseconds.
/// How long one falcon DMA block transfer may take.
pub(crate) const FALCON_DMA: Delta = Delta::from_millis(100);

// TIMEOUT: nouveau `tu102_vmm_flush` waits 2 s for an invalidate; the MMU
// takes microseconds.
/// How long a TLB invalidate may take.
pub(crate) const TLB_INVALIDATE: Delta = Delta::from_secs(2);

// TIMEOUT: nouveau `g84_bar_flush` waits 2 s for an FB flush, which takes
// microseconds.
/// How long an FB flush may take.
pub(crate) const FB_FLUSH: Delta = Delta::from_secs(2);

// TIMEOUT: an MSI-X round trip takes microseconds; a second means the
// interrupt is not wired.
/// How long the interrupt self-test waits for its interrupt.
pub(crate) const IRQ_SELF_TEST: Delta = Delta::from_secs(1);

// TIMEOUT: after a loss calls fail at once; only a sender waiting for
// queue space takes longer (up to `QUEUE_SPACE`).
/// How long the recovery waits for the calls in flight at a loss to end.
pub(crate) const RECOVERY_QUIESCE: Delta = Delta::from_secs(5);

// TIMEOUT: a recovery boots GSP-RM up to three times, each after a
// function reset, within `GFW_BOOT` and `INIT_DONE`.
/// How long a client opening its GPU handle waits for a recovery to end.
pub(crate) const OPEN_DURING_RECOVERY: Delta = Delta::from_secs(45);

// TIMEOUT: an idle GSP-RM is asked whether it is alive this often. A hang
// is then found within this and two heartbeat ticks (a quarter of it
// each) plus three `RPC` timeouts. mlx5 polls its firmware's health
// counter every 2 s, a register read; a ping wakes GSP-RM (and keeps the
// GPU from its idle power states), so it is rarer.
/// How long GSP-RM may be silent, while nobody calls it, before the
/// heartbeat pings it.
pub(crate) const HEARTBEAT: Delta = Delta::from_secs(10);

// TIMEOUT: a GA102 copy engine writes VRAM at hundreds of GB/s, so the
// largest vGPU's guest memory (24 GiB) is cleared in well under a second;
// a second per GiB and ten more bound a dead or stalled engine.
/// How long the copy engine may take to clear `bytes` of VRAM.
pub(crate) fn scrub(bytes: u64) -> Delta {
    // (Saturates at about 292 years.)
    let gib = i64::try_from(bytes >> 30).unwrap_or(i64::MAX);
    Delta::from_secs(gib.saturating_add(10))
}
