//! Writes a generated rule set to disk, to time `icp check` on it:
//! `cargo run -p icp_benches --example write_rules -- DIR N`.

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "big_rules".into()));
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    std::fs::create_dir_all(&dir)?;
    for i in 0..n {
        std::fs::write(
            dir.join(format!("segment_{i}.icp")),
            icp_benches::rule_file(i),
        )?;
    }
    println!("wrote {n} rule files to {}", dir.display());
    Ok(())
}
