use proptest::prelude::*;

use super::Seed;
use super::*;

fn labels(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

#[test]
fn part_sizes_match_the_notebooks_two_stage_split() {
    assert_eq!(part_sizes(192, [0.6, 0.2, 0.2]), [115, 38, 39]);
    assert_eq!(part_sizes(40, [0.6, 0.2, 0.2]), [24, 8, 8]);
    assert_eq!(part_sizes(10, [0.8, 0.1, 0.1]), [8, 1, 1]);
}

#[test]
fn same_seed_same_split_other_seed_other_split() {
    let a = split_rows(50, [0.6, 0.2, 0.2], None, None, &mut Seed(1).rng_for(0)).expect("split");
    let b = split_rows(50, [0.6, 0.2, 0.2], None, None, &mut Seed(1).rng_for(0)).expect("split");
    let c = split_rows(50, [0.6, 0.2, 0.2], None, None, &mut Seed(2).rng_for(0)).expect("split");
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn stratified_split_keeps_class_proportions() {
    let strata: Vec<String> = (0..60).map(|i| if i % 3 == 0 { "a".into() } else { "b".into() }).collect();
    let s = split_rows(60, [0.5, 0.25, 0.25], None, Some(&strata), &mut Seed(3).rng_for(0)).expect("split");
    let count_a = |rows: &[usize]| rows.iter().filter(|&&r| strata[r] == "a").count();
    assert_eq!((count_a(&s.train), count_a(&s.val), count_a(&s.test)), (10, 5, 5));
}

#[test]
fn grouped_split_never_puts_a_group_in_two_parts() {
    let groups: Vec<String> = (0..96).map(|i| format!("actor{}", i % 12)).collect();
    let s = split_rows(96, [0.6, 0.2, 0.2], Some(&groups), None, &mut Seed(4).rng_for(0)).expect("split");
    let parts = s.part_of_rows(96);
    for g in 0..12 {
        let mut seen: Vec<_> = (0..96).filter(|i| i % 12 == g).map(|i| parts[i]).collect();
        seen.dedup();
        assert_eq!(seen.len(), 1, "group {g} straddles parts");
    }
    // 12 groups of 8 rows at 60/20/20 -> about 7/2/3 or 7/3/2 groups.
    assert!(s.train.len() >= 48 && s.train.len() <= 64, "{}", s.train.len());
}

#[test]
fn too_few_groups_is_an_error() {
    let groups = labels(&["a", "a", "b", "b"]);
    let err = split_rows(4, [0.6, 0.2, 0.2], Some(&groups), None, &mut Seed(0).rng_for(0)).expect_err("2 groups");
    assert!(matches!(err, SplitError::EmptyPart { .. }));
}

#[test]
fn column_length_mismatch_is_an_error() {
    let err = split_rows(5, [0.6, 0.2, 0.2], None, Some(&labels(&["a"])), &mut Seed(0).rng_for(0)).expect_err("len");
    assert!(matches!(err, SplitError::ColumnLength { .. }));
}

#[test]
fn bootstrap_and_subsample_are_seeded() {
    let a = bootstrap_indices(20, &mut Seed(5).rng_for(1));
    assert_eq!(a, bootstrap_indices(20, &mut Seed(5).rng_for(1)));
    assert!(a.iter().all(|&i| i < 20));
    let s = subsample_indices(30, 0.8, &mut Seed(5).rng_for(2));
    assert_eq!(s.len(), 24);
    assert!(s.windows(2).all(|w| w[0] < w[1]));
}

proptest! {
    /// Every row lands in exactly one part, whatever the sizes, groups and seed.
    #[test]
    fn parts_partition_the_rows(n in 10usize..120, n_groups in 5usize..10, seed in 0u64..50, grouped in any::<bool>()) {
        let groups: Vec<String> = (0..n).map(|i| (i % n_groups).to_string()).collect();
        let split = split_rows(n, [0.6, 0.2, 0.2], grouped.then_some(groups.as_slice()), None, &mut Seed(seed).rng_for(0));
        if let Ok(s) = split {
            let mut all: Vec<usize> = s.train.iter().chain(&s.val).chain(&s.test).copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        }
    }
}

#[test]
fn train_val_and_all_are_the_unions_of_their_parts() {
    let split = SplitIndices::new(vec![0, 4, 5], vec![2], vec![1, 3]);
    assert_eq!(split.rows(SplitName::TrainVal), [0, 2, 4, 5]);
    assert_eq!(split.rows(SplitName::All), [0, 1, 2, 3, 4, 5]);
    assert!(SplitName::TrainVal.contains(SplitName::Val) && !SplitName::TrainVal.contains(SplitName::Test));
    assert!(SplitName::PARTS.iter().all(|&p| SplitName::All.contains(p)));
    assert!(SplitName::TrainVal.overlaps(SplitName::Val) && !SplitName::TrainVal.overlaps(SplitName::Test));
    assert_eq!(split.part_of_rows(6)[3], Some(SplitName::Test));
}
