//! Unit tests of the FOCUS Parquet reader and writer.

use super::*;

#[test]
fn bounded_write_is_the_same_file_with_statistics() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("c", DataType::Decimal128(38, 18), true),
        Field::new("s", DataType::Utf8, true),
    ]));
    let n = 3 * DECIMAL_WRITE_ROWS + 17;
    let dec = Decimal128Array::from(
        (0..n as i128)
            .map(|i| (i * 7919) % 1000 - 500)
            .collect::<Vec<_>>(),
    )
    .with_precision_and_scale(38, 18)
    .unwrap();
    let s = StringArray::from((0..n).map(|i| format!("v{}", i % 5)).collect::<Vec<_>>());
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(dec), Arc::new(s)]).unwrap();
    let write = |bounded: bool| -> Vec<u8> {
        let mut w = ArrowWriter::try_new(Vec::new(), schema.clone(), None).unwrap();
        if bounded {
            write_batch_bounded(&mut w, &batch).unwrap();
        } else {
            w.write(&batch).unwrap();
        }
        w.into_inner().unwrap()
    };
    let (a, b) = (write(true), write(false));
    let read = |bytes: Vec<u8>| {
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, &bytes).unwrap();
        let r = ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
        let stats = r.metadata().row_group(0).column(0).statistics().cloned();
        let batches: Vec<RecordBatch> = r.build().unwrap().map(|b| b.unwrap()).collect();
        (
            arrow_select::concat::concat_batches(&schema, &batches).unwrap(),
            stats,
        )
    };
    let (ra, sa) = read(a);
    let (rb, sb) = read(b);
    assert_eq!(ra, batch);
    assert_eq!(ra, rb);
    assert!(sa.is_some());
    assert_eq!(sa, sb);
}

#[test]
fn money_columns_have_no_statistics_the_others_keep_theirs() {
    let schema = Schema::new(vec![
        Field::new("BilledCost", DataType::Decimal128(38, 18), true),
        Field::new("ServiceName", DataType::Utf8, true),
    ]);
    let props = decimal_statistics_off(&schema, WriterProperties::builder()).build();
    let schema = Arc::new(schema);
    let dec = Decimal128Array::from(vec![5_i128, -3, 9])
        .with_precision_and_scale(38, 18)
        .unwrap();
    let s = StringArray::from(vec!["a", "b", "c"]);
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(dec), Arc::new(s)]).unwrap();
    let mut w = ArrowWriter::try_new(Vec::new(), schema, Some(props)).unwrap();
    write_batch_bounded(&mut w, &batch).unwrap();
    let mut f = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut f, &w.into_inner().unwrap()).unwrap();
    let r = ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
    let rg = r.metadata().row_group(0);
    assert!(rg.column(0).statistics().is_none());
    assert!(rg.column(1).statistics().is_some());
    let back: Vec<RecordBatch> = r.build().unwrap().map(|b| b.unwrap()).collect();
    assert_eq!(back[0], batch);
}

#[test]
fn scaled_text_is_exact() {
    assert_eq!(scaled_text("12345".into(), 2), "123.45");
    assert_eq!(scaled_text("-5".into(), 3), "-0.005");
    assert_eq!(scaled_text("1000".into(), 3), "1");
    assert_eq!(scaled_text("7".into(), -2), "700");
    assert_eq!(scaled_text("0".into(), 18), "0");
}

#[test]
fn decimal_scale18() {
    let d = Decimal::from_str_exact("-1.5").unwrap();
    assert_eq!(
        decimal_to_i128_scale18(d).unwrap(),
        -1_500_000_000_000_000_000
    );
    let tiny = Decimal::from_str_exact("0.0000000000000000001").unwrap();
    assert!(decimal_to_i128_scale18(tiny).is_err());
}
