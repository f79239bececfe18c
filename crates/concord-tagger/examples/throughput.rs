//! Best-of-N throughput of `Tagger::tag_document` on the benchmark's two 8 MiB texts (see
//! `benches/inputs/mod.rs`): `dense`, the development gold passages repeated (one match every
//! ~30 bytes), and `corpus`, the bundled corpus's prose repeated (summaries and notes in both
//! languages). On a machine shared with other work the fastest of N runs is steadier than
//! criterion's mean, so two builds can be compared by running them alternately:
//! `cargo run --release -p concord-tagger --example throughput -- [N] [dense|corpus]` (N
//! defaults to 10; the second argument times one of the texts only).
//! Besides wall-clock time it reports the thread's time on a CPU (Linux
//! `/proc/thread-self/schedstat`), which leaves out the time other processes had the core;
//! it still includes what they cost through shared caches.

use concord_core::Taxonomy;
use concord_tagger::Tagger;

#[path = "../benches/inputs/mod.rs"]
mod inputs;

/// Nanoseconds this thread has run on a CPU, if the kernel says.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
    let taxonomy: Taxonomy = toml::from_str(&std::fs::read_to_string(format!(
        "{root}/corpus/taxonomy/concord-v1.toml"
    ))?)?;
    let tagger = Tagger::new(&taxonomy)?;
    let runs: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 10,
    };
    let only = std::env::args().nth(2);
    for name in ["dense", "corpus"] {
        if only.as_ref().is_some_and(|o| o != name) {
            continue;
        }
        let (name, text) = match name {
            "dense" => ("dense (gold passages)", inputs::dense(8 << 20)),
            _ => ("corpus (bundled prose)", inputs::corpus(8 << 20)),
        };
        let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
        let mut passages = 0;
        for _ in 0..runs.max(1) {
            let cpu = cpu_ns();
            let t = std::time::Instant::now();
            let report = tagger.tag_document(&text, &[], Some("en"));
            best = best.min(t.elapsed().as_secs_f64());
            if let (Some(a), Some(b)) = (cpu, cpu_ns()) {
                best_cpu = best_cpu.min((b - a) as f64 / 1e9);
            }
            passages = report.passages;
        }
        let mib = |s: f64| text.len() as f64 / s / 1048576.0;
        print!(
            "{name}: {} bytes, {passages} passages, best of {runs}: {:.1} ms = {:.1} MiB/s",
            text.len(),
            best * 1e3,
            mib(best)
        );
        if best_cpu < f64::MAX {
            print!(
                "; on-CPU {:.1} ms = {:.1} MiB/s",
                best_cpu * 1e3,
                mib(best_cpu)
            );
        }
        println!();
    }
    Ok(())
}
