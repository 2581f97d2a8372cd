//! Records the compiler version for run manifests (`manifest.json` → `rustc`), and, with the
//! `xgboost` feature, lets the binaries find the `libxgboost.so` that `xgboost_lib-sys` built.

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown".to_string(), |s| s.trim().to_string());
    println!("cargo:rustc-env=VLOGMOOD_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
    // The sys crate links libxgboost dynamically from its build folder but records no run path,
    // so a binary would need LD_LIBRARY_PATH; its cmake build exports that folder as
    // DEP_XGBOOST_ROOT (it `links = "xgboost"`).
    if let Ok(root) = std::env::var("DEP_XGBOOST_ROOT") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{root}/lib");
    }
}
