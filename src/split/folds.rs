//! Cross-validation folds grouped by a label column, so no group (speaker) is ever on both
//! sides of a fold: scikit-learn's `GroupKFold` (without shuffling) and `LeaveOneGroupOut`,
//! fold for fold. They need no randomness.

use std::collections::BTreeMap;

use super::SplitError;

/// One fold: the rows a model is trained on and the rows it is tested on (each sorted, disjoint,
/// together every row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Training rows.
    pub train: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

/// Each distinct group value (sorted, as `np.unique` sorts strings) and the group index of
/// every row.
fn group_indices(groups: &[String]) -> (Vec<&str>, Vec<usize>) {
    let unique: BTreeMap<&str, usize> = groups.iter().map(|g| (g.as_str(), 0)).collect();
    let unique: Vec<&str> = unique.into_keys().collect();
    let index: BTreeMap<&str, usize> = unique.iter().enumerate().map(|(i, g)| (*g, i)).collect();
    (unique, groups.iter().map(|g| index[g.as_str()]).collect())
}

/// Folds whose test rows are the rows of the groups assigned to them.
fn folds_of(group_of_row: &[usize], fold_of_group: &[usize], n_folds: usize) -> Vec<Fold> {
    (0..n_folds)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..group_of_row.len()).partition(|&row| fold_of_group[group_of_row[row]] == f);
            Fold { train, test }
        })
        .collect()
}

/// `n_folds` folds with every group in exactly one test set, balanced by rows as
/// `sklearn.model_selection.GroupKFold(n_splits)` (1.9, no shuffle) balances them: groups from
/// the largest to the smallest (ties: the later group first) each go to the fold with the
/// fewest rows so far (ties: the first such fold).
pub fn group_kfold(groups: &[String], n_folds: usize) -> Result<Vec<Fold>, SplitError> {
    let (unique, group_of_row) = group_indices(groups);
    if n_folds < 2 || n_folds > unique.len() {
        return Err(SplitError::TooFewGroups { n_folds, n_groups: unique.len() });
    }
    let mut sizes = vec![0usize; unique.len()];
    for &g in &group_of_row {
        sizes[g] += 1;
    }
    // np.argsort(sizes, kind="stable")[::-1]: descending size, equal sizes in reverse order.
    let mut order: Vec<usize> = (0..unique.len()).collect();
    order.sort_by_key(|&g| sizes[g]);
    order.reverse();
    let mut fold_rows = vec![0usize; n_folds];
    let mut fold_of_group = vec![0usize; unique.len()];
    for g in order {
        let lightest = (0..n_folds).min_by_key(|&f| (fold_rows[f], f)).expect("n_folds ≥ 2");
        fold_rows[lightest] += sizes[g];
        fold_of_group[g] = lightest;
    }
    Ok(folds_of(&group_of_row, &fold_of_group, n_folds))
}

/// One fold per group (in sorted group order), testing on that group's rows:
/// `sklearn.model_selection.LeaveOneGroupOut`.
pub fn leave_one_group_out(groups: &[String]) -> Result<Vec<Fold>, SplitError> {
    let (unique, group_of_row) = group_indices(groups);
    if unique.len() < 2 {
        return Err(SplitError::TooFewGroups { n_folds: unique.len(), n_groups: unique.len() });
    }
    let identity: Vec<usize> = (0..unique.len()).collect();
    Ok(folds_of(&group_of_row, &identity, unique.len()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn strings(groups: &[&str]) -> Vec<String> {
        groups.iter().map(|g| (*g).to_string()).collect()
    }

    #[test]
    fn too_few_groups_is_an_error() {
        assert!(group_kfold(&strings(&["a", "b", "a"]), 3).is_err());
        assert!(group_kfold(&strings(&["a", "b"]), 1).is_err());
        assert!(leave_one_group_out(&strings(&["a", "a"])).is_err());
    }

    proptest! {
        /// Every row is tested exactly once, trained on in every other fold, and no group is on
        /// both sides of any fold.
        #[test]
        fn grouped_folds_never_share_a_group(
            groups in prop::collection::vec(0u8..9, 2..80),
            n_folds in 2usize..6,
        ) {
            let groups: Vec<String> = groups.iter().map(|g| format!("actor{g}")).collect();
            let n_groups = groups.iter().collect::<std::collections::BTreeSet<_>>().len();
            let mut all = vec![group_kfold(&groups, n_folds.min(n_groups))];
            all.push(leave_one_group_out(&groups));
            for folds in all.into_iter().filter_map(Result::ok) {
                let mut tested = vec![0usize; groups.len()];
                for fold in &folds {
                    let train: std::collections::BTreeSet<&str> = fold.train.iter().map(|&r| groups[r].as_str()).collect();
                    prop_assert!(fold.test.iter().all(|&r| !train.contains(groups[r].as_str())));
                    prop_assert_eq!(fold.train.len() + fold.test.len(), groups.len());
                    for &r in &fold.test {
                        tested[r] += 1;
                    }
                }
                prop_assert!(tested.iter().all(|&t| t == 1));
            }
        }
    }
}
