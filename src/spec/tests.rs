use std::path::Path;

use proptest::prelude::*;

use super::*;

const MINIMAL: &str = r#"
name = "demo"
[data]
corpus = "data/ravdess"
[[study]]
kind = "k_sweep"
"#;

fn parse(text: &str) -> ExperimentSpec {
    ExperimentSpec::parse(Path::new("test.toml"), text).expect("parses")
}

fn invalid_field(text: &str) -> String {
    match parse(text).validate() {
        Err(SpecError::Invalid { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn minimal_spec_fills_documented_defaults() {
    let spec = parse(MINIMAL);
    assert_eq!(spec.seed, Seed(42));
    assert_eq!(spec.split.fractions, [0.6, 0.2, 0.2]);
    assert_eq!(spec.features.recipe, "seed45");
    assert_eq!(spec.features.scale, Scale::Standard);
    assert_eq!(spec.preprocess, PreprocessParams::default());
    let StudySpec::KSweep(sweep) = &spec.studies[0] else { panic!("k_sweep") };
    assert_eq!((sweep.k.from, sweep.k.to, sweep.elbow_range().from), (2, 14, 1));
    assert!(matches!(sweep.model, ClusterModel::Kmeans(s) if s.n_init == 10));
    spec.validate().expect("valid");
}

#[test]
fn the_elbow_follows_the_sweeps_k_range_unless_written() {
    let elbow_of = |text: &str| {
        let spec = parse(text);
        let json: serde_json::Value = serde_json::from_str(&spec.canonical_json()).expect("json");
        (json["study"][0]["elbow_k"]["from"].clone(), json["study"][0]["elbow_k"]["to"].clone())
    };
    let short = format!("{MINIMAL}k = {{ from = 2, to = 8 }}\n");
    assert_eq!(elbow_of(&short), (1.into(), 8.into()));
    assert_eq!(elbow_of(MINIMAL), (1.into(), 14.into()), "the default sweep keeps its elbow (and run IDs)");
    let written = format!("{MINIMAL}k = {{ from = 2, to = 8 }}\nelbow_k = {{ from = 3, to = 12 }}\n");
    assert_eq!(elbow_of(&written), (3.into(), 12.into()));
    let bad = format!("{MINIMAL}elbow_k = {{ from = 0, to = 12 }}\n");
    assert_eq!(invalid_field(&bad), "study[0].elbow_k");
}

#[test]
fn spelled_out_defaults_comments_and_key_order_do_not_change_the_canonical_form() {
    let verbose = r#"
# the same experiment, written out in full
[[study]]
kmeans = { tol = 1e-4, max_iter = 300, n_init = 10, init = "k-means++" }
elbow_k = { to = 14, from = 1 }
on = "train"
kind = "k_sweep"
k = { from = 2, to = 14 }
model = "kmeans"

[split]
fractions = [0.6, 0.2, 0.2]   # train, val, test
[features]
scale = "standard"
recipe = "seed45"
[data]
corpus = "data/ravdess"
[preprocess]
pcm16 = true
sample_rate_hz = 22050
seed = 42
"#;
    // `seed = 42` above sits inside [preprocess] by TOML scoping, which must be rejected...
    assert!(ExperimentSpec::parse(Path::new("v.toml"), verbose).is_err());
    // ...and at top level it is the default.
    let verbose = format!("seed = 42\nname = \"demo\"\n{}", verbose.replace("seed = 42\n", ""));
    assert_eq!(parse(&verbose).canonical_json(), parse(MINIMAL).canonical_json());
}

#[test]
fn unknown_fields_are_rejected_with_their_name() {
    let err = ExperimentSpec::parse(Path::new("x.toml"), &format!("{MINIMAL}\nnfft = 3\n")).expect_err("unknown");
    assert!(err.to_string().contains("nfft"), "{err}");
    let err = ExperimentSpec::parse(
        Path::new("x.toml"),
        &MINIMAL.replace("kind = \"k_sweep\"", "kind = \"k_sweep\"\nkk = 1"),
    )
    .expect_err("unknown in study");
    assert!(err.to_string().contains("kk"), "{err}");
}

#[test]
fn fractions_not_summing_to_one_are_rejected() {
    assert_eq!(invalid_field(&format!("{MINIMAL}[split]\nfractions = [0.5, 0.2, 0.2]\n")), "split.fractions");
}

#[test]
fn fraction_of_zero_is_rejected() {
    assert_eq!(invalid_field(&format!("{MINIMAL}[split]\nfractions = [0.8, 0.2, 0.0]\n")), "split.fractions");
}

#[test]
fn missing_corpus_is_rejected() {
    assert_eq!(invalid_field(&MINIMAL.replace("data/ravdess", "data/nope")), "data.corpus");
}

#[test]
fn bad_name_is_rejected() {
    assert_eq!(invalid_field(&MINIMAL.replace("\"demo\"", "\"a b/c\"")), "name");
}

#[test]
fn unknown_recipe_is_rejected() {
    assert_eq!(invalid_field(&format!("{MINIMAL}[features]\nrecipe = \"mfcc99\"\n")), "features.recipe");
}

#[test]
fn sweep_starting_below_two_is_rejected() {
    assert_eq!(
        invalid_field(&MINIMAL.replace("kind = \"k_sweep\"", "kind = \"k_sweep\"\nk = { from = 1, to = 5 }")),
        "study[0].k"
    );
}

#[test]
fn best_from_sweep_without_a_sweep_is_rejected() {
    let text = MINIMAL.replace("kind = \"k_sweep\"", "kind = \"grid\"");
    assert_eq!(invalid_field(&text), "study[0].k");
}

#[test]
fn zero_tolerance_is_rejected() {
    let text = MINIMAL.replace("kind = \"k_sweep\"", "kind = \"k_sweep\"\nkmeans = { tol = 0.0 }");
    assert_eq!(invalid_field(&text), "study[0].model.tol");
}

#[test]
fn empty_grid_axis_is_rejected() {
    let text = format!("{MINIMAL}[[study]]\nkind = \"grid\"\ngrid = {{ n_init = [] }}\n");
    assert_eq!(invalid_field(&text), "study[1].grid.n_init");
}

#[test]
fn repeat_of_zero_is_rejected() {
    let text = format!("{MINIMAL}[[study]]\nkind = \"repeat\"\nn = 0\n");
    assert_eq!(invalid_field(&text), "study[1].n");
}

#[test]
fn a_model_listed_twice_in_compare_is_rejected() {
    let text = format!("{MINIMAL}[[study]]\nkind = \"compare\"\nmodels = [\"kmeans\", \"kmeans\"]\n");
    assert_eq!(invalid_field(&text), "study[1].models[1]");
}

#[test]
fn k_choice_accepts_numbers_and_best_from_sweep() {
    let text =
        format!("{MINIMAL}[[study]]\nkind = \"repeat\"\nk = 4\n[[study]]\nkind = \"grid\"\nk = \"best_from_sweep\"\n");
    let spec = parse(&text);
    spec.validate().expect("valid");
    assert!(matches!(&spec.studies[1], StudySpec::Repeat(r) if r.k == Some(KChoice::Fixed(4))));
}

#[test]
fn default_kmeans_grid_has_the_notebooks_54_cells() {
    let spec = parse(&format!("{MINIMAL}[[study]]\nkind = \"grid\"\n"));
    let StudySpec::Grid(grid) = &spec.studies[1] else { panic!("grid") };
    assert_eq!(grid.k, Some(KChoice::Named(NamedK::BestFromSweep)));
    let cells = grid.cells().expect("valid");
    assert_eq!(cells.len(), 54);
    let kmeans = |init, n_init, max_iter, tol| ClusterModel::Kmeans(KMeansSettings { init, n_init, max_iter, tol });
    assert_eq!(cells[0].model, kmeans(KMeansInit::KMeansPlusPlus, 10, 300, 1e-4));
    // Alphabetical parameter order (init, max_iter, n_init, tol), the last varying fastest.
    assert_eq!(cells[1].model, kmeans(KMeansInit::KMeansPlusPlus, 10, 300, 1e-3));
    assert_eq!(cells[3].model, kmeans(KMeansInit::KMeansPlusPlus, 20, 300, 1e-4));
    assert_eq!(cells[53].model, kmeans(KMeansInit::Random, 30, 1000, 1e-2));
}

#[test]
fn a_grid_varies_any_models_parameters_and_k() {
    let text = format!(
        "{MINIMAL}[[study]]\nkind = \"grid\"\nmodel = \"gaussian_mixture\"\n\
         grid = {{ covariance_type = [\"full\", \"diag\"], k = [2, 3, 4] }}\n"
    );
    let spec = parse(&text);
    spec.validate().expect("valid");
    let StudySpec::Grid(grid) = &spec.studies[1] else { panic!("grid") };
    assert_eq!(grid.k, None, "the grid varies k");
    let cells = grid.cells().expect("valid");
    assert_eq!(cells.len(), 6);
    assert_eq!(cells[1].k, Some(KChoice::Fixed(3)));
    assert!(matches!(&cells[2].model, ClusterModel::GaussianMixture(p) if p.covariance_type.as_str() == "full"));
    assert!(matches!(&cells[5].model, ClusterModel::GaussianMixture(p) if p.covariance_type.as_str() == "diag"));
    assert_eq!(cells[5].k, Some(KChoice::Fixed(4)));
    let dbscan = format!(
        "{MINIMAL}[[study]]\nkind = \"grid\"\nmodel = \"dbscan\"\nscore_on = \"train\"\n\
         grid = {{ eps = [0.5, 1.0], min_samples = [3, 5] }}\n"
    );
    parse(&dbscan).validate().expect("valid");
    assert_eq!(invalid_field(&dbscan.replace("eps = [0.5, 1.0]", "eps = [0.5, -1.0]")), "study[1].grid.eps");
    assert_eq!(invalid_field(&dbscan.replace("eps = [0.5, 1.0]", "eps = []")), "study[1].grid.eps");
    assert_eq!(invalid_field(&dbscan.replace("eps = [0.5, 1.0]", "epsilon = [0.5]")), "study[1].grid.epsilon");
    assert_eq!(invalid_field(&dbscan.replace("eps = [0.5, 1.0]", "k = [2]")), "study[1].grid.k");
    assert_eq!(invalid_field(&dbscan.replace("score_on = \"train\"\n", "")), "study[1].score_on");
    let empty = format!("{MINIMAL}[[study]]\nkind = \"grid\"\nmodel = \"dbscan\"\nscore_on = \"train\"\n");
    assert_eq!(invalid_field(&empty), "study[1].grid");
}

#[test]
fn specs_written_before_the_model_seam_read_as_their_model_tables() {
    let legacy = format!(
        "{MINIMAL}[[study]]\nkind = \"repeat\"\nk = 3\nkmeans = {{ init = \"random\", n_init = 1 }}\n\
         [[study]]\nkind = \"compare\"\nmodels = [\"kmeans\", \"agglomerative\"]\nk = 3\n\
         agglomerative = {{ linkage = \"average\" }}\nspectral = {{ n_neighbors = 5 }}\n"
    );
    let current = format!(
        "{MINIMAL}[[study]]\nkind = \"repeat\"\nk = 3\nmodel = {{ name = \"kmeans\", init = \"random\", n_init = 1 }}\n\
         [[study]]\nkind = \"compare\"\nk = 3\n\
         models = [\"kmeans\", {{ name = \"agglomerative\", linkage = \"average\" }}]\n"
    );
    assert_eq!(parse(&legacy).canonical_json(), parse(&current).canonical_json());
    parse(&legacy).validate().expect("valid");
}

/// Every (study, model) pair: the studies that need k refuse models that find their own number
/// of clusters, `repeat` refuses models without randomness, and the rest accept every model.
#[test]
fn the_seam_rejects_exactly_the_study_model_pairs_it_cannot_run() {
    let models = [
        "kmeans",
        "agglomerative",
        "spectral",
        "dbscan",
        "optics",
        "gaussian_mixture",
        "mean_shift",
        "affinity_propagation",
        "birch",
        "som",
    ];
    for name in models {
        let model: ClusterModel = serde_json::from_value(serde_json::json!(name)).expect("a model");
        let takes_k = model.k_use() != KUse::Never;
        let k_line = if takes_k { "k = 3\n" } else { "" };
        let study =
            |kind: &str, extra: &str| format!("{MINIMAL}[[study]]\nkind = \"{kind}\"\nmodel = \"{name}\"\n{extra}");
        let outcome = |text: String| match parse(&text).validate() {
            Ok(()) => None,
            Err(SpecError::Invalid { field, .. }) => Some(field),
            Err(other) => panic!("{other}"),
        };
        let sweep = outcome(MINIMAL.replace("kind = \"k_sweep\"", &format!("kind = \"k_sweep\"\nmodel = \"{name}\"")));
        assert_eq!(sweep, (!takes_k).then(|| "study[0].model".to_string()), "k_sweep × {name}");
        let repeat = outcome(study("repeat", k_line));
        assert_eq!(repeat, (!model.is_seeded()).then(|| "study[1].model".to_string()), "repeat × {name}");
        for kind in ["bootstrap", "consensus"] {
            assert_eq!(outcome(study(kind, k_line)), None, "{kind} × {name}");
            let with_k = outcome(study(kind, "k = 3\n"));
            assert_eq!(with_k, (!takes_k).then(|| "study[1].k".to_string()), "{kind} with k × {name}");
        }
        let compare = outcome(format!("{MINIMAL}[[study]]\nkind = \"compare\"\nmodels = [\"{name}\"]\n{k_line}"));
        assert_eq!(compare, None, "compare × {name}");
        let grid_field = if takes_k { "grid = { k = [2, 3] }" } else { "grid = { }" };
        let grid = outcome(study("grid", &format!("score_on = \"train\"\n{grid_field}\n")));
        assert_eq!(grid, (!takes_k).then(|| "study[1].grid".to_string()), "grid × {name}");
    }
}

#[test]
fn run_id_depends_on_spec_fingerprint_and_is_hex() {
    let a = RunId::compute("{}", "f1");
    assert_eq!(a, RunId::compute("{}", "f1"));
    assert_ne!(a, RunId::compute("{}", "f2"));
    assert_ne!(a, RunId::compute("{\"a\":1}", "f1"));
    assert_eq!(a.0.len(), 64);
    assert!(a.0.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(a.short().len(), 12);
}

proptest! {
    /// Any change of a value changes the canonical form (and so the run ID).
    #[test]
    fn changing_any_value_changes_the_canonical_form(seed in 0u64..1000, n in 1usize..500, top in 3usize..30) {
        let base = parse(MINIMAL).canonical_json();
        let reseeded = parse(&format!("seed = {seed}\n{MINIMAL}")).canonical_json();
        prop_assert_eq!(seed == 42, reseeded == base);
        let repeat = parse(&format!("{MINIMAL}[[study]]\nkind = \"repeat\"\nn = {n}\n")).canonical_json();
        let repeat_default = parse(&format!("{MINIMAL}[[study]]\nkind = \"repeat\"\n")).canonical_json();
        prop_assert_eq!(n == 100, repeat == repeat_default);
        let swept = parse(&MINIMAL.replace("kind = \"k_sweep\"", &format!("kind = \"k_sweep\"\nk = {{ from = 2, to = {top} }}"))).canonical_json();
        prop_assert_eq!(top == 14, swept == base);
    }

    /// Reordering top-level tables never changes the canonical form.
    #[test]
    fn table_order_is_irrelevant(order in Just(vec![0usize, 1, 2, 3]).prop_shuffle()) {
        let tables = [
            "[data]\ncorpus = \"data/ravdess\"\n",
            "[split]\nfractions = [0.7, 0.15, 0.15]\n",
            "[features]\nscale = \"none\"\n",
            "[[study]]\nkind = \"k_sweep\"\n",
        ];
        let text: String = std::iter::once("name = \"demo\"\n".to_string())
            .chain(order.iter().map(|&i| tables[i].to_string()))
            .collect();
        let canonical: String = std::iter::once("name = \"demo\"\n".to_string()).chain(tables.iter().map(|t| t.to_string())).collect();
        prop_assert_eq!(parse(&text).canonical_json(), parse(&canonical).canonical_json());
    }
}

#[test]
fn the_run_id_ignores_how_the_corpus_path_is_spelled() {
    let spellings = ["data/ravdess", "./data/ravdess", "data/ravdess/", "/abs/copy/of/ravdess"];
    let hashed: Vec<String> = spellings
        .iter()
        .map(|corpus| {
            let mut spec = parse(&MINIMAL.replace("\"data/ravdess\"", &format!("{corpus:?}")));
            spec.normalise_paths();
            spec.hashed_json()
        })
        .collect();
    assert!(hashed.iter().all(|h| h == &hashed[0]), "{hashed:?}");
    assert!(!hashed[0].contains("ravdess"));
    let mut spec = parse(&MINIMAL.replace("\"data/ravdess\"", "\"./data/ravdess/\""));
    spec.normalise_paths();
    assert_eq!(spec.data.corpus, std::path::PathBuf::from("data/ravdess"));
    assert!(spec.canonical_json().contains("\"corpus\":\"data/ravdess\""));
}

#[test]
fn projection_settings_are_validated_by_the_models_own_rules() {
    let with = |extra: &str| format!("{MINIMAL}[[study]]\nkind = \"projection\"\n{extra}");
    assert_eq!(invalid_field(&with("tsne = { perplexity = -1.0 }")), "study[1].tsne.perplexity");
    assert_eq!(invalid_field(&with("tsne = { max_iter = 10 }")), "study[1].tsne.max_iter");
    assert_eq!(invalid_field(&with("method = \"pca\"\ntsne = { perplexity = 5.0 }")), "study[1].tsne");
    assert_eq!(invalid_field(&with("trustworthiness_neighbors = 0")), "study[1].trustworthiness_neighbors");
    let spec = parse(&with("tsne = { perplexity = 5.0, learning_rate = \"auto\" }"));
    assert!(matches!(&spec.studies[1], StudySpec::Projection(p) if p.tsne.perplexity == 5.0));
}

#[test]
fn kmeans_settings_are_validated_once_by_the_models_rule() {
    let text = format!("{MINIMAL}kmeans = {{ n_init = 0 }}\n");
    assert_eq!(invalid_field(&text), "study[0].model.n_init");
    let text = format!(
        "{MINIMAL}[[study]]\nkind = \"compare\"\nmodels = [\"kmeans\", {{ name = \"spectral\", gamma = 0.0 }}]\n"
    );
    assert_eq!(invalid_field(&text), "study[1].models[1].gamma");
}

#[test]
fn feature_columns_must_be_the_recipes_and_distinct() {
    let with = |columns: &str| format!("{MINIMAL}[features]\ncolumns = {columns}\n");
    assert_eq!(invalid_field(&with("[]")), "features.columns");
    assert_eq!(invalid_field(&with("[\"mfcc_1\", \"nope\"]")), "features.columns[1]");
    assert_eq!(invalid_field(&with("[\"mfcc_1\", \"mfcc_1\"]")), "features.columns[1]");
    let spec = parse(&with("[\"rms\", \"mfcc_1\"]"));
    assert!(spec.canonical_json().contains("\"columns\":[\"rms\",\"mfcc_1\"]"));
    // Unset, the field is left out of the canonical spec: existing run IDs stay as they were.
    assert!(!parse(MINIMAL).canonical_json().contains("columns"));
}

#[test]
fn a_feature_projection_keeps_at_most_the_feature_columns() {
    let with = |extra: &str| format!("{MINIMAL}[features]\n{extra}\n");
    let project = |n: usize| format!("project = {{ method = \"pca\", n_components = {n} }}");
    assert_eq!(invalid_field(&with(&project(0))), "features.project.n_components");
    assert_eq!(invalid_field(&with(&project(46))), "features.project.n_components");
    let both = format!("columns = [\"rms\", \"mfcc_1\"]\n{}", project(3));
    assert_eq!(invalid_field(&with(&both)), "features.project.n_components");
    assert!(parse(&with(&project(2))).validate().is_ok());
}

#[test]
fn old_compare_studies_keep_their_default_models_and_settings() {
    let legacy = format!("{MINIMAL}[[study]]\nkind = \"compare\"\nk = 3\nspectral = {{ n_neighbors = 5 }}\n");
    let spec = parse(&legacy);
    let StudySpec::Compare(compare) = &spec.studies[1] else { panic!("compare") };
    let names: Vec<&str> = compare.models.iter().map(ClusterModel::name).collect();
    assert_eq!(names, ["kmeans", "agglomerative", "spectral"]);
    assert!(matches!(&compare.models[2], ClusterModel::Spectral(s) if s.n_neighbors == 5));
}

#[test]
fn grid_values_are_written_as_the_model_types_them() {
    let grid = |eps: &str| {
        parse(&format!(
            "{MINIMAL}[[study]]\nkind = \"grid\"\nmodel = \"dbscan\"\nscore_on = \"train\"\ngrid = {{ eps = [{eps}] }}\n"
        ))
        .canonical_json()
    };
    assert_eq!(grid("1, 2"), grid("1.0, 2.0"));
}

#[test]
fn a_grid_cannot_change_the_model_or_score_on_rows_it_was_fitted_on() {
    let grid = |extra: &str| format!("{MINIMAL}[[study]]\nkind = \"grid\"\nk = 3\n{extra}\n");
    assert_eq!(invalid_field(&grid("grid = { name = [\"dbscan\"] }")), "study[1].grid.name");
    assert_eq!(invalid_field(&grid("fit_on = \"train_val\"\nscore_on = \"val\"")), "study[1].score_on");
    parse(&grid("fit_on = \"train_val\"\nscore_on = \"test\"")).validate().expect("valid");
}

#[test]
fn non_finite_numbers_are_refused_wherever_they_are() {
    let text =
        format!("{MINIMAL}[[study]]\nkind = \"compare\"\nmodels = [{{ name = \"mean_shift\", bandwidth = inf }}]\n");
    match ExperimentSpec::parse(Path::new("x.toml"), &text) {
        Err(SpecError::Invalid { field, .. }) => assert_eq!(field, "study[1].models[0].bandwidth"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn label_columns_that_nothing_would_read_are_refused() {
    let pca = |color: &str| {
        format!(
            "name = \"p\"\n[data]\ncorpus = \"data/ravdess\"\n[validation]\nlabels = [\"emotion\"]\n[[study]]\nkind = \"pca\"\ncolor_by = \"{color}\"\n"
        )
    };
    parse(&pca("emotion")).validate().expect("a validation label");
    assert_eq!(invalid_field(&pca("emotoin")), "study[0].color_by");
    assert_eq!(invalid_field(&pca("cluster")), "study[0].color_by");
    let classify_only = "name = \"c\"\n[data]\ncorpus = \"data/ravdess\"\n[validation]\nlabels = [\"actor\"]\n\
                         [[study]]\nkind = \"classify\"\ntarget = \"emotion\"\ngroup_by = \"actor\"\nmodels = [\"majority\"]\n";
    assert_eq!(invalid_field(classify_only), "validation.labels");
    parse(&classify_only.replace("labels = [\"actor\"]", "labels = []")).validate().expect("no labels, no error");
}

#[test]
fn an_executor_table_is_read_but_not_part_of_the_canonical_form() {
    let with_executor = format!(
        "{MINIMAL}\n[executor]\nkind = \"slurm\"\npartition = \"short\"\ntime = \"00:20:00\"\ncpus = 2\nfiles_per_task = 16\n"
    );
    let spec = parse(&with_executor);
    assert_eq!(spec.executor.kind, ExecutorKind::Slurm);
    assert_eq!(spec.executor.partition.as_deref(), Some("short"));
    assert_eq!((spec.executor.cpus, spec.executor.files_per_task, spec.executor.mem.as_deref()), (2, 16, None));
    assert_eq!(spec.executor.retries, ExecutorSpec::default().retries, "unset fields take their defaults");
    assert_eq!(
        spec.canonical_json(),
        parse(MINIMAL).canonical_json(),
        "where a run is computed is not what it computes"
    );

    // It survives `--set` overrides, which go through the serialised (hashed) form.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("exp.toml");
    std::fs::write(&path, &with_executor).expect("write");
    let overrides = ["seed=7".parse::<Override>().expect("override")];
    let (loaded, _) = ExperimentSpec::load_with(&path, &overrides).expect("loads");
    assert_eq!(loaded.executor, spec.executor);

    let typo = format!("{MINIMAL}\n[executor]\nkind = \"slurm\"\npartiton = \"short\"\n");
    assert!(ExperimentSpec::parse(Path::new("t.toml"), &typo).is_err(), "an unknown field is refused");
    assert_eq!(invalid_field(&format!("{MINIMAL}\n[executor]\ncpus = 0\n")), "executor.cpus");
    let bad_kind = format!("{MINIMAL}\n[executor]\nkind = \"pbs\"\n");
    assert!(ExperimentSpec::parse(Path::new("t.toml"), &bad_kind).is_err(), "an unknown executor is refused");
}
