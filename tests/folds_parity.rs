//! Grouped folds equal scikit-learn 1.9.1's `GroupKFold` (no shuffle) and `LeaveOneGroupOut`
//! fold for fold (test rows of each fold, in order) on the committed fixtures
//! (`tests/fixtures/folds/make_fixtures.py`).

use vlogmood::split::{group_kfold, leave_one_group_out};

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    groups: Vec<String>,
    n_splits: usize,
    group_kfold: Vec<Vec<usize>>,
    leave_one_group_out: Vec<Vec<usize>>,
}

#[test]
fn folds_equal_scikit_learns() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/folds/folds.json");
    let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    assert!(cases.len() >= 4);
    for case in cases {
        let tests = |folds: Vec<vlogmood::split::Fold>| folds.into_iter().map(|f| f.test).collect::<Vec<_>>();
        assert_eq!(tests(group_kfold(&case.groups, case.n_splits).expect("folds")), case.group_kfold, "{}", case.name);
        assert_eq!(tests(leave_one_group_out(&case.groups).expect("folds")), case.leave_one_group_out, "{}", case.name);
    }
}
