//! A Parquet lead file's progress and Parquet bytes on a stream, through the library: the
//! progress of a file of many row groups has the file's size as its total, advances as row
//! groups are decoded and ends at that size; the same bytes handed over as a stream (standard
//! input) read as the same leads with the same report; a stream that starts with `PAR1` and is
//! no Parquet file is a clear error, never a panic.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use icp_io::{InputConfig, InputError, InputFormat, LeadReader, ReadOptions};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// `rows` companies (`id`, `industry`, `employees`) in row groups of `group` rows.
fn write_leads(path: &Path, rows: usize, group: usize) {
    let ids: Vec<String> = (0..rows).map(|i| format!("C{i:05}")).collect();
    let industries: Vec<Option<&str>> = (0..rows)
        .map(|i| [Some("Software"), None, Some("Retail")][i % 3])
        .collect();
    let employees: Vec<Option<f64>> = (0..rows)
        .map(|i| (i % 4 != 0).then_some(i as f64 * 10.0))
        .collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(StringArray::from(ids))),
        ("industry", Arc::new(StringArray::from(industries))),
        ("employees", Arc::new(Float64Array::from(employees))),
    ];
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let file = std::fs::File::create(path).expect("create");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

fn config(batch_size: usize) -> InputConfig {
    InputConfig {
        batch_size,
        ..InputConfig::default()
    }
}

/// Every lead of `reader` as text, and its report.
fn leads_of(reader: &mut LeadReader) -> (Vec<String>, String) {
    let mut leads = Vec::new();
    for batch in &mut *reader {
        let batch = batch.expect("batch");
        leads.extend((0..batch.len()).map(|i| format!("{:?}", batch.lead(i))));
    }
    (leads, format!("{:?}", reader.report()))
}

#[test]
fn a_parquet_files_progress_advances_by_row_group_and_ends_at_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.parquet");
    write_leads(&path, 1000, 100);
    let size = std::fs::metadata(&path).unwrap().len();
    let schema = icp_engine::Schema::canonical();
    let mut reader =
        LeadReader::open(&path, &schema, &config(50), ReadOptions::default()).expect("open");
    let progress = reader.progress().expect("a Parquet file has a progress");
    assert_eq!(progress.total(), Some(size));
    assert_eq!(progress.read(), 0, "nothing decoded before the first batch");
    let mut seen = vec![0];
    let mut leads = 0;
    for batch in &mut reader {
        leads += batch.expect("batch").len();
        seen.push(progress.read());
    }
    assert_eq!(leads, 1000);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    let between: Vec<u64> = seen
        .iter()
        .copied()
        .filter(|&r| r > 0 && r < size)
        .collect();
    assert!(
        between.len() >= 2,
        "no steps between 0 and {size}: {seen:?}"
    );
    assert_eq!(progress.read(), size, "the whole file once read");
}

#[test]
fn parquet_bytes_on_a_stream_read_as_the_file_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.parquet");
    write_leads(&path, 300, 64);
    let schema = icp_engine::Schema::canonical();
    let config = config(40);
    let mut from_file =
        LeadReader::open(&path, &schema, &config, ReadOptions::default()).expect("open");
    let bytes = std::fs::read(&path).unwrap();
    // The format asked for is CSV, as for `--leads -`: the magic bytes decide.
    let mut from_stream = LeadReader::from_reader(
        Box::new(std::io::Cursor::new(bytes)),
        Path::new("standard input"),
        InputFormat::Csv,
        &schema,
        &config,
        ReadOptions::default(),
    )
    .expect("open the stream");
    let streamed = from_stream.progress().expect("the spooled file's progress");
    let (file_leads, file_report) = leads_of(&mut from_file);
    let (stream_leads, stream_report) = leads_of(&mut from_stream);
    assert_eq!(file_leads.len(), 300);
    assert_eq!(file_leads, stream_leads);
    assert_eq!(file_report, stream_report);
    assert_eq!(streamed.read(), streamed.total().unwrap());
}

#[test]
fn a_stream_that_only_starts_like_parquet_is_a_clear_error() {
    let schema = icp_engine::Schema::canonical();
    for bytes in [&b"PAR1"[..], b"PAR1 not a footer", b"PAR1\0\0\0\0PAR1"] {
        let opened = LeadReader::from_reader(
            Box::new(bytes),
            Path::new("standard input"),
            InputFormat::Csv,
            &schema,
            &InputConfig::default(),
            ReadOptions::default(),
        );
        match opened {
            Err(InputError::Parquet { path, message }) => {
                assert_eq!(path, Path::new("standard input"));
                assert!(
                    message.starts_with("not a readable Parquet file"),
                    "{message}"
                );
            }
            other => panic!("{:?} read as {other:?}", String::from_utf8_lossy(bytes)),
        }
    }
}
