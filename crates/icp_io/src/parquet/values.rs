//! The values of one Arrow column, read cell by cell without text parsing.
//!
//! How it works: [`readable`] decides, from a column's Arrow type alone, whether `icp` can read
//! it (strings, integers, floats, decimals, booleans, dates, timestamps, lists of those; see
//! docs/inputs.md), so a file with an unreadable column is refused before any row is read, with
//! the column and its type named. [`TypedColumn::new`] then takes the column of one record
//! batch once: strings and booleans are borrowed from the Arrow arrays, integers, floats,
//! dates and timestamps are copied into one plain vector of their kind (so every integer width
//! is one `i64` loop, a timestamp its UTC date), a dictionary keeps its keys beside its values
//! and a list its offsets beside its items. [`TypedColumn::cell`] reads row `i` as a [`Cell`]:
//! a null, or a value with its type, which the `put` module reads for a field.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrowPrimitiveType, BinaryArray, BinaryViewArray, BooleanArray, LargeBinaryArray,
    LargeStringArray, StringArray, StringViewArray,
};
use arrow_schema::{DataType, TimeUnit};

/// Whether `icp` reads a column of type `ty`; `Err` says why not (the caller names the column).
pub(crate) fn readable(ty: &DataType) -> Result<(), String> {
    use DataType as D;
    match ty {
        D::Null
        | D::Boolean
        | D::Int8
        | D::Int16
        | D::Int32
        | D::Int64
        | D::UInt8
        | D::UInt16
        | D::UInt32
        | D::UInt64
        | D::Float32
        | D::Float64
        | D::Decimal128(_, _)
        | D::Date32
        | D::Date64
        | D::Timestamp(_, _)
        | D::Utf8
        | D::LargeUtf8
        | D::Utf8View
        | D::Binary
        | D::LargeBinary
        | D::BinaryView => Ok(()),
        D::Dictionary(_, values) => readable(values),
        D::List(item) | D::LargeList(item) => match item.data_type() {
            D::List(_) | D::LargeList(_) | D::Dictionary(_, _) => {
                Err(format!("a list of {} is not read", item.data_type()))
            }
            inner => readable(inner).map_err(|why| format!("its items: {why}")),
        },
        D::Struct(_) => Err("a nested struct is not read: give each field its own column".into()),
        D::Map(_, _) => Err("a map is not read: give each key its own column".into()),
        _ => Err(
            "icp reads strings, integers, floats, decimals, booleans, dates, timestamps \
                  and lists of those"
                .into(),
        ),
    }
}

