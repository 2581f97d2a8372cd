//! The pages people read, loaded in a real browser (headless Chromium): a run's `report.html`
//! and the page of `vlogmood compare --html`. Each is loaded with `--dump-dom` after a small
//! script has counted the images that loaded with a non-zero size, the DOM is checked for the
//! tables, figures and parameter differences, and a screenshot is kept under
//! `target/tmp/browser/` (a CI artefact).
//!
//! Without a browser the test says so and is skipped — unless `VLOGMOOD_REQUIRE_BROWSER=1`
//! (set by `.ci/run`, which installs Debian's `chromium`), where a missing browser fails it.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use util::{code, fixtures, stderr, vlogmood};

fn browser() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"].iter().find_map(|name| {
        let out = Command::new("sh").args(["-c", &format!("command -v {name}")]).output().ok()?;
        out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    });
    if found.is_none() {
        assert!(
            std::env::var("VLOGMOOD_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "VLOGMOOD_REQUIRE_BROWSER=1 but no chromium on PATH"
        );
        eprintln!("SKIPPED: no chromium on PATH; install Debian's chromium to run the browser tests");
    }
    found
}

fn chromium(browser: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

/// Loads `page` and returns its DOM after a script has written the number of images that
/// loaded with a non-zero natural size into `<body data-loaded>`; screenshots it as `shot`.
fn load(browser: &Path, page: &Path, shot: &str) -> String {
    let probe = page.with_extension("probe.html");
    let script = "<script>window.addEventListener('load',()=>{document.body.dataset.loaded=\
                  [...document.images].filter(i=>i.complete&&i.naturalWidth>0).length;\
                  document.body.dataset.images=document.images.length;});</script>";
    let html = std::fs::read_to_string(page).expect("page").replace("</body>", &format!("{script}</body>"));
    std::fs::write(&probe, html).expect("probe page");
    let profile = tempfile::tempdir().expect("profile");
    let url = format!("file://{}", probe.display());
    let dom = chromium(browser, profile.path(), &["--virtual-time-budget=10000", "--dump-dom", &url]);
    assert!(dom.status.success(), "{}", String::from_utf8_lossy(&dom.stderr));
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).expect("shots folder");
    let shot = shots.join(shot);
    let url = format!("file://{}", page.display());
    let taken = chromium(
        browser,
        profile.path(),
        &["--window-size=1400,1800", &format!("--screenshot={}", shot.display()), &url],
    );
    assert!(taken.status.success() && shot.is_file(), "{}", String::from_utf8_lossy(&taken.stderr));
    String::from_utf8(dom.stdout).expect("UTF-8 DOM")
}

/// `(images loaded with a size, images)` from the probe's body attributes.
fn images(dom: &str) -> (usize, usize) {
    let attribute = |name: &str| -> usize {
        let at =
            dom.find(&format!("{name}=\"")).unwrap_or_else(|| panic!("no {name} in the DOM: the page did not load"));
        dom[at + name.len() + 2..].split('"').next().and_then(|n| n.parse().ok()).expect("a count")
    };
    (attribute("data-loaded"), attribute("data-images"))
}

const SPEC: &str = r#"name = "page"
seed = SEED
[data]
corpus = "CORPUS"
[split]
group_by = "actor"
[validation]
labels = ["emotion"]
n_permutations = 20
[[study]]
kind = "compare"
models = ["kmeans", "agglomerative"]
k = K
bootstrap = 5
"#;

fn run(dir: &Path, seed: u32, k: u32) -> PathBuf {
    let text = SPEC
        .replace("CORPUS", &fixtures().join("corpus/mini").display().to_string())
        .replace("SEED", &seed.to_string())
        .replace("K", &k.to_string());
    std::fs::write(dir.join("exp.toml"), text).expect("spec");
    let out = vlogmood(dir, &["run", "exp"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir.join(String::from_utf8_lossy(&out.stdout).lines().last().expect("folder"))
}

#[test]
fn the_run_report_and_the_compare_page_load_with_every_table_and_figure() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // At k = 4 k-means and Ward differ on the mini corpus (at 2 and 3 they find the same
    // clusters), so the report has a best model to mark.
    let first = run(dir.path(), 1, 4);
    let second = run(dir.path(), 1, 5);

    let report = load(&browser, &first.join("report.html"), "report.png");
    let (loaded, total) = images(&report);
    assert!(total >= 6 && loaded == total, "report: {loaded} of {total} images loaded");
    assert!(report.contains("<table") && report.contains("compare_kmeans_profile.png"), "report tables and figures");
    // The finding leads: the executive summary as a real table, the best model marked, then
    // the figures; the details are collapsed.
    let (summary, figures) = (report.find("id=\"summary\"").unwrap(), report.find("id=\"figures\"").unwrap());
    assert!(summary < figures, "summary before figures");
    let document = &report[report.find("class=\"document\"").expect("executive summary")..figures];
    assert!(document.contains("<table>") && document.contains("<th>model</th>"), "rendered, not <pre>");
    assert!(report[summary..figures].contains("class=\"num best\""), "best values marked");
    assert!(report.contains("<details id=\"metrics\">"), "metrics collapsed");

    let names: Vec<String> =
        [&first, &second].iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    let page = dir.path().join("compare.html");
    let out = vlogmood(dir.path(), &["compare", &names[0], &names[1], "--html", page.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let dom = load(&browser, &page, "compare.png");
    let (loaded, total) = images(&dom);
    let figures = std::fs::read_dir(first.join("figures")).unwrap().count();
    assert!(
        total >= 2 * figures && loaded == total,
        "compare: {loaded} of {total} images loaded ({figures} figures a run)"
    );
    assert!(
        dom.contains("Parameters that differ") && dom.contains("<th>study[0].k</th><td>4</td><td>5</td>"),
        "parameter diff"
    );
    assert!(dom.contains("compare.kmeans.silhouette@split=train"), "metrics lined up across k");
    assert!(dom.contains("class=\"num better\"") || dom.contains("class=\"num worse\""), "coloured differences");
}
