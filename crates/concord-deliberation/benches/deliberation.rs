//! Full recompute of a synthetic conversation (20,000 participants × 5,000 statements ×
//! 1,000,000 votes) and of a small one. Results are recorded in docs/benchmarks.md.

use concord_deliberation::{Params, analyze, synthetic::synthetic};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("deliberation");
    g.sample_size(10);
    let small = synthetic(500, 300, 30_000, 1);
    g.bench_function("analyze 500x300x30k", |b| {
        b.iter(|| analyze(&small, &Params::default()))
    });
    let large = synthetic(20_000, 5_000, 1_000_000, 7);
    g.bench_function("analyze 20000x5000x1M", |b| {
        b.iter(|| analyze(&large, &Params::default()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