/// A text column, borrowed from its Arrow array.
#[derive(Debug, Clone, Copy)]
enum Texts<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    Binary(&'a BinaryArray),
    LargeBinary(&'a LargeBinaryArray),
    BinaryView(&'a BinaryViewArray),
}

impl<'a> Texts<'a> {
    fn of(array: &'a dyn Array) -> Option<Texts<'a>> {
        Some(match array.data_type() {
            DataType::Utf8 => Texts::Utf8(array.as_string_opt::<i32>()?),
            DataType::LargeUtf8 => Texts::LargeUtf8(array.as_string_opt::<i64>()?),
            DataType::Utf8View => Texts::Utf8View(array.as_string_view_opt()?),
            DataType::Binary => Texts::Binary(array.as_binary_opt::<i32>()?),
            DataType::LargeBinary => Texts::LargeBinary(array.as_binary_opt::<i64>()?),
            DataType::BinaryView => Texts::BinaryView(array.as_binary_view_opt()?),
            _ => return None,
        })
    }

    /// Row `i` (not null): its text, or its bytes when they are not UTF-8.
    fn get<'c>(self, i: usize) -> Cell<'c>
    where
        'a: 'c,
    {
        let bytes = match self {
            Texts::Utf8(a) => return Cell::Text(a.value(i)),
            Texts::LargeUtf8(a) => return Cell::Text(a.value(i)),
            Texts::Utf8View(a) => return Cell::Text(a.value(i)),
            Texts::Binary(a) => a.value(i),
            Texts::LargeBinary(a) => a.value(i),
            Texts::BinaryView(a) => a.value(i),
        };
        match std::str::from_utf8(bytes) {
            Ok(text) => Cell::Text(text),
            Err(_) => Cell::NotUtf8,
        }
    }
}

/// What a column holds, by kind.
#[derive(Debug)]
enum Values<'a> {
    /// A column of the Arrow type `Null`: every row missing.
    None,
    Texts(Texts<'a>),
    Ints(Vec<i64>),
    Floats(Vec<f64>),
    Bools(&'a BooleanArray),
    /// Days since 1970-01-01.
    Dates(Vec<i32>),
    /// A dictionary: each row's key into the values.
    Dictionary(Vec<usize>, Box<TypedColumn<'a>>),
    /// A list: row `i`'s items are `items[offsets[i]..offsets[i + 1]]`.
    List(Vec<usize>, Box<TypedColumn<'a>>),
}

/// One cell of a column: a null or a value with its type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Null,
    Text(&'a str),
    /// Binary data that is not UTF-8 text.
    NotUtf8,
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// The items of a list: rows `range` of the column.
    List(&'a TypedColumn<'a>, usize, usize),
}

/// One column of a record batch, ready to be read cell by cell; see the module documentation.
#[derive(Debug)]
pub(crate) struct TypedColumn<'a> {
    array: &'a dyn Array,
    values: Values<'a>,
}

/// The values of a primitive array converted, each by `f` (nulls included: they are never read).
fn mapped<T: ArrowPrimitiveType, U>(
    array: &dyn Array,
    f: impl Fn(T::Native) -> U,
) -> Option<Vec<U>> {
    Some(
        array
            .as_primitive_opt::<T>()?
            .values()
            .iter()
            .map(|v| f(*v))
            .collect(),
    )
}

/// A timestamp of `per_day` units a day as its UTC date.
fn day_of(t: i64, per_day: i64) -> i32 {
    let day = t.div_euclid(per_day);
    i32::try_from(day).unwrap_or(if day < 0 { i32::MIN } else { i32::MAX })
}

impl<'a> TypedColumn<'a> {
    /// Takes a column of a readable type ([`readable`]); `None` for any other.
    pub(crate) fn new(array: &'a dyn Array) -> Option<TypedColumn<'a>> {
        use DataType as D;
        const DAY_SECONDS: i64 = 86_400;
        let values = match array.data_type() {
            D::Null => Values::None,
            D::Boolean => Values::Bools(array.as_boolean_opt()?),
            D::Int8 => Values::Ints(mapped::<Int8Type, _>(array, i64::from)?),
            D::Int16 => Values::Ints(mapped::<Int16Type, _>(array, i64::from)?),
            D::Int32 => Values::Ints(mapped::<Int32Type, _>(array, i64::from)?),
            D::Int64 => Values::Ints(array.as_primitive_opt::<Int64Type>()?.values().to_vec()),
            D::UInt8 => Values::Ints(mapped::<UInt8Type, _>(array, i64::from)?),
            D::UInt16 => Values::Ints(mapped::<UInt16Type, _>(array, i64::from)?),
            D::UInt32 => Values::Ints(mapped::<UInt32Type, _>(array, i64::from)?),
            D::UInt64 => {
                let values = array.as_primitive_opt::<UInt64Type>()?.values();
                match values.iter().map(|v| i64::try_from(*v)).collect() {
                    Ok(ints) => Values::Ints(ints),
                    Err(_) => Values::Floats(values.iter().map(|v| *v as f64).collect()),
                }
            }
            // As its shortest decimal text reads, so 0.1f32 is 0.1 and not 0.100000001….
            D::Float32 => Values::Floats(mapped::<Float32Type, _>(array, |v| {
                v.to_string().parse().unwrap_or(f64::from(v))
            })?),
            D::Float64 => {
                Values::Floats(array.as_primitive_opt::<Float64Type>()?.values().to_vec())
            }
            D::Decimal128(_, scale) => {
                let divisor = 10f64.powi(i32::from(*scale));
                Values::Floats(mapped::<Decimal128Type, _>(array, |v| v as f64 / divisor)?)
            }
            D::Date32 => Values::Dates(array.as_primitive_opt::<Date32Type>()?.values().to_vec()),
            D::Date64 => Values::Dates(mapped::<Date64Type, _>(array, |ms| {
                day_of(ms, DAY_SECONDS * 1000)
            })?),
            D::Timestamp(unit, _) => Values::Dates(match unit {
                TimeUnit::Second => {
                    mapped::<TimestampSecondType, _>(array, |t| day_of(t, DAY_SECONDS))?
                }
                TimeUnit::Millisecond => mapped::<TimestampMillisecondType, _>(array, |t| {
                    day_of(t, DAY_SECONDS * 1_000)
                })?,
                TimeUnit::Microsecond => mapped::<TimestampMicrosecondType, _>(array, |t| {
                    day_of(t, DAY_SECONDS * 1_000_000)
                })?,
                TimeUnit::Nanosecond => mapped::<TimestampNanosecondType, _>(array, |t| {
                    day_of(t, DAY_SECONDS * 1_000_000_000)
                })?,
            }),
            D::Dictionary(_, _) => {
                let dictionary = array.as_any_dictionary_opt()?;
                let values = TypedColumn::new(dictionary.values().as_ref())?;
                if dictionary.values().is_empty() {
                    // Every key is null.
                    Values::None
                } else {
                    Values::Dictionary(dictionary.normalized_keys(), Box::new(values))
                }
            }
            D::List(_) => {
                let list = array.as_list_opt::<i32>()?;
                let offsets = list.offsets().iter().map(|o| *o as usize).collect();
                Values::List(offsets, Box::new(TypedColumn::new(list.values().as_ref())?))
            }
            D::LargeList(_) => {
                let list = array.as_list_opt::<i64>()?;
                let offsets = list.offsets().iter().map(|o| *o as usize).collect();
                Values::List(offsets, Box::new(TypedColumn::new(list.values().as_ref())?))
            }
            _ => Values::Texts(Texts::of(array)?),
        };
        Some(TypedColumn { array, values })
    }

    /// Row `i`.
    pub(crate) fn cell<'c>(&'c self, i: usize) -> Cell<'c> {
        if self.array.is_null(i) {
            return Cell::Null;
        }
        match &self.values {
            Values::None => Cell::Null,
            Values::Texts(texts) => texts.get(i),
            Values::Ints(v) => Cell::Int(v[i]),
            Values::Floats(v) => Cell::Float(v[i]),
            Values::Bools(b) => Cell::Bool(b.value(i)),
            Values::Dates(v) => Cell::Date(v[i]),
            Values::Dictionary(keys, values) => values.cell(keys[i]),
            Values::List(offsets, items) => Cell::List(items, offsets[i], offsets[i + 1]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, DictionaryArray, Int32Array, ListArray, TimestampSecondArray};
    use std::sync::Arc;

    #[test]
    fn dictionary_strings_read_through_their_keys() {
        let dict: DictionaryArray<Int32Type> = vec![Some("a"), None, Some("b"), Some("a")]
            .into_iter()
            .collect();
        let column = TypedColumn::new(&dict).unwrap();
        let texts: Vec<String> = (0..4).map(|i| format!("{:?}", column.cell(i))).collect();
        assert_eq!(texts, ["Text(\"a\")", "Null", "Text(\"b\")", "Text(\"a\")"]);
    }

    #[test]
    fn timestamps_are_their_utc_dates() {
        let ts = TimestampSecondArray::from(vec![86_399, 86_400, -1]);
        let column = TypedColumn::new(&ts).unwrap();
        let days: Vec<String> = (0..3).map(|i| format!("{:?}", column.cell(i))).collect();
        assert_eq!(days, ["Date(0)", "Date(1)", "Date(-1)"]);
    }

    #[test]
    fn lists_give_their_item_range() {
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            None,
            Some(vec![]),
        ]);
        let column = TypedColumn::new(&list).unwrap();
        assert!(matches!(column.cell(0), Cell::List(_, 0, 2)));
        assert!(matches!(column.cell(1), Cell::Null));
        assert!(matches!(column.cell(2), Cell::List(_, 2, 2)));
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        assert!(readable(ints.data_type()).is_ok());
    }

    #[test]
    fn structs_and_maps_are_refused_by_name() {
        let ty = DataType::Struct(vec![arrow_schema::Field::new("a", DataType::Utf8, true)].into());
        assert!(readable(&ty).unwrap_err().contains("nested struct"));
        let nested = DataType::List(Arc::new(arrow_schema::Field::new(
            "item",
            DataType::List(Arc::new(arrow_schema::Field::new(
                "item",
                DataType::Utf8,
                true,
            ))),
            true,
        )));
        assert!(readable(&nested).is_err());
    }
}
